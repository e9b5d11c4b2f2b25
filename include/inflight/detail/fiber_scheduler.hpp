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
// path that sleeps in the worker's idle_waiter until the next fiber timer (the worker sets a 1 ns
// timer slack), which notify() from another thread can cut short without losing a wake-up.
// Fibers never migrate between workers.

#include <boost/fiber/algo/algorithm.hpp>
#include <boost/fiber/context.hpp>
#include <boost/fiber/scheduler.hpp>
#include <chrono>
#include <climits>
#include <cstddef>
#include <cstdint>

#include "clock.hpp"
#include "idle_waiter.hpp"

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
    ++switches_;
    return next;
  }

  // Whether a fiber other than the caller and Boost's dispatcher could run now: one in the ready
  // queue, or one woken from another thread (a notify() not yet consumed). A fiber that never
  // suspends yields when this is true, so its worker's other fibers and its intake take turns.
  // Two plain loads: cheap enough to ask after every call.
  // Context switches so far on this worker: a call during which it did not change never
  // suspended.
  std::uint64_t switches() const noexcept { return switches_; }

  bool has_other_ready() const noexcept { return others_ready_ != 0 || waiter_.notify_pending(); }

  bool has_ready_fibers() const noexcept override { return !ready_.empty(); }

  void suspend_until(std::chrono::steady_clock::time_point const& deadline) noexcept override {
    waiter_.sleep_until(deadline);
  }
  void notify() noexcept override { waiter_.notify(); }

 private:
  boost::fibers::scheduler::ready_queue_type ready_;
  std::size_t others_ready_ = 0;  // ready contexts other than the dispatcher's
  std::uint64_t switches_ = 0;
  idle_waiter waiter_;
};

}  // namespace inflight::detail
