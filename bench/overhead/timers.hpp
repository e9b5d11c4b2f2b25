#pragma once
// Timer precision: the overshoot of a 2 ms wait for inflight's io_wait and the baselines a user
// would otherwise write, each in blocks alternating with the floor's; and a burst of 64 fibers of
// one worker due at once.

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <boost/fiber/all.hpp>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "inflight/inflight.hpp"
#include "overhead/results.hpp"
#include "support/measure.hpp"

namespace inflight::bench::overhead {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;
using inflight::bench::ns_between;

// A steady_clock deadline as the absolute CLOCK_MONOTONIC timespec the raw baseline sleeps to.
inline timespec absolute(steady::time_point tp) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(tp.time_since_epoch());
  return timespec{static_cast<time_t>(ns.count() / 1'000'000'000),
                  static_cast<long>(ns.count() % 1'000'000'000)};
}
inline constexpr auto overshoot_block =
    100ms;  // each variant alternates blocks of this with the floor
inline constexpr int overshoot_cycles = 10;

inline void report_overshoot(benchmark::State& state, const inflight::latency_histogram& h) {
  state.counters["p50_over_us"] = static_cast<double>(h.percentile(50)) / 1e3;
  state.counters["p99_over_us"] = static_cast<double>(h.percentile(99)) / 1e3;
  state.counters["max_over_us"] = static_cast<double>(h.max()) / 1e3;
  state.counters["mean_over_us"] = h.mean() / 1e3;
  state.counters["samples"] = static_cast<double>(h.count());
}

enum class waiter { floor_1ns, default_slack, sleep_for, boost_fiber, inflight_io_wait };
inline const char* waiter_name(waiter w) {
  switch (w) {
    case waiter::floor_1ns:
      return "clock_nanosleep_1ns_slack";
    case waiter::default_slack:
      return "clock_nanosleep_default_slack";
    case waiter::sleep_for:
      return "std_sleep_for";
    case waiter::boost_fiber:
      return "boost_fiber_sleep_for";
    case waiter::inflight_io_wait:
      return "inflight_io_wait";
  }
  return "?";
}

// Each plain-thread waiter is its own thread: what a user gets without fibers.
inline inflight::latency_histogram overshoot_threads(int waiters, waiter w) {
  std::vector<inflight::latency_histogram> hs(waiters);
  std::vector<std::thread> threads;
  const auto end = steady::now() + overshoot_block;
  for (int i = 0; i < waiters; ++i) {
    threads.emplace_back([&, i] {
      if (w == waiter::floor_1ns) inflight::set_timer_slack(1ns);
      while (steady::now() < end) {
        const auto deadline = steady::now() + wait_time;
        if (w == waiter::sleep_for) {
          std::this_thread::sleep_for(wait_time);
        } else {
          const timespec ts = absolute(deadline);
          while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
          }
        }
        hs[i].record(ns_between(deadline, steady::now()));
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 1; i < waiters; ++i) hs[0].merge(hs[i]);
  return hs[0];
}

// Boost.Fiber as it comes: round_robin on one thread, this_fiber::sleep_for.
inline inflight::latency_histogram overshoot_boost_fiber(int waiters) {
  inflight::latency_histogram h;
  std::thread t([&] {
    const auto end = steady::now() + overshoot_block;
    std::vector<boost::fibers::fiber> fibers;
    for (int i = 0; i < waiters; ++i) {
      fibers.emplace_back([&] {
        while (steady::now() < end) {
          const auto deadline = steady::now() + wait_time;
          boost::this_fiber::sleep_for(wait_time);
          h.record(ns_between(deadline, steady::now()));
        }
      });
    }
    for (auto& f : fibers) f.join();
  });
  t.join();
  return h;
}

// inflight: one dispatcher worker with `waiters` slot fibers.
inline inflight::latency_histogram overshoot_inflight(int waiters) {
  inflight::latency_histogram h;  // one worker, so every slot records on the same thread
  inflight::dispatcher_options o;
  o.vcpus = 1;
  inflight::dispatcher d(o);
  d.run_slots(static_cast<std::size_t>(waiters), [&](std::size_t) {
    const auto deadline = steady::now() + wait_time;
    inflight::io_wait_until(deadline);
    h.record(ns_between(deadline, steady::now()));
  });
  std::this_thread::sleep_for(overshoot_block);
  d.stop_slots();
  return h;
}

inline inflight::latency_histogram overshoot_block_of(waiter w, int waiters) {
  if (w == waiter::boost_fiber) return overshoot_boost_fiber(waiters);
  if (w == waiter::inflight_io_wait) return overshoot_inflight(waiters);
  return overshoot_threads(waiters, w);
}

// The host's wake-up latency drifts over seconds, so each variant is measured in blocks that
// alternate with blocks of the floor (an absolute clock_nanosleep at 1 ns slack on plain threads,
// as many as the variant has waiters): both see the same machine, and the ratio is taken here.
inline void BM_Overshoot(benchmark::State& state, waiter w, overhead_results* out) {
  const int waiters = static_cast<int>(state.range(0));
  inflight::latency_histogram ours, floor;
  for (auto _ : state) {
    for (int cycle = 0; cycle < overshoot_cycles; ++cycle) {
      ours.merge(overshoot_block_of(w, waiters));
      if (w != waiter::floor_1ns) floor.merge(overshoot_block_of(waiter::floor_1ns, waiters));
    }
  }
  report_overshoot(state, ours);
  if (w != waiter::floor_1ns) {
    const double f50 = static_cast<double>(floor.percentile(50));
    const double f99 = static_cast<double>(floor.percentile(99));
    const double p50_ratio = static_cast<double>(ours.percentile(50)) / f50;
    const double p99_ratio = static_cast<double>(ours.percentile(99)) / f99;
    state.counters["floor_p50_us"] = f50 / 1e3;
    state.counters["floor_p99_us"] = f99 / 1e3;
    state.counters["p50_vs_floor"] = p50_ratio;
    state.counters["p99_vs_floor"] = p99_ratio;
    if (w == waiter::inflight_io_wait) out->io_wait_overshoot[waiters] = {p50_ratio, p99_ratio};
  }
}

// A burst: `waiters` fibers of one worker all due at the same instant, 300 times. The first of
// each burst wakes at the OS floor; the spread to the last is the worker serving them one by one.
inline void BM_Burst(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  constexpr int rounds = 300;
  std::vector<std::vector<std::uint64_t>> late(rounds, std::vector<std::uint64_t>(n));
  for (auto _ : state) {
    inflight::dispatcher_options o;
    o.vcpus = 1;
    inflight::dispatcher d(o);
    std::vector<int> done(n, 0);  // each entry touched by its own slot only
    const auto grid = steady::now() + 10ms;
    d.run_slots(n, [&](std::size_t i) {
      if (done[i] == rounds) return inflight::io_wait(1ms);
      const auto deadline = grid + wait_time * done[i];
      inflight::io_wait_until(deadline);
      late[static_cast<std::size_t>(done[i]++)][i] = ns_between(deadline, steady::now());
    });
    std::this_thread::sleep_until(grid + wait_time * rounds + 20ms);
    d.stop_slots();
  }
  inflight::latency_histogram first, last, spread;
  for (const auto& burst : late) {
    const auto [lo, hi] = std::minmax_element(burst.begin(), burst.end());
    first.record(*lo);
    last.record(*hi);
    spread.record(*hi - *lo);
  }
  state.counters["first_p50_us"] = static_cast<double>(first.percentile(50)) / 1e3;
  state.counters["last_p50_us"] = static_cast<double>(last.percentile(50)) / 1e3;
  state.counters["spread_p50_us"] = static_cast<double>(spread.percentile(50)) / 1e3;
  state.counters["ns_per_fiber"] =
      n > 1 ? static_cast<double>(spread.percentile(50)) / static_cast<double>(n - 1) : 0;
}

}  // namespace inflight::bench::overhead
