#pragma once
// The harness's cost per invocation: an empty handler on inflight's slots beside a bare fiber
// switch, a fiber per call, a thread per call and an asio post.

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
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

// Harness cost per invocation, in ns per invocation per worker; returns it.
inline double report_per_call(benchmark::State& state, double ns) {
  state.counters["ns_per_invocation"] = ns;
  return ns;
}

// `slots` slots of one worker calling `body` for 500 ms after 50 ms of warm-up; ns per call.
inline double run_slot_loop(benchmark::State& state, std::size_t slots,
                            std::function<void(std::size_t)> body) {
  double ns = 0;
  for (auto _ : state) {
    inflight::dispatcher_options o;
    o.vcpus = 1;
    inflight::dispatcher d(o);
    d.run_slots(slots, body);
    std::this_thread::sleep_for(50ms);
    const auto n0 = d.completed();
    const auto t0 = steady::now();
    std::this_thread::sleep_for(500ms);
    const auto n = d.completed() - n0;
    ns = static_cast<double>(ns_between(t0, steady::now())) / static_cast<double>(n);
    d.stop_slots();
  }
  return report_per_call(state, ns);
}

// An empty handler on `range(0)` slots of one worker: 1 (the bare call), 8, and 64 (LMI's default
// concurrency per vCPU, where slots take turns on their time slices).
inline void BM_Invocation_inflight_empty(benchmark::State& state, overhead_results* out) {
  const auto slots = static_cast<std::size_t>(state.range(0));
  out->empty_handler_ns[slots] = run_slot_loop(state, slots, [](std::size_t) {});
}

inline void BM_Invocation_inflight_yield(benchmark::State& state, overhead_results* out) {
  out->yield_handler_ns = run_slot_loop(state, 2, [](std::size_t) { boost::this_fiber::yield(); });
}

inline void BM_Invocation_bare_yield(benchmark::State& state, overhead_results* out) {
  constexpr int n = 2'000'000;
  double ns = 0;
  for (auto _ : state) {
    std::thread t([&] {
      auto spin = [] {
        for (int i = 0; i < n; ++i) boost::this_fiber::yield();
      };
      const auto t0 = steady::now();
      boost::fibers::fiber a(spin), b(spin);
      a.join();
      b.join();
      ns = static_cast<double>(ns_between(t0, steady::now())) / (2.0 * n);
    });
    t.join();
  }
  out->bare_yield_ns = report_per_call(state, ns);
}

inline void BM_Invocation_fiber_per_call(benchmark::State& state, overhead_results* out) {
  const int batch = static_cast<int>(state.range(0));
  const int n = 200'000;
  double ns = 0;
  for (auto _ : state) {
    std::thread t([&] {
      std::vector<boost::fibers::fiber> fibers;
      fibers.reserve(batch);
      auto round = [&] {
        for (int i = 0; i < batch; ++i) fibers.emplace_back([] {});
        for (auto& f : fibers) f.join();
        fibers.clear();
      };
      // One untimed round first, so the timed rounds see glibc's steady state for 128 KiB stacks:
      // after the first free its dynamic mmap threshold moves them to the heap, whose top is then
      // trimmed back after every batch, so each round faults its stacks in again. Cold-start runs
      // measured from 0.2 us (no trim yet) to 6 us per call; this is the repeatable figure.
      round();
      const auto t0 = steady::now();
      for (int done = 0; done < n; done += batch) round();
      ns = static_cast<double>(ns_between(t0, steady::now())) / n;
    });
    t.join();
  }
  out->fiber_per_call_ns[batch] = report_per_call(state, ns);
}

inline void BM_Invocation_thread_per_call(benchmark::State& state) {
  const int n = 5'000;
  double ns = 0;
  for (auto _ : state) {
    const auto t0 = steady::now();
    for (int i = 0; i < n; ++i) std::thread([] {}).join();
    ns = static_cast<double>(ns_between(t0, steady::now())) / n;
  }
  report_per_call(state, ns);
}

inline void BM_Invocation_asio_post(benchmark::State& state) {
  const int n = 1'000'000;
  double ns = 0;
  for (auto _ : state) {
    boost::asio::thread_pool pool(1);
    std::atomic<int> done{0};
    const auto t0 = steady::now();
    for (int i = 0; i < n; ++i) {
      boost::asio::post(pool, [&done] { done.fetch_add(1, std::memory_order_relaxed); });
    }
    pool.join();
    ns = static_cast<double>(ns_between(t0, steady::now())) / n;
  }
  report_per_call(state, ns);
}

}  // namespace inflight::bench::overhead
