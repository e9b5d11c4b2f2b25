#pragma once
// One worker thread of inflight::dispatcher and what it shares with its dispatcher. The public
// class in dispatcher.hpp owns a dispatch_state and the workers; everything here runs on (or
// talks to) one worker thread.

#include <pthread.h>  // pthread_setaffinity_np, pthread_setname_np
#include <sched.h>    // cpu_set_t

#include <algorithm>
#include <atomic>
#include <boost/fiber/buffered_channel.hpp>
#include <boost/fiber/context.hpp>
#include <boost/fiber/fiber.hpp>
#include <boost/fiber/operations.hpp>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "../io_wait.hpp"
#include "fiber_scheduler.hpp"
#include "stack_pool.hpp"
#include "unique_function.hpp"

namespace inflight::detail {

// Which dispatcher worker, if any, the calling thread is: per-thread state that each worker sets
// for itself and clears on exit; no dispatcher shares it.
struct worker_identity {
  const void* owner = nullptr;
  std::size_t index = 0;
};
inline worker_identity& this_worker() noexcept {
  thread_local worker_identity id;
  return id;
}

// What the workers share with their dispatcher: the stop flag, the counts that drain() and
// stop_slots() wait on, and the failure callback.
struct dispatch_state {
  std::atomic<bool> slots_stop{false};
  std::atomic<std::uint64_t> outstanding{0};
  std::atomic<std::size_t> slots_running{0};
  std::mutex idle_mutex;  // guards the waits of drain() and stop_slots()
  std::condition_variable idle;
  std::function<void(std::exception_ptr)> on_failure;

  void finished_invocation() {
    if (outstanding.fetch_sub(1) == 1) {
      std::lock_guard<std::mutex> lock(idle_mutex);
      idle.notify_all();
    }
  }
  void finished_slot() {
    if (slots_running.fetch_sub(1) == 1) {
      std::lock_guard<std::mutex> lock(idle_mutex);
      idle.notify_all();
    }
  }
};

// One submitted invocation, or the start of every slot of one worker: slots first, first +
// stride, ... below end.
struct dispatch_command {
  unique_function<void()> invocation;
  std::shared_ptr<unique_function<void(std::size_t)>> slot_body;  // set for slot starts
  std::size_t first = 0, stride = 1, end = 0;
};

// One worker thread and everything its fibers share. Only its own thread touches the members
// below `thread_`, except the counters, which others read.
class dispatch_worker {
 public:
  dispatch_worker(dispatch_state& state, const void* owner, std::size_t index,
                  std::size_t stack_size)
      : state_(state), owner_(owner), index_(index), stack_size_(stack_size) {}
  void start(int cpu, std::chrono::nanoseconds slack);
  bool post(dispatch_command&& c) {
    return inbox_.push(std::move(c)) == boost::fibers::channel_op_status::success;
  }
  void close_and_join();
  std::uint64_t completed() const noexcept { return completed_.load(std::memory_order_relaxed); }
  std::uint64_t failed() const noexcept { return failed_.load(std::memory_order_relaxed); }
  std::uint64_t unstarted() const noexcept { return unstarted_.load(std::memory_order_relaxed); }

 private:
  struct runner {
    boost::fibers::context* ctx = nullptr;
    unique_function<void()> task;
  };

  void run(std::promise<void>& started, int cpu, std::chrono::nanoseconds slack);
  template <class Fn>
  void spawn(Fn&& fn);
  void exited();
  template <class Fn>
  void count_call(Fn&& call);
  void report(std::exception_ptr e) noexcept;
  void run_invocations(runner& self);
  void start_slots(dispatch_command& c);
  void intake(dispatch_command& c);
  void not_started(const std::exception& why) noexcept;
  // A slot's turn on its worker while its calls do not suspend: calls so far, and how many make
  // a time slice (starting at 1, so a slot is fair before its calls were ever timed).
  struct time_slice {
    static constexpr std::chrono::nanoseconds length{20'000};
    std::uint32_t calls = 0, limit = 1;
    std::chrono::steady_clock::time_point start;
  };
  static void give_way(const fiber_scheduler& scheduler, std::uint64_t switches, time_slice& slice);
  // One writer (this worker's thread), so a load and a store suffice: no locked instruction on the
  // hot path.
  static void bump(std::atomic<std::uint64_t>& counter) noexcept {
    counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

  dispatch_state& state_;
  const void* const owner_;
  const std::size_t index_;
  const std::size_t stack_size_;
  boost::fibers::buffered_channel<dispatch_command> inbox_{1024};
  std::thread thread_;
  // Written by this worker's thread only (see bump), on a line of their own.
  alignas(64) std::atomic<std::uint64_t> completed_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::atomic<std::uint64_t> unstarted_{0};
  alignas(64) std::vector<runner*> idle_runners_;
  std::size_t live_fibers_ = 0;
  bool exiting_ = false;
  boost::fibers::context* main_waiting_ = nullptr;
  fiber_scheduler* scheduler_ = nullptr;
  std::unique_ptr<pooled_stack> stacks_;
};

inline void dispatch_worker::start(int cpu, std::chrono::nanoseconds slack) {
  std::promise<void> started;
  auto ready = started.get_future();
  thread_ = std::thread([this, &started, cpu, slack] { run(started, cpu, slack); });
  try {
    ready.get();  // rethrows a failed pin
  } catch (...) {
    close_and_join();
    throw;
  }
}

inline void dispatch_worker::close_and_join() {
  inbox_.close();
  if (thread_.joinable()) thread_.join();
}

inline void dispatch_worker::report(std::exception_ptr e) noexcept {
  if (!state_.on_failure) return;
  try {
    state_.on_failure(std::move(e));
  } catch (...) {
    // The callback's own failure must not take the worker down; it has nowhere else to go.
  }
}

template <class Fn>
void dispatch_worker::count_call(Fn&& call) {
  try {
    call();
    bump(completed_);
  } catch (const boost::context::detail::forced_unwind&) {
    throw;  // Boost.Context unwinds a fiber's stack with this; it is not the handler's failure
  } catch (...) {
    bump(failed_);
    report(std::current_exception());
  }
}

template <class Fn>
void dispatch_worker::spawn(Fn&& fn) {
  boost::fibers::fiber(std::allocator_arg, *stacks_, std::forward<Fn>(fn)).detach();
  ++live_fibers_;  // after the fiber exists: a failed creation leaves the count alone
}

// The last fiber out wakes the worker's main fiber, which waits for it in run().
inline void dispatch_worker::exited() {
  if (--live_fibers_ == 0 && main_waiting_ != nullptr) {
    boost::fibers::context::active()->schedule(main_waiting_);
  }
}

// A runner fiber runs one invocation after another, parking between them, so a steady stream of
// submit() reuses fibers and stacks instead of creating one per invocation. The callable is
// destroyed as its call ends (even when it threw), before drain() can see the call as finished,
// so whatever it holds (a limiter slot) is released by then.
inline void dispatch_worker::run_invocations(runner& self) {
  self.ctx = boost::fibers::context::active();
  while (self.task) {
    count_call(self.task);
    self.task = nullptr;
    state_.finished_invocation();
    if (exiting_) break;
    idle_runners_.push_back(&self);
    self.ctx->suspend();  // resumed by run() with a new task, or with none to exit
  }
  exited();
}

// Runs under memory pressure, so it allocates only for a callback and never throws.
inline void dispatch_worker::not_started(const std::exception& why) noexcept {
  bump(failed_);
  bump(unstarted_);
  if (!state_.on_failure) return;
  try {
    report(std::make_exception_ptr(std::runtime_error(
        std::string("inflight::dispatcher: no fiber could be created for this call: ") +
        why.what())));
  } catch (...) {
    report(std::current_exception());  // the message itself could not be made
  }
}

// A fiber that never suspends would keep its worker's other fibers (and the intake) from running.
// After a call that did not suspend (no context switch since `switches`) it gives way when
// another fiber is ready and its time slice (about 20 us, counted in calls: `limit`, learnt from
// one clock read per slice) is over, and after 64 calls in any case, so that timers that fell due
// (which Boost moves to the ready queue only in its dispatcher) are served. A call that suspended
// has given way already. Giving way after every call cost 49 ns per empty call with 64 slots on a
// worker (a context switch each), against 2.5 ns for the call itself.
inline void dispatch_worker::give_way(const fiber_scheduler& scheduler, std::uint64_t switches,
                                      time_slice& slice) {
  if (scheduler.switches() != switches) {
    slice.calls = 0;
    return;
  }
  if (slice.calls++ == 0) slice.start = std::chrono::steady_clock::now();
  if (__builtin_expect(slice.calls < slice.limit, 1)) return;
  if (slice.calls < 64 && !scheduler.has_other_ready()) return;
  const auto run = std::chrono::steady_clock::now() - slice.start;
  const auto per_call = run / slice.calls;
  slice.limit = per_call.count() <= 0 ? 64
                                      : static_cast<std::uint32_t>(std::clamp<std::int64_t>(
                                            time_slice::length / per_call, 1, 64));
  slice.calls = 0;
  boost::this_fiber::yield();
}

inline void dispatch_worker::start_slots(dispatch_command& c) {
  for (std::size_t slot = c.first; slot < c.end; slot += c.stride) {
    try {
      spawn([this, slot, body = c.slot_body] {
        const fiber_scheduler& scheduler = *scheduler_;
        auto& call = *body;
        time_slice slice;
        while (!state_.slots_stop.load(std::memory_order_relaxed)) {
          const std::uint64_t switches = scheduler.switches();
          count_call([&] { call(slot); });
          give_way(scheduler, switches, slice);
        }
        state_.finished_slot();
        exited();
      });
    } catch (const std::exception& e) {
      // No stack could be mapped: this slot never runs; the others do.
      not_started(e);
      state_.finished_slot();
    }
  }
}

// The intake of one command: hands an invocation to a parked runner, or to a new fiber.
inline void dispatch_worker::intake(dispatch_command& c) {
  if (c.slot_body) {
    start_slots(c);
  } else if (!idle_runners_.empty()) {
    runner* r = idle_runners_.back();
    idle_runners_.pop_back();
    r->task = std::move(c.invocation);
    boost::fibers::context::active()->schedule(r->ctx);
  } else {
    try {
      spawn([this, task = std::move(c.invocation)]() mutable {
        runner self;
        self.task = std::move(task);
        run_invocations(self);
      });
    } catch (const std::exception& e) {
      // No stack could be mapped (or the fiber not created): the call never ran, so it counts as
      // failed and the worker goes on. Its callable is destroyed with the failed fiber's function.
      not_started(e);
      state_.finished_invocation();
    }
  }
}

inline void dispatch_worker::run(std::promise<void>& started, int cpu,
                                 std::chrono::nanoseconds slack) {
  try {
    if (cpu >= 0) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(static_cast<std::size_t>(cpu), &set);
      if (const int err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set); err != 0) {
        throw std::system_error(err, std::generic_category(),
                                "pinning a worker to CPU " + std::to_string(cpu));
      }
    }
    set_timer_slack(slack);
    // "inflight-w<i>" in top, perf and /proc/<pid>/task/<tid>/comm (15 characters at most).
    const std::string name = "inflight-w" + std::to_string(index_ % 100000);
    pthread_setname_np(pthread_self(), name.c_str());
    boost::fibers::use_scheduling_algorithm<fiber_scheduler>(&scheduler_);
    stacks_ = std::make_unique<pooled_stack>(stack_size_);
  } catch (...) {
    started.set_exception(std::current_exception());
    return;
  }
  this_worker() = {owner_, index_};
  started.set_value();

  // The main fiber is the intake. It yields after each hand-off so the runner runs at once: an
  // invocation that returns frees its runner for the next command, and only invocations that
  // suspend (in io_wait, say) need more fibers. Without the yield a burst of submits would create
  // a fiber per queued invocation.
  dispatch_command c;
  while (inbox_.pop(c) == boost::fibers::channel_op_status::success) {
    intake(c);
    c = dispatch_command{};
    boost::this_fiber::yield();
  }
  // Closed: release the parked runners, then wait for every fiber of this worker to end.
  exiting_ = true;
  for (runner* r : idle_runners_) boost::fibers::context::active()->schedule(r->ctx);
  idle_runners_.clear();
  if (live_fibers_ != 0) {
    main_waiting_ = boost::fibers::context::active();
    main_waiting_->suspend();
  }
  stacks_.reset();
  this_worker() = {};
}

}  // namespace inflight::detail
