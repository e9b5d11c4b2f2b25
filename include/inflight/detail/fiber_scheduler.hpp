#pragma once
// The per-worker Boost.Fiber scheduling algorithm of inflight's dispatcher.
//
// Why not Boost's own algorithms:
// - work_stealing keeps process-wide statics (the registry of schedulers) and must be started and
//   stopped with every thread at once; a dispatcher is an object a handler may create and destroy
//   any number of times, next to other dispatchers.
// - shared_work and work_stealing with suspend=true are reported to lose wake-ups, and
//   round_robin sleeps in std::condition_variable::wait_until, which adds a mutex round trip to
//   every cross-thread wake-up and is what makes stock sleep_for overshoot the OS floor.
// So each worker owns one of these: a FIFO ready queue touched only by its own thread, and an idle
// path that sleeps in an absolute CLOCK_MONOTONIC futex wait until the next fiber timer (the worker
// sets a 1 ns timer slack), which notify() from another thread can cut short without losing a
// wake-up. Fibers never migrate between workers.

#include <linux/futex.h>  // FUTEX_WAIT_BITSET_PRIVATE, FUTEX_WAKE_PRIVATE
#include <sys/syscall.h>  // SYS_futex
#include <unistd.h>       // syscall

#include <atomic>
#include <boost/fiber/algo/algorithm.hpp>
#include <boost/fiber/context.hpp>
#include <boost/fiber/scheduler.hpp>
#include <chrono>
#include <climits>
#include <cstddef>

#include "clock.hpp"

namespace inflight::detail {

class fiber_scheduler final : public boost::fibers::algo::algorithm {
 public:
  // Boost owns the algorithm; `self` tells the worker where it lives.
  explicit fiber_scheduler(fiber_scheduler** self = nullptr) noexcept {
    if (self != nullptr) *self = this;
  }

  void awakened(boost::fibers::context* ctx) noexcept override {
    ctx->ready_link(ready_);
    if (!ctx->is_context(boost::fibers::type::dispatcher_context)) ++others_ready_;
  }

  boost::fibers::context* pick_next() noexcept override {
    if (ready_.empty()) return nullptr;
    boost::fibers::context* next = &ready_.front();
    ready_.pop_front();
    if (!next->is_context(boost::fibers::type::dispatcher_context)) --others_ready_;
    return next;
  }

  // Whether a fiber other than the caller and Boost's dispatcher could run now: one in the ready
  // queue, or one woken from another thread (a notify() not yet consumed). A fiber that never
  // suspends yields when this is true, so its worker's other fibers and its intake take turns.
  // Two plain loads: cheap enough to ask after every call.
  bool has_other_ready() const noexcept {
    return others_ready_ != 0 || state_.load(std::memory_order_relaxed) == notified;
  }

  bool has_ready_fibers() const noexcept override { return !ready_.empty(); }

  void suspend_until(std::chrono::steady_clock::time_point const& deadline) noexcept override;
  void notify() noexcept override;

 private:
  // running: the worker is busy; notified: a wake-up is pending; sleeping: in the futex wait.
  enum : int { running = 0, notified = 1, sleeping = 2 };
  boost::fibers::scheduler::ready_queue_type ready_;
  std::size_t others_ready_ = 0;  // ready contexts other than the dispatcher's
  std::atomic<int> state_{running};
};

inline void fiber_scheduler::suspend_until(
    std::chrono::steady_clock::time_point const& deadline) noexcept {
  int expected = running;
  if (!state_.compare_exchange_strong(expected, sleeping)) {
    state_.store(running);  // a notify came first: consume it and look at the queues again
    return;
  }
  auto* word = reinterpret_cast<int*>(&state_);
  if (deadline == (std::chrono::steady_clock::time_point::max)()) {
    syscall(SYS_futex, word, FUTEX_WAIT_BITSET_PRIVATE, int{sleeping}, nullptr, nullptr,
            FUTEX_BITSET_MATCH_ANY);
  } else {
    const timespec ts = to_timespec(deadline);
    syscall(SYS_futex, word, FUTEX_WAIT_BITSET_PRIVATE, int{sleeping}, &ts, nullptr,
            FUTEX_BITSET_MATCH_ANY);
  }
  // Whatever woke us (timer, notify, spurious), the scheduler rechecks its remote queue after
  // this store, so a notify that raced with the wake-up is not lost.
  state_.store(running);
}

inline void fiber_scheduler::notify() noexcept {
  if (state_.exchange(notified) == sleeping) {
    syscall(SYS_futex, reinterpret_cast<int*>(&state_), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
  }
}

}  // namespace inflight::detail
