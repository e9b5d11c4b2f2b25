#pragma once
// The one place a worker thread sleeps: an absolute CLOCK_MONOTONIC futex wait until a deadline,
// which notify() from any thread cuts short without a lost wake-up. Used by the dispatcher's
// fiber scheduler and by the benchmarks' stealing pool.
//
// Why a futex and not std::condition_variable: a condition variable adds a mutex round trip to
// every cross-thread wake-up, and its wait_until is what makes stock Boost.Fiber sleeps overshoot
// the OS floor; the futex wait is absolute and wakes at the thread's own timer slack.

#include <linux/futex.h>  // FUTEX_WAIT_BITSET_PRIVATE, FUTEX_WAKE_PRIVATE
#include <sys/syscall.h>  // SYS_futex
#include <unistd.h>       // syscall

#include <atomic>
#include <chrono>

#include "clock.hpp"

namespace inflight::detail {

class idle_waiter {
 public:
  // Sleeps until `deadline` (time_point::max(): until notified). Returns at once when a notify()
  // came since the last sleep, consuming it; spurious returns are allowed, so the caller looks
  // at its queues again either way.
  void sleep_until(steady::time_point deadline) noexcept {
    int expected = running;
    if (!state_.compare_exchange_strong(expected, sleeping)) {
      state_.store(running);  // a notify came first
      return;
    }
    auto* word = reinterpret_cast<int*>(&state_);
    if (deadline == steady::time_point::max()) {
      syscall(SYS_futex, word, FUTEX_WAIT_BITSET_PRIVATE, int{sleeping}, nullptr, nullptr,
              FUTEX_BITSET_MATCH_ANY);
    } else {
      const timespec ts = to_timespec(deadline);
      syscall(SYS_futex, word, FUTEX_WAIT_BITSET_PRIVATE, int{sleeping}, &ts, nullptr,
              FUTEX_BITSET_MATCH_ANY);
    }
    // Whatever woke us (timer, notify, spurious), the caller rechecks its queues after this
    // store, so a notify that raced with the wake-up is not lost.
    state_.store(running);
  }

  // Wakes the sleeper, or makes its next sleep_until() return at once.
  void notify() noexcept {
    if (state_.exchange(notified) == sleeping) {
      syscall(SYS_futex, reinterpret_cast<int*>(&state_), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr,
              0);
    }
  }

  // A notify() not consumed yet: work arrived from another thread.
  bool notify_pending() const noexcept {
    return state_.load(std::memory_order_relaxed) == notified;
  }

 private:
  // running: the thread is busy; notified: a wake-up is pending; sleeping: in the futex wait.
  enum : int { running = 0, notified = 1, sleeping = 2 };
  std::atomic<int> state_{running};
};

}  // namespace inflight::detail
