#pragma once
// The per-environment concurrency cap: a counting limiter whose full state is a throttle (HTTP
// 429).

#include <algorithm>
#include <atomic>
#include <boost/fiber/condition_variable.hpp>
#include <boost/fiber/mutex.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>

#include "detail/clock.hpp"

namespace inflight {

namespace detail {
struct slot_limiter_access;  // tests start the acquired count near a wrap
}  // namespace detail

/// Caps how many invocations are in flight at once, as PerExecutionEnvironmentMaxConcurrency
/// does. try_acquire() never waits: a full limiter rejects and counts a throttle. acquire() and
/// acquire_for() wait, suspending only the calling fiber (or thread, outside fibers).
/// Thread- and fiber-safe; the uncontended try_acquire() + release is two atomic operations.
///
///     inflight::slot_limiter limiter(64);
///     if (auto slot = limiter.try_acquire()) { handle(); }   // released at scope end
///     else { reply_429(); }
class slot_limiter {
 public:
  class slot;

  /// Throws std::invalid_argument when capacity is 0 or above 2^32 - 1.
  explicit slot_limiter(std::size_t capacity);
  slot_limiter(const slot_limiter&) = delete;
  slot_limiter& operator=(const slot_limiter&) = delete;

  /// Takes a slot if one is free; else returns an empty slot and counts it in rejected().
  slot try_acquire() noexcept;
  /// Takes a slot, waiting until one frees.
  slot acquire();
  /// Takes a slot, waiting at most `timeout`; returns an empty slot (not counted as rejected) on
  /// timeout. A timeout too long for the clock (hours::max()) waits without limit.
  template <class Rep, class Period>
  slot acquire_for(std::chrono::duration<Rep, Period> timeout);
  /// Takes a slot, waiting until `deadline` of any clock; returns an empty slot (not counted as
  /// rejected) once it has passed. Exceptions from the clock propagate, and leave no trace.
  template <class Clock, class Duration>
  slot acquire_until(std::chrono::time_point<Clock, Duration> deadline);

  std::size_t capacity() const noexcept { return capacity_; }
  std::size_t in_use() const noexcept;
  /// The most slots ever held at once.
  std::size_t peak() const noexcept { return peak_.load(std::memory_order_relaxed); }
  /// Slots handed out so far.
  std::uint64_t acquired() const noexcept;
  /// try_acquire() calls refused because every slot was taken.
  std::uint64_t rejected() const noexcept { return rejected_.load(std::memory_order_relaxed); }
  /// Fibers and threads waiting in acquire(), acquire_for() or acquire_until() now.
  std::size_t waiting() const noexcept { return waiters_.load(std::memory_order_relaxed); }

 private:
  friend struct detail::slot_limiter_access;
  // in_use lives in the low 32 bits and the acquired count in the high 32 bits of one word, so
  // that a successful acquire is a single CAS. The acquired count's low 31 bits count; bit 63 is
  // their carry, set by the CAS that wraps them and cleared by that same thread once it has
  // counted the wrap in acquired_wraps_, inside a seqlock, so readers never see a torn total.
  static constexpr std::uint64_t one_in_use_ = 1;
  static constexpr std::uint64_t one_acquired_ = 1ull << 32;
  static constexpr std::uint64_t in_use_mask_ = one_acquired_ - 1;
  static constexpr std::uint64_t carry_ = 1ull << 63;
  static constexpr std::uint64_t count_mask_ = (carry_ - 1) & ~in_use_mask_;

  bool try_take() noexcept;
  void count_wrap() noexcept;
  void release() noexcept;
  template <class Clock, class Duration>
  bool wait_until(const std::chrono::time_point<Clock, Duration>* deadline);

  const std::size_t capacity_;
  alignas(64) std::atomic<std::uint64_t> state_{0};
  std::atomic<std::size_t> peak_{0};
  std::atomic<std::uint64_t> acquired_wraps_{0};  // wraps of the 31-bit count
  std::atomic<std::uint64_t> wrap_seq_{0};        // odd while a wrap is being counted
  std::atomic<std::size_t> waiters_{0};
  alignas(64) std::atomic<std::uint64_t> rejected_{0};
  boost::fibers::mutex wait_mutex_;
  boost::fibers::condition_variable freed_;
};

/// One held slot: releases on destruction. Movable, not copyable; an empty slot converts to false.
class slot_limiter::slot {
 public:
  slot() noexcept = default;
  slot(slot&& other) noexcept : owner_(other.owner_) { other.owner_ = nullptr; }
  slot& operator=(slot&& other) noexcept;
  ~slot() { reset(); }

  explicit operator bool() const noexcept { return owner_ != nullptr; }
  /// Releases the slot now; does nothing on an empty slot.
  void reset() noexcept;

 private:
  friend class slot_limiter;
  explicit slot(slot_limiter* owner) noexcept : owner_(owner) {}
  slot_limiter* owner_ = nullptr;
};

inline slot_limiter::slot_limiter(std::size_t capacity) : capacity_(capacity) {
  if (capacity == 0 || capacity > in_use_mask_) {
    throw std::invalid_argument("slot_limiter capacity is " + std::to_string(capacity) +
                                "; valid range is 1.." + std::to_string(in_use_mask_));
  }
}

inline bool slot_limiter::try_take() noexcept {
  // seq_cst even for the first load: a waiter's retry must not read a stale "full" state.
  std::uint64_t s = state_.load(std::memory_order_seq_cst);
  do {
    if ((s & in_use_mask_) >= capacity_) return false;
  } while (!state_.compare_exchange_weak(s, s + one_in_use_ + one_acquired_,
                                         std::memory_order_seq_cst, std::memory_order_seq_cst));
  if (((s + one_acquired_) & carry_) != 0 && (s & carry_) == 0) count_wrap();
  const std::size_t now = (s & in_use_mask_) + 1;
  std::size_t p = peak_.load(std::memory_order_relaxed);
  while (now > p && !peak_.compare_exchange_weak(p, now, std::memory_order_relaxed)) {
  }
  return true;
}

// Once in 2^31 acquires: count the wrap, then clear the carry, both inside the seqlock.
inline void slot_limiter::count_wrap() noexcept {
  wrap_seq_.fetch_add(1, std::memory_order_seq_cst);
  acquired_wraps_.fetch_add(1, std::memory_order_seq_cst);
  state_.fetch_and(~carry_, std::memory_order_seq_cst);
  wrap_seq_.fetch_add(1, std::memory_order_seq_cst);
}

inline void slot_limiter::release() noexcept {
  state_.fetch_sub(one_in_use_, std::memory_order_seq_cst);
  // Pairs with the waiters_ increment in wait_until(): either the waiter's retry sees this free
  // slot, or this load sees the waiter and wakes it.
  if (waiters_.load(std::memory_order_seq_cst) != 0) {
    std::lock_guard<boost::fibers::mutex> lock(wait_mutex_);
    freed_.notify_one();
  }
}

inline slot_limiter::slot slot_limiter::try_acquire() noexcept {
  if (try_take()) return slot(this);
  rejected_.fetch_add(1, std::memory_order_relaxed);
  return slot();
}

inline slot_limiter::slot slot_limiter::acquire() {
  if (try_take()) return slot(this);
  wait_until<std::chrono::steady_clock, std::chrono::steady_clock::duration>(nullptr);
  return slot(this);
}

template <class Rep, class Period>
slot_limiter::slot slot_limiter::acquire_for(std::chrono::duration<Rep, Period> timeout) {
  if (try_take()) return slot(this);
  const auto d = detail::saturating_ns(timeout, "acquire_for timeout");
  const auto deadline =
      detail::deadline_after(std::chrono::steady_clock::now(), std::max(d, d.zero()));
  return wait_until(&deadline) ? slot(this) : slot();
}

template <class Clock, class Duration>
slot_limiter::slot slot_limiter::acquire_until(std::chrono::time_point<Clock, Duration> deadline) {
  if (try_take()) return slot(this);
  return wait_until(&deadline) ? slot(this) : slot();
}

template <class Clock, class Duration>
bool slot_limiter::wait_until(const std::chrono::time_point<Clock, Duration>* deadline) {
  std::unique_lock<boost::fibers::mutex> lock(wait_mutex_);
  waiters_.fetch_add(1, std::memory_order_seq_cst);
  // A clock or the fiber library may throw from the wait: the count must not leak, or every
  // release would take the lock from then on.
  struct leave {
    std::atomic<std::size_t>& waiters;
    ~leave() { waiters.fetch_sub(1, std::memory_order_relaxed); }
  } guard{waiters_};
  for (;;) {
    if (try_take()) return true;
    if (deadline == nullptr) {
      freed_.wait(lock);
      continue;
    }
    // Any clock: wait on the steady clock for what is left, then ask `Clock` again.
    const auto now = Clock::now();
    if (!(now < *deadline)) return false;
    const auto until =
        detail::deadline_after(std::chrono::steady_clock::now(),
                               detail::saturating_ns(*deadline - now, "acquire deadline"));
    if (until == std::chrono::steady_clock::time_point::max()) {
      freed_.wait(lock);
    } else {
      freed_.wait_until(lock, until);
    }
  }
}

inline std::size_t slot_limiter::in_use() const noexcept {
  return static_cast<std::size_t>(state_.load(std::memory_order_relaxed) & in_use_mask_);
}

inline std::uint64_t slot_limiter::acquired() const noexcept {
  for (;;) {
    const std::uint64_t seq = wrap_seq_.load(std::memory_order_seq_cst);
    if (seq % 2 != 0) continue;  // a wrap is being counted: a few instructions
    const std::uint64_t wraps = acquired_wraps_.load(std::memory_order_seq_cst);
    const std::uint64_t s = state_.load(std::memory_order_seq_cst);
    if (wrap_seq_.load(std::memory_order_seq_cst) != seq) continue;
    // A set carry is a wrap that its thread has not counted yet.
    return ((wraps + ((s & carry_) != 0 ? 1 : 0)) << 31) + ((s & count_mask_) >> 32);
  }
}

inline slot_limiter::slot& slot_limiter::slot::operator=(slot&& other) noexcept {
  if (this != &other) {
    reset();
    owner_ = other.owner_;
    other.owner_ = nullptr;
  }
  return *this;
}

inline void slot_limiter::slot::reset() noexcept {
  if (owner_ != nullptr) {
    owner_->release();
    owner_ = nullptr;
  }
}

}  // namespace inflight
