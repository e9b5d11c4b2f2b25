#pragma once
// The fiber and nodejs models: inflight's dispatcher, vCPUs x workers_per_vcpu threads (1 for
// fiber, 8 for nodejs, as the Node.js runtime client starts), each slot a long-lived fiber.

#include <optional>

#include "inflight/dispatcher.hpp"
#include "point/runner.hpp"
#include "point/worker_open_loop.hpp"

namespace inflight::bench::detail {

class dispatcher_model final : public subject {
 public:
  explicit dispatcher_model(std::size_t workers_per_vcpu) : workers_per_vcpu_(workers_per_vcpu) {}

  // Each slot stays on its worker: one shard per worker sees no contention.
  std::size_t shards(const point_spec& spec) const override {
    return spec.vcpus * workers_per_vcpu_;
  }
  void start(point_context& ctx, point_result& r) override {
    dispatcher_options o;
    o.vcpus = ctx.spec.vcpus;
    o.workers_per_vcpu = workers_per_vcpu_;
    o.pin = ctx.spec.pinned();
    o.stack_size = ctx.spec.stack_size;
    d_.emplace(o);
    r.workers = d_->workers();
    r.threads = d_->workers();
    if (ctx.spec.mode == loop_mode::closed) {
      d_->run_slots(ctx.spec.in_flight(), [&ctx](std::size_t i) { ctx.invoke_closed(i); });
    } else {
      loop_.emplace(ctx, d_->workers());
      d_->run_slots(loop_->slots(), [this](std::size_t i) { loop_->run(i); });
    }
  }
  double occupancy() const override { return loop_ ? loop_->occupancy() : 0; }
  void stop(point_result& r) override {
    if (loop_) loop_->finish(r);
    d_->stop_slots();
    // A slot whose stack could not be mapped never ran: the point had fewer slots than it claims.
    // (In the open loop a generator that could not start is one too: its worker got no arrivals.)
    r.unstarted = d_->unstarted();
    r.failed += r.unstarted;
  }

 private:
  std::size_t workers_per_vcpu_;
  std::optional<dispatcher> d_;
  std::optional<worker_open_loop> loop_;  // destroyed first: its lanes close before the slots stop
};

}  // namespace inflight::bench::detail
