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
//
// Descriptors: a fiber that waits for one (fd_wait.hpp) registers it in the worker's epoll set,
// made on the first such wait. While any fiber waits for a descriptor, the idle path sleeps in
// epoll_wait instead of the futex (the deadline in a timerfd, so timers keep their precision),
// and a worker that never goes idle polls the set without waiting every 8 context switches, so
// a busy worker cannot starve its IO (every 64 left a ready socket waiting about 1 ms behind 64
// slots on one worker: 0.59 of Little's ideal against 0.82 at 8, with the same CPU per
// invocation; bench/cpp_runtime_table.sh). With no descriptor waited for, nothing changes.

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <boost/fiber/algo/algorithm.hpp>
#include <boost/fiber/context.hpp>
#include <boost/fiber/scheduler.hpp>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "clock.hpp"
#include "idle_waiter.hpp"

namespace inflight::detail {

// A fiber waiting for a descriptor: woken by the scheduler that polls it.
struct fd_waiter {
  boost::fibers::context* ctx = nullptr;
  bool fired = false;  // the descriptor became ready (else the wait timed out)
};

class fiber_scheduler;
// The inflight scheduler of the calling thread, or nullptr (a thread without one, or with
// another Boost.Fiber algorithm). Set and cleared by the scheduler itself, on its own thread.
inline fiber_scheduler*& this_thread_scheduler() noexcept {
  thread_local fiber_scheduler* current = nullptr;
  return current;
}

class fiber_scheduler final : public boost::fibers::algo::algorithm {
 public:
  // Boost owns the algorithm; `self` tells the worker where it lives.
  explicit fiber_scheduler(fiber_scheduler** self = nullptr) noexcept {
    if (self != nullptr) *self = this;
    this_thread_scheduler() = this;
  }
  ~fiber_scheduler() override {
    if (this_thread_scheduler() == this) this_thread_scheduler() = nullptr;
    for (int fd : {epoll_fd_, wake_fd_, timer_fd_}) {
      if (fd >= 0) ::close(fd);
    }
  }
  fiber_scheduler(const fiber_scheduler&) = delete;
  fiber_scheduler& operator=(const fiber_scheduler&) = delete;

  // The calling fiber's wait for `events` (EPOLLIN, EPOLLOUT) on `fd`: registers it (one waiter
  // per descriptor at a time). Throws std::system_error when the kernel refuses the descriptor
  // (EBADF; EPERM for a regular file, which is always ready) or the epoll set cannot be made, and
  // std::logic_error when another fiber of this worker waits for `fd` already (its registration
  // would be taken over, and that fiber never woken by the descriptor).
  void watch(int fd, std::uint32_t events, fd_waiter* w) {
    const auto slot = static_cast<std::size_t>(fd);
    if (slot < watched_.size() && watched_[slot]) {
      throw std::logic_error("fd_wait: descriptor " + std::to_string(fd) +
                             " is waited for by another fiber of this worker already; one "
                             "waiter per descriptor");
    }
    if (slot >= watched_.size()) watched_.resize(slot + 1);  // before it can point at `w`
    if (epoll_fd_ < 0) open_poller();
    // A descriptor stays in the set between waits, disarmed by EPOLLONESHOT once it fired, so
    // the next wait re-arms it (MOD) instead of adding it again: one epoll_ctl per wait.
    epoll_event ev{};
    ev.events = events | EPOLLONESHOT;
    ev.data.ptr = w;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) != 0 &&
        (errno != ENOENT || ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0)) {
      throw std::system_error(errno, std::generic_category(), "fd_wait: epoll_ctl");
    }
    watched_[slot] = true;
    ++fd_waiters_;
  }
  // Ends the wait registered by watch(). One that fired is disarmed already (EPOLLONESHOT); one
  // that timed out still points at its waiter, so it leaves the set.
  void unwatch(int fd, bool fired) noexcept {
    if (!fired) ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
    watched_[static_cast<std::size_t>(fd)] = false;
    --fd_waiters_;
  }

  void awakened(boost::fibers::context* ctx) noexcept override {
    ctx->ready_link(ready_);
    if (!ctx->is_context(boost::fibers::type::dispatcher_context)) ++others_ready_;
  }

  boost::fibers::context* pick_next() noexcept override {
    if (fd_waiters_ != 0 && ++since_poll_ >= 8) {
      since_poll_ = 0;
      poll(0);
    }
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
    if (fd_waiters_ == 0) {
      waiter_.sleep_until(deadline);
      return;
    }
    epoll_event events[64];
    const int n = waiter_.sleep_until_polling(deadline, epoll_fd_, timer_fd_, events, 64);
    wake(events, n);
  }
  void notify() noexcept override { waiter_.notify(); }

 private:
  void open_poller() {
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    timer_fd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (epoll_fd_ < 0 || wake_fd_ < 0 || timer_fd_ < 0) {
      const int err = errno;
      for (int* fd : {&epoll_fd_, &wake_fd_, &timer_fd_}) {
        if (*fd >= 0) ::close(*fd);
        *fd = -1;
      }
      throw std::system_error(err, std::generic_category(), "fd_wait: cannot make an epoll set");
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = nullptr;  // the wake and timer descriptors carry no waiter
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, timer_fd_, &ev);
    waiter_.set_wake_fd(wake_fd_);
  }

  // Polls the set without waiting and wakes the fibers whose descriptors are ready.
  void poll(int timeout_ms) noexcept {
    epoll_event events[64];
    const int n = ::epoll_wait(epoll_fd_, events, 64, timeout_ms);
    wake(events, n);
  }

  void wake(const epoll_event* events, int n) noexcept {
    for (int i = 0; i < n; ++i) {
      auto* w = static_cast<fd_waiter*>(events[i].data.ptr);
      if (w == nullptr) {  // the eventfd or the timerfd: drain it
        std::uint64_t v;
        [[maybe_unused]] const auto a = ::read(wake_fd_, &v, sizeof v);
        [[maybe_unused]] const auto b = ::read(timer_fd_, &v, sizeof v);
        continue;
      }
      w->fired = true;
      // A fiber whose deadline passed in the same round is already ready; it sees `fired`.
      // The waiter may be the context switching out right now (a poll from pick_next), so go
      // to the scheduler directly rather than through context::schedule().
      if (!w->ctx->ready_is_linked()) w->ctx->get_scheduler()->schedule(w->ctx);
    }
  }

  boost::fibers::scheduler::ready_queue_type ready_;
  std::size_t others_ready_ = 0;  // ready contexts other than the dispatcher's
  std::uint64_t switches_ = 0;
  idle_waiter waiter_;
  int epoll_fd_ = -1, wake_fd_ = -1, timer_fd_ = -1;  // made by the first descriptor wait
  std::size_t fd_waiters_ = 0;                        // fibers waiting for a descriptor
  std::vector<bool> watched_;                         // by descriptor: a fiber waits for it
  unsigned since_poll_ = 0;                           // context switches since the last poll
};

}  // namespace inflight::detail
