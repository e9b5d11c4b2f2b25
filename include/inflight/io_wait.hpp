#pragma once
// Simulated IO: a wait that suspends the calling fiber (or thread) and burns no CPU, on a timer
// path that reaches the OS wake-up floor; and a probe that measures that floor.

#include <sys/prctl.h>  // PR_SET_TIMERSLACK
#include <time.h>       // clock_nanosleep

#include <algorithm>
#include <boost/fiber/context.hpp>
#include <boost/fiber/operations.hpp>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "detail/clock.hpp"

namespace inflight {

/// Sets the calling thread's timer slack (Linux `PR_SET_TIMERSLACK`): how late the kernel may fire
/// its timers to batch wake-ups. The kernel default is 50 us; dispatcher workers use 1 ns.
/// Throws std::invalid_argument when slack is below 1 ns or the kernel refuses it.
inline void set_timer_slack(std::chrono::nanoseconds slack) {
  if (slack.count() < 1 ||
      prctl(PR_SET_TIMERSLACK, static_cast<unsigned long>(slack.count()), 0, 0, 0) != 0) {
    throw std::invalid_argument("timer slack is " + std::to_string(slack.count()) +
                                " ns; valid range is 1 ns or more");
  }
}

/// The calling thread's timer slack.
inline std::chrono::nanoseconds timer_slack() noexcept {
  return std::chrono::nanoseconds(prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0));
}

namespace detail {

// steady_clock is CLOCK_MONOTONIC in libstdc++ and libc++, so its time points are absolute
// CLOCK_MONOTONIC deadlines; the absolute form does not drift when a signal interrupts it.
inline void sleep_thread_until(std::chrono::steady_clock::time_point deadline) noexcept {
  const timespec ts = to_timespec(deadline);
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

inline bool on_fiber() noexcept {
  return !boost::fibers::context::active()->is_context(boost::fibers::type::main_context);
}

}  // namespace detail

/// Waits until `deadline` like an IO call: inside a fiber it suspends only that fiber (on a
/// dispatcher worker the scheduler sleeps in an absolute futex wait with the worker's 1 ns
/// slack); on a thread's main context it blocks the thread in an absolute clock_nanosleep, at that
/// thread's own timer slack (the first call on a plain thread also sets up Boost.Fiber's small
/// per-thread state, once). Never returns before the deadline. Burns no CPU while waiting.
inline void io_wait_until(std::chrono::steady_clock::time_point deadline) {
  if (detail::on_fiber()) {
    boost::this_fiber::sleep_until(deadline);
  } else {
    detail::sleep_thread_until(deadline);
  }
}

/// Waits `d` as io_wait_until(now + d). Any duration type works; one too long for the clock
/// (nanoseconds::max(), hours::max()) waits forever instead of overflowing. Throws
/// std::invalid_argument when d is negative or NaN.
template <class Rep, class Period>
void io_wait(std::chrono::duration<Rep, Period> d) {
  const auto ns = detail::saturating_ns(d, "io_wait duration");
  if (ns.count() < 0) {
    throw std::invalid_argument("io_wait duration is " + std::to_string(ns.count()) +
                                " ns; valid range is 0 ns or more");
  }
  io_wait_until(detail::deadline_after(std::chrono::steady_clock::now(), ns));
}

/// The OS timer floor: how late an absolute clock_nanosleep wakes up on this machine.
struct timer_floor {
  std::chrono::nanoseconds p50{0};
  std::chrono::nanoseconds p99{0};
  std::chrono::nanoseconds mean{0};
  std::chrono::nanoseconds max{0};
  std::size_t samples = 0;
};

/// Measures the timer floor on a fresh thread (the caller's slack is untouched): `samples` absolute
/// clock_nanosleep waits of `wait` each at timer slack `slack`, reporting the overshoot.
/// Defaults: 200 samples of 1 ms at 1 ns slack, about 0.2 s. Throws std::invalid_argument when
/// samples is 0 or wait is not positive.
inline timer_floor measure_timer_floor(
    std::chrono::nanoseconds wait = std::chrono::milliseconds(1), std::size_t samples = 200,
    std::chrono::nanoseconds slack = std::chrono::nanoseconds(1)) {
  if (samples == 0)
    throw std::invalid_argument("timer floor samples is 0; valid range is 1 or more");
  if (wait.count() <= 0) {
    throw std::invalid_argument("timer floor wait is " + std::to_string(wait.count()) +
                                " ns; valid range is 1 ns or more");
  }
  std::vector<std::chrono::nanoseconds> late(samples);
  std::thread probe([&] {
    set_timer_slack(slack);
    for (auto& l : late) {
      const auto deadline = std::chrono::steady_clock::now() + wait;
      detail::sleep_thread_until(deadline);
      l = std::chrono::steady_clock::now() - deadline;
    }
  });
  probe.join();
  std::sort(late.begin(), late.end());
  timer_floor floor;
  floor.samples = samples;
  floor.p50 = late[(samples - 1) / 2];
  floor.p99 = late[std::min(samples - 1, (samples * 99 + 99) / 100 - 1)];
  floor.max = late.back();
  std::chrono::nanoseconds sum{0};
  for (auto l : late) sum += l;
  floor.mean = sum / static_cast<long>(samples);
  return floor;
}

}  // namespace inflight
