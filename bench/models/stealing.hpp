#pragma once
// The dotnet and rust models: a work-stealing pool of vCPU threads (support/stealing_pool.hpp);
// dotnet starts a task (fiber) per invocation, rust keeps one long-lived task per slot.

#include <atomic>
#include <boost/fiber/fiber.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <thread>

#include "support/open_loop.hpp"
#include "support/point.hpp"
#include "support/stealing_pool.hpp"

namespace inflight::bench::detail {

// dotnet: each invocation is a new task (fiber) on the stealing pool; rust: each slot is one
// long-lived task that moves between workers.
inline void run_stealing_model(point_context& ctx, point_result& r, bool task_per_invocation,
                               const progress& tick) {
  stealing_pool pool(r.vcpus, ctx.spec.cpus);
  r.workers = pool.threads();
  r.threads = pool.threads();
  std::optional<open_loop> loop;
  if (ctx.spec.mode == loop_mode::open) loop.emplace(ctx, r);
  std::atomic<bool> stop{false};
  std::atomic<std::size_t> live{r.in_flight};
  auto run = [task_per_invocation](auto&& invocation) {
    if (!task_per_invocation) return invocation();
    boost::fibers::fiber task(std::ref(invocation));
    task.join();
  };
  for (std::size_t i = 0; i < r.in_flight; ++i) {
    pool.spawn([&, i] {
      if (loop) {
        loop->serve(i, run);
      } else {
        while (!stop.load(std::memory_order_relaxed)) {
          const auto begin = steady::now();  // before the task is created: .NET pays for it
          run([&ctx, i, begin] { ctx.invoke_closed(i, begin); });
        }
      }
      live.fetch_sub(1);
    });
  }
  if (loop) {
    loop->drive(tick);
  } else {
    await_window(ctx, r, tick);
  }
  stop.store(true);
  while (live.load() != 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

}  // namespace inflight::bench::detail
