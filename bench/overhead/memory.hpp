#pragma once
// Memory per in-flight slot: RSS growth with 1024 invocations parked in an IO wait, on
// inflight's slots and on a thread per slot.

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

// RSS growth per in-flight slot with 1024 invocations parked in an IO wait.
inline constexpr std::size_t memory_slots = 1024;

// RSS growth `grown` per slot, as a counter; returns it.
inline double report_memory(benchmark::State& state, std::int64_t grown) {
  const double per = static_cast<double>(grown) / memory_slots;
  state.counters["bytes_per_slot"] = per;
  return per;
}

inline void BM_MemoryPerSlot_inflight(benchmark::State& state, overhead_results* out) {
  for (auto _ : state) {
    const auto before = inflight::bench::resident_bytes();
    inflight::dispatcher_options o;
    o.vcpus = 1;
    inflight::dispatcher d(o);
    d.run_slots(memory_slots, [](std::size_t) { inflight::io_wait(50ms); });
    std::this_thread::sleep_for(100ms);
    const auto grown = inflight::bench::resident_bytes() - before;
    d.stop_slots();
    out->slot_bytes = report_memory(state, grown);
  }
}

inline void BM_MemoryPerSlot_thread(benchmark::State& state, overhead_results* out) {
  for (auto _ : state) {
    const auto before = inflight::bench::resident_bytes();
    std::mutex m;
    std::condition_variable cv;
    bool release = false;
    std::atomic<std::size_t> parked{0};
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < memory_slots; ++i) {
      threads.emplace_back([&] {
        std::unique_lock<std::mutex> lock(m);
        parked.fetch_add(1);
        cv.wait(lock, [&] { return release; });
      });
    }
    while (parked.load() < memory_slots) std::this_thread::sleep_for(1ms);
    const auto grown = inflight::bench::resident_bytes() - before;
    {
      std::lock_guard<std::mutex> lock(m);
      release = true;
    }
    cv.notify_all();
    for (auto& t : threads) t.join();
    out->thread_bytes = report_memory(state, grown);
  }
}

}  // namespace inflight::bench::overhead
