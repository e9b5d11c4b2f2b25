#pragma once
// Calibrated CPU work: burns a given amount of the calling thread's CPU time.

#include <time.h>  // clock_gettime, CLOCK_THREAD_CPUTIME_ID

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "detail/clock.hpp"

namespace inflight {

/// The CPU time the calling thread has used (CLOCK_THREAD_CPUTIME_ID).
inline std::chrono::nanoseconds thread_cpu_time() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

namespace detail {

// A dependent multiply-xorshift chain; the empty asm makes each step observable, so the optimiser
// can neither fold nor drop the loop.
inline std::uint64_t spin(std::uint64_t x, std::uint64_t iterations) noexcept {
  for (std::uint64_t i = 0; i < iterations; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    x ^= x >> 29;
    asm volatile("" : "+r"(x));
  }
  return x;
}

}  // namespace detail

/// Burns `d` of CPU time on the calling thread, never less, and typically within 5% for
/// d >= 100 us: the overshoot is about one read of the thread CPU clock (0.5-1.5 us on a VM,
/// where that read is a system call), plus any interrupt the kernel charges to this thread.
/// Measured against the thread CPU clock, so time spent preempted does not count: under
/// contention the wall time grows, the CPU time does not. Does not yield to other fibers. Any
/// duration type works; one beyond the clock's range (nanoseconds::max()) burns until the clock's
/// end instead of overflowing. Throws std::invalid_argument when d is negative or NaN.
template <class Rep, class Period>
void cpu_work(std::chrono::duration<Rep, Period> d) {
  const auto ns = detail::saturating_ns(d, "cpu_work duration");
  if (ns.count() < 0) {
    throw std::invalid_argument("cpu_work duration is " + std::to_string(ns.count()) +
                                " ns; valid range is 0 ns or more");
  }
  if (ns.count() == 0) return;
  const auto start = thread_cpu_time();
  const auto target = detail::saturating_add(start, ns);
  std::uint64_t x = static_cast<std::uint64_t>(start.count()) | 1;
  std::uint64_t done = 0;
  std::uint64_t chunk = 64;  // a first short chunk measures this CPU's speed
  for (;;) {
    x = detail::spin(x, chunk);
    done += chunk;
    const auto now = thread_cpu_time();
    if (now >= target) break;
    // Aim at half of what is left, so the chunks shrink toward the target and the overshoot stays
    // below one small chunk plus one clock read.
    const double per_ns =
        static_cast<double>(done) / static_cast<double>((now - start).count() + 1);
    const double half_left = static_cast<double>((target - now).count()) * per_ns / 2;
    chunk = half_left < 16 ? 16 : static_cast<std::uint64_t>(half_left);
  }
  asm volatile("" : : "r"(x));  // the result is used, so no step of the chain is dead
}

}  // namespace inflight
