#pragma once
// The open loop of the in-process models: an arrival generator at a fixed rate (Poisson or
// uniform gaps), a slot_limiter that throttles arrivals beyond the point's concurrency (LMI's
// 429), and a queue every slot pulls its next invocation from, like a runtime asking /next.

#include <algorithm>
#include <boost/fiber/buffered_channel.hpp>
#include <chrono>
#include <functional>
#include <random>
#include <thread>

#include "inflight/io_wait.hpp"
#include "inflight/slot_limiter.hpp"
#include "support/point.hpp"

namespace inflight::bench::detail {

// An admitted open-loop arrival; holding `slot` keeps its limiter slot busy until it completes.
struct arrival {
  steady::time_point due;
  bool counted = false;
  slot_limiter::slot slot;
};

inline std::size_t next_pow2(std::size_t n) {
  std::size_t p = 2;
  while (p < n) p *= 2;
  return p;
}

// Issues arrivals at their scheduled times until the window ends; `admit` returns false for a
// throttle. Runs on a thread of its own with a 1 ns timer slack. An arrival already due is issued
// at once, never after a sleep (a past-due sleep costs a timer wake-up, 30 us here, and a
// generator that pays it falls behind for good at high rates); how late each counted arrival was
// issued goes to r.arrival_lag, so a point whose generator could not keep up says so (wrk2's rule:
// latency from the intended start, and a generator that shows when it falls behind).
inline void generate_arrivals(point_context& ctx, point_result& r,
                              const std::function<bool(steady::time_point, bool)>& admit) {
  set_timer_slack(std::chrono::nanoseconds(1));
  std::mt19937_64 rng(ctx.spec.seed ^ 0x9e3779b97f4a7c15ull);
  std::exponential_distribution<double> gap(ctx.spec.rate);
  const double mean_gap = 1.0 / ctx.spec.rate;
  auto due = ctx.start;
  while (due < ctx.window_end) {
    // A gap past the window's end ends the loop; capping it there keeps the sum in range.
    const double left = std::chrono::duration<double>(ctx.window_end - due).count();
    const double g = ctx.spec.arrivals == arrival_process::poisson ? gap(rng) : mean_gap;
    due += std::chrono::duration_cast<steady::duration>(
        std::chrono::duration<double>(std::min(g, left + 1)));
    if (due >= ctx.window_end) break;
    if (steady::now() < due) io_wait_until(due);  // on this plain thread: clock_nanosleep
    const bool counted = ctx.in_window(due);
    if (counted) {
      ++r.arrivals;
      r.arrival_lag.record(ns_between(due, steady::now()));
    }
    if (!admit(due, counted) && counted) ++r.throttled;
  }
}

// The open loop of the in-process models: arrivals admitted by a slot_limiter (a throttle when it
// is full) wait in a queue from which every slot pulls its next invocation, like a runtime asking
// /next. Each admitted arrival holds its limiter slot until it completes.
class open_loop {
 public:
  open_loop(point_context& ctx, point_result& r)
      : ctx_(ctx), r_(r), limiter_(r.in_flight), queue_(next_pow2(r.in_flight + 1)) {}

  // A slot's loop: serves arrivals until the queue closes. `run` wraps each invocation (the
  // dotnet model starts a task per invocation there).
  template <class Run>
  void serve(std::size_t i, Run&& run) {
    arrival a;
    while (queue_.pop(a) == boost::fibers::channel_op_status::success) {
      run([&] { ctx_.invoke(i, a.due, a.counted); });
      a.slot.reset();
    }
  }
  void serve(std::size_t i) {
    serve(i, [](auto&& invoke) { invoke(); });
  }

  // Ends every serve() loop without issuing arrivals: the model could not start.
  void close() { queue_.close(); }

  // Issues the arrivals through the window, then closes the queue; the slots drain it.
  void drive(const std::function<void(double)>& tick) {
    std::thread generator([this] {
      generate_arrivals(ctx_, r_, [this](steady::time_point due, bool counted) {
        auto slot = limiter_.try_acquire();
        if (!slot) return false;
        queue_.push(arrival{due, counted, std::move(slot)});
        return true;
      });
    });
    await_window(ctx_, r_, tick, [this] { return static_cast<double>(limiter_.in_use()); });
    generator.join();
    queue_.close();
  }

 private:
  point_context& ctx_;
  point_result& r_;
  slot_limiter limiter_;
  boost::fibers::buffered_channel<arrival> queue_;
};

}  // namespace inflight::bench::detail
