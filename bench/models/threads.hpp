#pragma once
// The java model: one OS thread per slot, blocking in each wait at the default 50 us timer slack.

#include <atomic>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "point/open_loop.hpp"
#include "point/runner.hpp"
#include "support/affinity.hpp"

namespace inflight::bench::detail {

class thread_model final : public subject {
 public:
  ~thread_model() override { end_threads(); }

  // Slots move between CPUs with their threads: 64 shards keep the locks apart.
  std::size_t shards(const point_spec&) const override { return 64; }
  void start(point_context& ctx, point_result& r) override {
    const std::size_t n = ctx.spec.in_flight();
    if (ctx.spec.mode == loop_mode::open) loop_.emplace(ctx, r);
    r.threads = n;
    try {
      for (std::size_t i = 0; i < n; ++i) {
        threads_.emplace_back([this, &ctx, i] {
          pin_current_thread(ctx.spec.cpus);
          if (loop_) {
            loop_->serve(i);
          } else {
            while (!stop_.load(std::memory_order_relaxed)) ctx.invoke_closed(i);
          }
        });
      }
    } catch (const std::exception& e) {
      const std::size_t started = threads_.size();
      end_threads();
      throw std::runtime_error("java model: cannot start thread " + std::to_string(started + 1) +
                               " of " + std::to_string(n) + ": " + e.what());
    }
    if (loop_) {
      try {
        loop_->start();
      } catch (const std::system_error& e) {
        end_threads();
        throw std::runtime_error(std::string("java model: cannot start the arrival generator: ") +
                                 e.what());
      }
    }
  }
  double occupancy() const override { return loop_ ? loop_->occupancy() : 0; }
  void stop(point_result&) override { end_threads(); }

 private:
  // Tells the slots to stop (the open loop's queue closes) and joins them; idempotent.
  void end_threads() {
    stop_.store(true);
    if (loop_) loop_->finish();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

  std::optional<open_loop> loop_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

}  // namespace inflight::bench::detail
