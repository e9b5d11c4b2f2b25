#pragma once
// The hot-path primitives: the slot limiter, the histogram, and cpu_work's accuracy.

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

// Hot-path primitives.

// `limiter` is shared by the benchmark's threads (->Threads(N)), as a runtime's slots share one.
inline void BM_Limiter_try_acquire_release(benchmark::State& state,
                                           inflight::slot_limiter* limiter) {
  for (auto _ : state) {
    auto slot = limiter->try_acquire();
    benchmark::DoNotOptimize(slot);
  }
  state.SetItemsProcessed(state.iterations());
}

inline void BM_HistogramRecord(benchmark::State& state) {
  inflight::latency_histogram h;
  std::uint64_t v = 1'234'567;
  for (auto _ : state) {
    h.record(v);
    v = (v * 6364136223846793005ull + 1442695040888963407ull) >> 34;  // spread over buckets
  }
  benchmark::DoNotOptimize(h.count());
  state.SetItemsProcessed(state.iterations());
}

// cpu_work's accuracy: the CPU time one call burns against what it was asked for. Reports the
// median and worst ratio over the iterations (the contract: never below 1, typically within 5%
// for 100 us or more).
inline void BM_CpuWork_accuracy(benchmark::State& state) {
  const std::chrono::nanoseconds asked(state.range(0));
  std::vector<double> ratios;
  for (auto _ : state) {
    const auto start = inflight::thread_cpu_time();
    inflight::cpu_work(asked);
    ratios.push_back(static_cast<double>((inflight::thread_cpu_time() - start).count()) /
                     static_cast<double>(asked.count()));
  }
  std::sort(ratios.begin(), ratios.end());
  state.counters["median_ratio"] = ratios[ratios.size() / 2];
  state.counters["min_ratio"] = ratios.front();
  state.counters["max_ratio"] = ratios.back();
}

}  // namespace inflight::bench::overhead
