#pragma once
// The dotnet and rust models: a work-stealing pool of vCPU threads (stealing_pool.hpp); dotnet
// starts a task (fiber) per invocation, rust keeps one long-lived task per slot.

#include <atomic>
#include <boost/fiber/fiber.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <thread>

#include "models/stealing_pool.hpp"
#include "point/open_loop.hpp"
#include "point/runner.hpp"

namespace inflight::bench::detail {

class stealing_model final : public subject {
 public:
  explicit stealing_model(bool task_per_invocation) : task_per_invocation_(task_per_invocation) {}
  ~stealing_model() override { end_tasks(); }

  // Tasks move between workers: 64 shards keep the locks apart.
  std::size_t shards(const point_spec&) const override { return 64; }
  void start(point_context& ctx, point_result& r) override {
    pool_.emplace(ctx.spec.vcpus, ctx.spec.cpus);
    r.workers = pool_->threads();
    r.threads = pool_->threads();
    if (ctx.spec.mode == loop_mode::open) loop_.emplace(ctx, r);
    // dotnet: each invocation is a new task (fiber) on the pool; rust: each slot is one
    // long-lived task that moves between workers.
    auto run = [per_invocation = task_per_invocation_](auto&& invocation) {
      if (!per_invocation) return invocation();
      boost::fibers::fiber task(std::ref(invocation));
      task.join();
    };
    live_.store(ctx.spec.in_flight());
    for (std::size_t i = 0; i < ctx.spec.in_flight(); ++i) {
      pool_->spawn([this, &ctx, i, run] {
        if (loop_) {
          loop_->serve(i, run);
        } else {
          while (!stop_.load(std::memory_order_relaxed)) {
            const auto begin = steady::now();  // before the task is created: .NET pays for it
            run([&ctx, i, begin] { ctx.invoke_closed(i, begin); });
          }
        }
        live_.fetch_sub(1);
      });
    }
    if (!loop_) return;
    try {
      loop_->start();
    } catch (...) {  // no generator: the tasks end before the context does
      end_tasks();
      throw;
    }
  }
  double occupancy() const override { return loop_ ? loop_->occupancy() : 0; }
  void stop(point_result&) override { end_tasks(); }

 private:
  // Tells the tasks to stop (the open loop's queue closes) and waits until none runs.
  void end_tasks() {
    stop_.store(true);
    if (loop_) loop_->finish();
    while (live_.load() != 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  bool task_per_invocation_;
  std::optional<stealing_pool> pool_;
  std::optional<open_loop> loop_;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> live_{0};
};

}  // namespace inflight::bench::detail
