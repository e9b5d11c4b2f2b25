#pragma once
// Closed-loop throughput of 2 ms waits against Little's law, for inflight's dispatcher and for
// naive Boost.Fiber threads.

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
#include <map>
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

inline constexpr auto littles_run = 1s;  // the measured part of each point

// Closed loop: C slots each waiting 2 ms; efficiency against Little's law, whose latency is the
// wait plus the floor's mean overshoot, measured around each point.
inline inflight::timer_floor floor_probe() { return inflight::measure_timer_floor(wait_time, 100); }

// The point's counters; its efficiency against the floor goes into `into` (null: nowhere).
inline void report_littles(benchmark::State& state, std::map<std::size_t, double>* into,
                           std::size_t in_flight, std::uint64_t completed,
                           std::chrono::nanoseconds wall, const inflight::timer_floor& before,
                           const inflight::timer_floor& after) {
  const double floor_mean_us =
      (inflight::bench::to_us(before.mean) + inflight::bench::to_us(after.mean)) / 2;
  const double seconds = std::chrono::duration<double>(wall).count();
  const double throughput = static_cast<double>(completed) / seconds;
  const double w = std::chrono::duration<double>(wait_time).count();
  const double plain_ideal = static_cast<double>(in_flight) / w;
  state.counters["throughput"] = throughput;
  state.counters["in_flight"] = static_cast<double>(in_flight);
  state.counters["eff_vs_C_over_W"] = throughput / plain_ideal;
  const double ideal = static_cast<double>(in_flight) / (w + floor_mean_us / 1e6);
  state.counters["floor_mean_us"] = floor_mean_us;
  state.counters["eff_vs_floor"] = throughput / ideal;
  if (into) (*into)[static_cast<std::size_t>(state.range(0))] = throughput / ideal;
}

inline void BM_Littles_inflight(benchmark::State& state, overhead_results* out) {
  const std::size_t vcpus = std::min<std::size_t>(2, inflight::detect_vcpus().count);
  const std::size_t c = vcpus * static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    const auto floor_before = floor_probe();
    inflight::dispatcher_options o;
    o.vcpus = vcpus;
    inflight::dispatcher d(o);
    d.run_slots(c, [](std::size_t) { inflight::io_wait(wait_time); });
    std::this_thread::sleep_for(200ms);  // warm-up: every slot in its steady loop
    const auto done0 = d.completed();
    const auto t0 = steady::now();
    std::this_thread::sleep_for(littles_run);
    const auto done = d.completed() - done0;
    const auto wall = steady::now() - t0;
    d.stop_slots();
    report_littles(state, &out->littles_efficiency, c, done, wall, floor_before, floor_probe());
  }
}

inline void BM_Littles_naive_fiber(benchmark::State& state) {
  const std::size_t vcpus = std::min<std::size_t>(2, inflight::detect_vcpus().count);
  const std::size_t per = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    const auto floor_before = floor_probe();
    std::atomic<std::uint64_t> done{0};
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < vcpus; ++t) {
      threads.emplace_back([&] {
        std::vector<boost::fibers::fiber> fibers;
        for (std::size_t i = 0; i < per; ++i) {
          fibers.emplace_back([&] {
            while (!stop.load(std::memory_order_relaxed)) {
              boost::this_fiber::sleep_for(wait_time);
              done.fetch_add(1, std::memory_order_relaxed);
            }
          });
        }
        for (auto& f : fibers) f.join();
      });
    }
    std::this_thread::sleep_for(200ms);
    const auto done0 = done.load();
    const auto t0 = steady::now();
    std::this_thread::sleep_for(littles_run);
    const auto n = done.load() - done0;
    const auto wall = steady::now() - t0;
    stop.store(true);
    for (auto& t : threads) t.join();
    report_littles(state, nullptr, vcpus * per, n, wall, floor_before, floor_probe());
  }
}

}  // namespace inflight::bench::overhead
