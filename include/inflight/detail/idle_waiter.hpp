#pragma once
// The one place a worker thread sleeps: an absolute CLOCK_MONOTONIC futex wait until a deadline,
// which notify() from any thread cuts short without a lost wake-up; or, while fibers wait for
// descriptors (fd_wait.hpp), an epoll_wait on them with the deadline in a timerfd. Used by the
// dispatcher's fiber scheduler and by the benchmarks' stealing pool.
//
// Why a futex and not std::condition_variable: a condition variable adds a mutex round trip to
// every cross-thread wake-up, and its wait_until is what makes stock Boost.Fiber sleeps overshoot
// the OS floor; the futex wait is absolute and wakes at the thread's own timer slack.

#include <linux/futex.h>  // FUTEX_WAIT_BITSET_PRIVATE, FUTEX_WAKE_PRIVATE
#include <sys/epoll.h>    // epoll_wait: the sleep that also waits for descriptors
#include <sys/syscall.h>  // SYS_futex
#include <sys/timerfd.h>  // timerfd_settime: the deadline of that sleep, without epoll's slack
#include <unistd.h>       // syscall, write

#include <atomic>
#include <chrono>
#include <cstdint>

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

  // Sleeps like sleep_until(), but in epoll_wait on `epoll_fd`, so that descriptors in that set
  // end the sleep too. The set must hold `timer_fd` (a CLOCK_MONOTONIC timerfd, armed here with
  // the absolute deadline: an epoll timeout would add the kernel's select slack, 0.1% of the wait)
  // and the eventfd given to set_wake_fd(), which notify() writes while the thread is in here.
  // Returns the number of events stored in `events` (0 when a notify came first).
  int sleep_until_polling(steady::time_point deadline, int epoll_fd, int timer_fd,
                          epoll_event* events, int max_events) noexcept {
    int expected = running;
    if (!state_.compare_exchange_strong(expected, polling)) {
      state_.store(running);  // a notify came first
      return 0;
    }
    if (deadline != steady::time_point::max()) {
      itimerspec spec{};
      spec.it_value = to_timespec(deadline);
      if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) spec.it_value.tv_nsec = 1;
      timerfd_settime(timer_fd, TFD_TIMER_ABSTIME, &spec, nullptr);
    }
    const int n = epoll_wait(epoll_fd, events, max_events, -1);
    state_.store(running);
    return n < 0 ? 0 : n;
  }

  // The eventfd that wakes sleep_until_polling().
  void set_wake_fd(int fd) noexcept { wake_fd_.store(fd); }

  // Wakes the sleeper, or makes its next sleep return at once.
  void notify() noexcept {
    const int was = state_.exchange(notified);
    if (was == sleeping) {
      syscall(SYS_futex, reinterpret_cast<int*>(&state_), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr,
              0);
    } else if (was == polling) {
      const std::uint64_t one = 1;
      [[maybe_unused]] const auto w = write(wake_fd_.load(), &one, sizeof one);
    }
  }

  // A notify() not consumed yet: work arrived from another thread.
  bool notify_pending() const noexcept {
    return state_.load(std::memory_order_relaxed) == notified;
  }

 private:
  // running: the thread is busy; notified: a wake-up is pending; sleeping: in the futex wait;
  // polling: in epoll_wait.
  enum : int { running = 0, notified = 1, sleeping = 2, polling = 3 };
  std::atomic<int> state_{running};
  std::atomic<int> wake_fd_{-1};
};

}  // namespace inflight::detail
