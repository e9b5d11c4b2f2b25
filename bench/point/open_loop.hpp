#pragma once
// The open loop of the thread- and process-based models: one arrival generator thread on the
// point's schedule (arrival_schedule.hpp), a slot_limiter that throttles arrivals beyond the
// point's concurrency (LMI's 429), and a queue every slot pulls its next invocation from, like a
// runtime asking /next. The dispatcher's models generate on every worker instead
// (worker_open_loop.hpp).

#include <boost/fiber/buffered_channel.hpp>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "inflight/histogram.hpp"
#include "inflight/io_wait.hpp"
#include "inflight/slot_limiter.hpp"
#include "point/arrival_schedule.hpp"
#include "point/context.hpp"

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

// What one generator counted of the arrivals it issued in the window: how many, how many were
// throttled, and how late each was issued, in all and per second. Each generator keeps its own;
// add_to() sums them.
struct arrival_tally {
  std::uint64_t arrivals = 0;
  std::uint64_t throttled = 0;
  latency_histogram lag;
  std::vector<second_figures> seconds;  // arrivals and throttles per second of the window
  void add_to(point_result& r) const {
    r.arrivals += arrivals;
    r.throttled += throttled;
    r.arrival_lag.merge(lag);
    add_arrivals(seconds, r.seconds);
  }
};

// Issues `schedule`'s arrivals at their times until the window ends; `admit` returns false for a
// throttle. An arrival already due is issued at once, never after a sleep (a past-due sleep costs
// a timer wake-up, 30 us here, and a generator that pays it falls behind for good at high rates);
// how late each counted arrival was issued goes to t.lag, so a point whose generator could not
// keep up says so (wrk2's rule: latency from the intended start, and a generator that shows when
// it falls behind). On a fiber it sleeps in its worker's idle path; on a plain thread in
// clock_nanosleep at that thread's timer slack.
template <class Admit>
void generate_arrivals(const point_context& ctx, arrival_schedule& schedule, arrival_tally& t,
                       Admit&& admit) {
  for (auto due = schedule.next(); due < ctx.window_end; due = schedule.next()) {
    if (steady::now() < due) io_wait_until(due);
    const bool counted = ctx.in_window(due);
    if (counted) {
      ++t.arrivals;
      t.lag.record(ns_between(due, steady::now()));
    }
    const bool admitted = admit(due, counted);
    if (counted) {
      if (!admitted) ++t.throttled;
      count_arrival(t.seconds, second_index(due, ctx.window_start), !admitted);
    }
  }
}

// The whole schedule from one plain thread (the java, dotnet and python models), with a 1 ns timer
// slack, straight into `r`.
template <class Admit>
void generate_arrivals(point_context& ctx, point_result& r, Admit&& admit) {
  set_timer_slack(std::chrono::nanoseconds(1));
  arrival_schedule schedule(ctx.spec, ctx.start, ctx.window_end);
  arrival_tally t;
  generate_arrivals(ctx, schedule, t, admit);
  t.add_to(r);
}

// Arrivals admitted by a slot_limiter (a throttle when it is full) wait in a queue from which
// every slot pulls its next invocation. Each admitted arrival holds its limiter slot until it
// completes. start() runs the generator; finish() waits for it and closes the queue, and the
// slots drain what is left.
class open_loop {
 public:
  open_loop(point_context& ctx, point_result& r)
      : ctx_(ctx),
        r_(r),
        limiter_(ctx.spec.in_flight()),
        queue_(next_pow2(ctx.spec.in_flight() + 1)) {}
  ~open_loop() { finish(); }

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

  // Issues the arrivals through the window, on a thread of its own. Throws std::system_error
  // when the thread cannot start.
  void start() {
    generator_ = std::thread([this] {
      generate_arrivals(ctx_, r_, [this](steady::time_point due, bool counted) {
        auto slot = limiter_.try_acquire();
        if (!slot) return false;
        queue_.push(arrival{due, counted, std::move(slot)});
        return true;
      });
    });
  }
  // Waits for the generator (it ends with the window) and closes the queue; idempotent.
  void finish() {
    if (generator_.joinable()) generator_.join();
    queue_.close();
  }
  double occupancy() const { return static_cast<double>(limiter_.in_use()); }

 private:
  point_context& ctx_;
  point_result& r_;
  slot_limiter limiter_;
  boost::fibers::buffered_channel<arrival> queue_;
  std::thread generator_;
};

}  // namespace inflight::bench::detail
