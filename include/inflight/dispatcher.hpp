#pragma once
// The thread-per-vCPU dispatcher: worker threads, each running many invocations as Boost.Fiber
// fibers, the way an LMI runtime runs many invocations per vCPU.

#include <pthread.h>  // pthread_setaffinity_np
#include <sched.h>    // cpu_set_t

#include <atomic>
#include <boost/fiber/buffered_channel.hpp>
#include <boost/fiber/context.hpp>
#include <boost/fiber/fiber.hpp>
#include <boost/fiber/operations.hpp>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "detail/fiber_scheduler.hpp"
#include "detail/stack_pool.hpp"
#include "io_wait.hpp"
#include "limits.hpp"
#include "topology.hpp"

namespace inflight {

namespace detail {
// Which dispatcher worker, if any, the calling thread is. Per-thread state that each worker sets
// for itself and clears on exit; no dispatcher shares it.
struct worker_identity {
  const void* owner = nullptr;
  std::size_t index = 0;
};
inline worker_identity& this_worker() noexcept {
  thread_local worker_identity id;
  return id;
}
inline const void* current_worker_of() noexcept { return this_worker().owner; }
}  // namespace detail

/// How a dispatcher lays out its workers.
struct dispatcher_options {
  /// vCPUs to model; 0 = detect_vcpus().count.
  std::size_t vcpus = 0;
  /// Worker threads per vCPU, 1..64; the Node.js runtime uses 8.
  std::size_t workers_per_vcpu = 1;
  /// Pin worker i to the (i mod vcpus)-th CPU of the affinity mask; needs vcpus <= CPUs in the
  /// mask.
  bool pin = false;
  /// Timer slack of every worker thread; 1 ns lets io_wait wake at the OS floor.
  std::chrono::nanoseconds timer_slack{1};
  /// Usable stack of each fiber, 16 KiB .. 1 GiB, from a per-worker pool of stacks that are
  /// reused. A guard page below each stack turns an overflow into a fault. Default 128 KiB; only
  /// the pages a fiber touches cost memory.
  std::size_t stack_size = 128 * 1024;
};

/// Runs invocations on workers * vcpus OS threads, each with its own fiber scheduler; invocations
/// suspend in io_wait or in slot_limiter::acquire without blocking their worker.
///
/// Two ways in:
/// - submit(): one invocation; it runs on a pooled runner fiber of a worker chosen round-robin.
/// - run_slots(): n long-lived slot fibers that loop over body(slot) until stop_slots(), the closed
///   loop of an execution environment; no allocation per call.
///
///     inflight::dispatcher_options options;
///     options.vcpus = 2;
///     inflight::dispatcher d(options);
///     d.run_slots(128, [&](std::size_t) { inflight::io_wait(2ms); });
///     std::this_thread::sleep_for(1s);
///     d.stop_slots();
///
/// A call that throws counts as failed; its worker and slot go on. A call that cannot start (no
/// fiber stack could be mapped) counts as failed and in unstarted(). Fibers of one worker take
/// turns: a slot whose body never suspends gives way after each call when another fiber of its
/// worker is ready, and at least every 64 calls so that due timers fire. Control calls (run_slots,
/// stop_slots, drain, stop) come from outside the dispatcher's own workers; from a worker they
/// throw std::logic_error, since they would wait for that worker itself.
class dispatcher {
 public:
  /// Starts the workers. Throws std::invalid_argument for workers_per_vcpu outside 1..64,
  /// stack_size outside 16 KiB .. 1 GiB, timer_slack below 1 ns, or pin with more vcpus than CPUs
  /// in the affinity mask; std::system_error when a thread cannot start or be pinned.
  explicit dispatcher(dispatcher_options options = {});
  ~dispatcher() { stop(); }
  dispatcher(const dispatcher&) = delete;
  dispatcher& operator=(const dispatcher&) = delete;

  /// Queues one invocation on the next worker; false once stop() has begun. May block briefly
  /// when that worker's inbox (1024 entries) is full.
  bool submit(std::function<void()> invocation);
  /// Starts n slot fibers; slot i lives on worker i mod workers(). Each calls body(i) again and
  /// again until stop_slots(); each return counts as completed, each throw as failed.
  /// Throws std::logic_error while slots are already running, after stop(), or on a worker.
  void run_slots(std::size_t n, std::function<void(std::size_t)> body);
  /// Asks the slots to stop and returns once every slot fiber has finished its current call.
  /// Throws std::logic_error on a worker.
  void stop_slots();
  /// Returns once every submitted invocation has finished. Throws std::logic_error on a worker.
  void drain();
  /// stop_slots(), drain(), then joins the workers; nothing in flight is lost. Idempotent.
  /// Throws std::logic_error on a worker.
  void stop();

  std::size_t workers() const noexcept { return workers_.size(); }
  std::size_t vcpus() const noexcept { return vcpus_; }
  /// The CPUs the workers are pinned to, in worker order (empty when not pinned).
  const std::vector<int>& pinned_cpus() const noexcept { return pinned_cpus_; }
  /// Slot fibers currently running.
  std::size_t slots_running() const noexcept { return slots_running_.load(); }
  std::uint64_t submitted() const noexcept { return submitted_.load(); }
  /// Invocations and slot calls that returned.
  std::uint64_t completed() const noexcept;
  /// Invocations and slot calls that threw, or that never ran because no fiber stack could be
  /// mapped for them.
  std::uint64_t failed() const noexcept;
  /// Invocations and slots that never ran because no fiber could be created for them (also
  /// counted in failed()); a slot that could not start never runs its body.
  std::uint64_t unstarted() const noexcept;

 private:
  class worker;
  // One submitted invocation, or the start of every slot of one worker: slots first, first +
  // stride, ... below end.
  struct command {
    std::function<void()> invocation;
    std::shared_ptr<const std::function<void(std::size_t)>> slot_body;  // set for slot starts
    std::size_t first = 0, stride = 1, end = 0;
  };

  void finished_invocation();
  void finished_slot();
  void refuse_on_worker(const char* call) const;

  std::size_t vcpus_ = 0;
  std::vector<int> pinned_cpus_;
  std::vector<std::unique_ptr<worker>> workers_;
  std::atomic<bool> slots_stop_{false};
  std::atomic<bool> stopping_{false};
  bool stopped_ = false;
  std::atomic<std::size_t> next_worker_{0};
  std::atomic<std::uint64_t> submitted_{0};
  std::atomic<std::uint64_t> outstanding_{0};
  std::atomic<std::size_t> slots_running_{0};
  std::mutex idle_mutex_;  // guards the waits of drain() and stop_slots()
  std::condition_variable idle_;
  std::mutex control_mutex_;  // serialises run_slots, stop_slots and stop
};

/// One worker thread and everything its fibers share. Only its own thread touches the members
/// below `thread_`, except the counters, which others read.
class dispatcher::worker {
 public:
  worker(dispatcher& owner, std::size_t index, std::size_t stack_size)
      : owner_(owner), index_(index), stack_size_(stack_size) {}
  void start(int cpu, std::chrono::nanoseconds slack);
  bool post(command&& c) {
    return inbox_.push(std::move(c)) == boost::fibers::channel_op_status::success;
  }
  void close_and_join();
  std::uint64_t completed() const noexcept { return completed_.load(std::memory_order_relaxed); }
  std::uint64_t failed() const noexcept { return failed_.load(std::memory_order_relaxed); }
  std::uint64_t unstarted() const noexcept { return unstarted_.load(std::memory_order_relaxed); }

 private:
  struct runner {
    boost::fibers::context* ctx = nullptr;
    std::function<void()> task;
  };

  void run(std::promise<void>& started, int cpu, std::chrono::nanoseconds slack);
  template <class Fn>
  void spawn(Fn&& fn);
  void exited();
  template <class Fn>
  void count_call(Fn&& call);
  void run_invocations(runner& self);
  void start_slots(command& c);
  void intake(command& c);
  void not_started();
  void give_way(std::uint64_t& calls);
  // One writer (this worker's thread), so a load and a store suffice: no locked instruction on the
  // hot path.
  static void bump(std::atomic<std::uint64_t>& counter) noexcept {
    counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

  dispatcher& owner_;
  const std::size_t index_;
  const std::size_t stack_size_;
  boost::fibers::buffered_channel<command> inbox_{1024};
  std::thread thread_;
  // Written by this worker's thread only (see bump), on a line of their own.
  alignas(64) std::atomic<std::uint64_t> completed_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::atomic<std::uint64_t> unstarted_{0};
  alignas(64) std::vector<runner*> idle_runners_;
  std::size_t live_fibers_ = 0;
  bool exiting_ = false;
  boost::fibers::context* main_waiting_ = nullptr;
  detail::fiber_scheduler* scheduler_ = nullptr;
  std::unique_ptr<detail::pooled_stack> stacks_;
};

inline dispatcher::dispatcher(dispatcher_options options) {
  if (options.workers_per_vcpu == 0 || options.workers_per_vcpu > max_per_vcpu) {
    throw std::invalid_argument("dispatcher_options.workers_per_vcpu is " +
                                std::to_string(options.workers_per_vcpu) +
                                "; valid range is 1..64");
  }
  if (options.stack_size < 16 * 1024 || options.stack_size > (std::size_t{1} << 30)) {
    throw std::invalid_argument("dispatcher_options.stack_size is " +
                                std::to_string(options.stack_size) +
                                "; valid range is 16384..1073741824");
  }
  if (options.timer_slack.count() < 1) {
    throw std::invalid_argument("dispatcher_options.timer_slack is " +
                                std::to_string(options.timer_slack.count()) +
                                " ns; valid range is 1 ns or more");
  }
  const vcpu_info info = detect_vcpus();
  vcpus_ = options.vcpus == 0 ? info.count : options.vcpus;
  if (options.pin && vcpus_ > info.cpus.size()) {
    throw std::invalid_argument("dispatcher_options.vcpus is " + std::to_string(vcpus_) +
                                " with pin; valid range is 0.." + std::to_string(info.cpus.size()) +
                                " (CPUs in the affinity mask)");
  }
  const std::size_t n = vcpus_ * options.workers_per_vcpu;
  workers_.reserve(n);
  try {
    for (std::size_t i = 0; i < n; ++i) {
      const int cpu = options.pin ? info.cpus[i % vcpus_] : -1;
      if (options.pin) pinned_cpus_.push_back(cpu);
      workers_.push_back(std::make_unique<worker>(*this, i, options.stack_size));
      workers_.back()->start(cpu, options.timer_slack);
    }
  } catch (...) {
    stop();
    throw;
  }
}

inline bool dispatcher::submit(std::function<void()> invocation) {
  outstanding_.fetch_add(1);
  if (stopping_.load()) {
    finished_invocation();
    return false;
  }
  submitted_.fetch_add(1, std::memory_order_relaxed);
  const std::size_t w = next_worker_.fetch_add(1, std::memory_order_relaxed) % workers_.size();
  if (!workers_[w]->post(command{std::move(invocation), nullptr, 0, 1, 0})) {
    submitted_.fetch_sub(1, std::memory_order_relaxed);
    finished_invocation();
    return false;
  }
  return true;
}

inline void dispatcher::refuse_on_worker(const char* call) const {
  if (detail::current_worker_of() == this) {
    throw std::logic_error(std::string("dispatcher::") + call +
                           " on one of the dispatcher's own workers would wait for itself");
  }
}

inline void dispatcher::run_slots(std::size_t n, std::function<void(std::size_t)> body) {
  refuse_on_worker("run_slots");
  std::lock_guard<std::mutex> control(control_mutex_);
  if (stopping_.load()) throw std::logic_error("dispatcher::run_slots after stop()");
  if (slots_running_.load() != 0) {
    throw std::logic_error("dispatcher::run_slots while slots run; call stop_slots() first");
  }
  slots_stop_.store(false);
  auto shared = std::make_shared<const std::function<void(std::size_t)>>(std::move(body));
  slots_running_.store(n);
  // One command per worker, however many slots: run_slots never waits on a full inbox.
  const std::size_t w = std::min(n, workers_.size());
  for (std::size_t i = 0; i < w; ++i) workers_[i]->post(command{{}, shared, i, workers_.size(), n});
}

inline void dispatcher::stop_slots() {
  refuse_on_worker("stop_slots");
  std::lock_guard<std::mutex> control(control_mutex_);
  slots_stop_.store(true);
  std::unique_lock<std::mutex> lock(idle_mutex_);
  idle_.wait(lock, [this] { return slots_running_.load() == 0; });
}

inline void dispatcher::drain() {
  refuse_on_worker("drain");
  std::unique_lock<std::mutex> lock(idle_mutex_);
  idle_.wait(lock, [this] { return outstanding_.load() == 0; });
}

inline void dispatcher::stop() {
  refuse_on_worker("stop");
  stop_slots();
  std::lock_guard<std::mutex> control(control_mutex_);
  if (stopped_) return;
  // Order matters: once stopping_ is set, no submit() adds work, so outstanding_ only falls.
  stopping_.store(true);
  drain();
  for (auto& w : workers_) w->close_and_join();
  stopped_ = true;
}

inline std::uint64_t dispatcher::completed() const noexcept {
  std::uint64_t sum = 0;
  for (const auto& w : workers_) sum += w->completed();
  return sum;
}

inline std::uint64_t dispatcher::failed() const noexcept {
  std::uint64_t sum = 0;
  for (const auto& w : workers_) sum += w->failed();
  return sum;
}

inline std::uint64_t dispatcher::unstarted() const noexcept {
  std::uint64_t sum = 0;
  for (const auto& w : workers_) sum += w->unstarted();
  return sum;
}

inline void dispatcher::finished_invocation() {
  if (outstanding_.fetch_sub(1) == 1) {
    std::lock_guard<std::mutex> lock(idle_mutex_);
    idle_.notify_all();
  }
}

inline void dispatcher::finished_slot() {
  if (slots_running_.fetch_sub(1) == 1) {
    std::lock_guard<std::mutex> lock(idle_mutex_);
    idle_.notify_all();
  }
}

inline void dispatcher::worker::start(int cpu, std::chrono::nanoseconds slack) {
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

inline void dispatcher::worker::close_and_join() {
  inbox_.close();
  if (thread_.joinable()) thread_.join();
}

template <class Fn>
void dispatcher::worker::count_call(Fn&& call) {
  try {
    call();
    bump(completed_);
  } catch (const boost::context::detail::forced_unwind&) {
    throw;  // Boost.Context unwinds a fiber's stack with this; it is not the handler's failure
  } catch (...) {
    bump(failed_);
  }
}

template <class Fn>
void dispatcher::worker::spawn(Fn&& fn) {
  boost::fibers::fiber(std::allocator_arg, *stacks_, std::forward<Fn>(fn)).detach();
  ++live_fibers_;  // after the fiber exists: a failed creation leaves the count alone
}

// The last fiber out wakes the worker's main fiber, which waits for it in run().
inline void dispatcher::worker::exited() {
  if (--live_fibers_ == 0 && main_waiting_ != nullptr) {
    boost::fibers::context::active()->schedule(main_waiting_);
  }
}

// A runner fiber runs one invocation after another, parking between them, so a steady stream of
// submit() reuses fibers and stacks instead of creating one per invocation.
inline void dispatcher::worker::run_invocations(runner& self) {
  self.ctx = boost::fibers::context::active();
  while (self.task) {
    count_call(self.task);
    self.task = nullptr;
    owner_.finished_invocation();
    if (exiting_) break;
    idle_runners_.push_back(&self);
    self.ctx->suspend();  // resumed by run() with a new task, or with none to exit
  }
  exited();
}

inline void dispatcher::worker::not_started() {
  bump(failed_);
  bump(unstarted_);
}

// A fiber that never suspends would keep its worker's other fibers (and the intake) from running:
// give way when one of them is ready, and every 64 calls so that timers that fell due (which Boost
// moves to the ready queue only in its dispatcher) are served.
inline void dispatcher::worker::give_way(std::uint64_t& calls) {
  if (scheduler_->has_other_ready() || (++calls & 63) == 0) boost::this_fiber::yield();
}

inline void dispatcher::worker::start_slots(command& c) {
  for (std::size_t slot = c.first; slot < c.end; slot += c.stride) {
    try {
      spawn([this, slot, body = c.slot_body] {
        std::uint64_t calls = 0;
        while (!owner_.slots_stop_.load(std::memory_order_relaxed)) {
          count_call([&] { (*body)(slot); });
          give_way(calls);
        }
        owner_.finished_slot();
        exited();
      });
    } catch (const std::exception&) {
      // No stack could be mapped: this slot never runs; the others do.
      not_started();
      owner_.finished_slot();
    }
  }
}

// The intake of one command: hands an invocation to a parked runner, or to a new fiber.
inline void dispatcher::worker::intake(command& c) {
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
    } catch (const std::exception&) {
      // No stack could be mapped (or the fiber not created): the call never ran, so it counts as
      // failed and the worker goes on.
      not_started();
      owner_.finished_invocation();
    }
  }
}

inline void dispatcher::worker::run(std::promise<void>& started, int cpu,
                                    std::chrono::nanoseconds slack) {
  try {
    if (cpu >= 0) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(cpu, &set);
      if (const int err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set); err != 0) {
        throw std::system_error(err, std::generic_category(),
                                "pinning a worker to CPU " + std::to_string(cpu));
      }
    }
    set_timer_slack(slack);
    boost::fibers::use_scheduling_algorithm<detail::fiber_scheduler>(&scheduler_);
    stacks_ = std::make_unique<detail::pooled_stack>(stack_size_);
  } catch (...) {
    started.set_exception(std::current_exception());
    return;
  }
  detail::this_worker() = {&owner_, index_};
  started.set_value();

  // The main fiber is the intake. It yields after each hand-off so the runner runs at once: an
  // invocation that returns frees its runner for the next command, and only invocations that
  // suspend (in io_wait, say) need more fibers. Without the yield a burst of submits would create
  // a fiber per queued invocation.
  command c;
  while (inbox_.pop(c) == boost::fibers::channel_op_status::success) {
    intake(c);
    c = command{};
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
  detail::this_worker() = {};
}

}  // namespace inflight
