#pragma once
// Real IO on the fibers: waits until a file descriptor is readable or writable, or a deadline
// passes. Inside a fiber on a dispatcher worker only that fiber suspends, and the worker's one
// idle path waits for descriptors and timers together (detail/fiber_scheduler.hpp); on a plain
// thread (or a fiber of another scheduler) the thread blocks in ppoll instead, as io_wait does.

#include <poll.h>
#include <sys/epoll.h>

#include <boost/fiber/context.hpp>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <stdexcept>
#include <string>
#include <system_error>

#include "detail/clock.hpp"
#include "detail/fiber_scheduler.hpp"
#include "io_wait.hpp"

namespace inflight {

/// How a descriptor wait ended.
enum class fd_status {
  ready,     ///< the descriptor is readable (or writable), or has an error or hang-up to read
  timed_out  ///< the deadline passed first
};

namespace detail {

inline fd_status wait_fd_until(int fd, bool write, std::chrono::steady_clock::time_point deadline) {
  if (fd < 0) {
    throw std::invalid_argument("fd_wait: descriptor " + std::to_string(fd) +
                                "; valid range is 0 or more");
  }
  fiber_scheduler* s = this_thread_scheduler();
  if (on_fiber() && s != nullptr) {
    fd_waiter w;
    w.ctx = boost::fibers::context::active();
    s->watch(fd, write ? EPOLLOUT : EPOLLIN, &w);
    w.ctx->twstatus.store(0, std::memory_order_release);  // a plain timed sleep, as sleep_until
    w.ctx->wait_until(deadline);
    s->unwatch(fd, w.fired);
    return w.fired ? fd_status::ready : fd_status::timed_out;
  }
  for (;;) {
    pollfd p{fd, static_cast<short>(write ? POLLOUT : POLLIN), 0};
    const auto now = std::chrono::steady_clock::now();
    timespec left{};
    const bool forever = deadline == std::chrono::steady_clock::time_point::max();
    if (!forever) {
      const auto ns =
          now >= deadline ? std::chrono::nanoseconds(0) : std::chrono::nanoseconds(deadline - now);
      left.tv_sec = static_cast<time_t>(ns.count() / 1'000'000'000);
      left.tv_nsec = static_cast<long>(ns.count() % 1'000'000'000);
    }
    const int n = ::ppoll(&p, 1, forever ? nullptr : &left, nullptr);
    if (n > 0) {
      if (p.revents & POLLNVAL) {
        throw std::system_error(EBADF, std::generic_category(), "fd_wait: ppoll");
      }
      return fd_status::ready;
    }
    if (n == 0) return fd_status::timed_out;
    if (errno != EINTR) throw std::system_error(errno, std::generic_category(), "fd_wait: ppoll");
  }
}

}  // namespace detail

/// Waits until `fd` is readable (data, end of file, an error or a hang-up to read) or `deadline`
/// passes. One fiber of a worker may wait for a descriptor at a time. Throws
/// std::invalid_argument for a negative fd, std::system_error when the kernel refuses it (EBADF;
/// EPERM for a regular file), std::logic_error when another fiber of the same worker waits for it.
inline fd_status wait_readable_until(int fd, std::chrono::steady_clock::time_point deadline) {
  return detail::wait_fd_until(fd, false, deadline);
}

/// Waits until `fd` is writable, or `deadline` passes; as wait_readable_until().
inline fd_status wait_writable_until(int fd, std::chrono::steady_clock::time_point deadline) {
  return detail::wait_fd_until(fd, true, deadline);
}

namespace detail {
// now + timeout, saturating; throws std::invalid_argument naming `what` when it is negative.
template <class Rep, class Period>
std::chrono::steady_clock::time_point fd_deadline(std::chrono::duration<Rep, Period> timeout,
                                                  const char* what) {
  const auto ns = saturating_ns(timeout, what);
  if (ns.count() < 0) {
    throw std::invalid_argument(std::string(what) + " is " + std::to_string(ns.count()) +
                                " ns; valid range is 0 ns or more");
  }
  return deadline_after(std::chrono::steady_clock::now(), ns);
}
}  // namespace detail

/// wait_readable_until(fd, now + timeout). A timeout too long for the clock waits forever. Throws
/// std::invalid_argument when the timeout is negative or NaN.
template <class Rep, class Period>
fd_status wait_readable(int fd, std::chrono::duration<Rep, Period> timeout) {
  return wait_readable_until(fd, detail::fd_deadline(timeout, "wait_readable timeout"));
}

/// wait_writable_until(fd, now + timeout); as wait_readable().
template <class Rep, class Period>
fd_status wait_writable(int fd, std::chrono::duration<Rep, Period> timeout) {
  return wait_writable_until(fd, detail::fd_deadline(timeout, "wait_writable timeout"));
}

}  // namespace inflight
