#pragma once
// The java model: one OS thread per slot, blocking in each wait at the default 50 us timer slack.

#include <atomic>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/affinity.hpp"
#include "support/open_loop.hpp"
#include "support/point.hpp"

namespace inflight::bench::detail {

// Joins `threads` after telling them to stop, for a model that failed to start all of them.
inline void stop_and_join(std::vector<std::thread>& threads, std::atomic<bool>& stop,
                          std::optional<open_loop>& loop) {
  stop.store(true);
  if (loop) loop->close();
  for (auto& t : threads) t.join();
}

inline void run_thread_model(point_context& ctx, point_result& r, const progress& tick) {
  const auto& cpus = ctx.spec.cpus;
  std::optional<open_loop> loop;
  if (ctx.spec.mode == loop_mode::open) loop.emplace(ctx, r);
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  r.threads = r.in_flight;
  try {
    for (std::size_t i = 0; i < r.in_flight; ++i) {
      threads.emplace_back([&, i] {
        pin_current_thread(cpus);
        if (loop) {
          loop->serve(i);
        } else {
          while (!stop.load(std::memory_order_relaxed)) ctx.invoke_closed(i);
        }
      });
    }
  } catch (const std::exception& e) {
    const std::size_t started = threads.size();
    stop_and_join(threads, stop, loop);
    throw std::runtime_error("java model: cannot start thread " + std::to_string(started + 1) +
                             " of " + std::to_string(r.in_flight) + ": " + e.what());
  }
  if (loop) {
    loop->drive(tick);
  } else {
    await_window(ctx, r, tick);
  }
  stop.store(true);
  for (auto& t : threads) t.join();
}

}  // namespace inflight::bench::detail
