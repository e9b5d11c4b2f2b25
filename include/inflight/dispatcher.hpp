#pragma once
// The thread-per-vCPU dispatcher: worker threads, each running many invocations as Boost.Fiber
// fibers, the way an LMI runtime runs many invocations per vCPU.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "detail/dispatch_worker.hpp"
#include "detail/unique_function.hpp"
#include "limits.hpp"
#include "topology.hpp"

namespace inflight {

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
  /// Called on the worker with each failed call's exception: a throw from a submitted call or a
  /// slot body, or, for a call that never ran because no fiber could be created, a
  /// std::runtime_error that says so. Empty by default. It must be safe to call from every worker
  /// at once; an exception it throws is dropped.
  std::function<void(std::exception_ptr)> on_failure;
};

/// Runs invocations on workers * vcpus OS threads, each with its own fiber scheduler; invocations
/// suspend in io_wait or in slot_limiter::acquire without blocking their worker.
///
/// Two ways in:
/// - submit(): one invocation; it runs on a pooled runner fiber of a worker chosen round-robin.
///   Callables may be move-only (a held slot_limiter::slot, a unique_ptr, a promise); one of up to
///   48 bytes is stored without a heap allocation.
/// - run_slots(): n long-lived slot fibers that loop over body(slot) until stop_slots(), the closed
///   loop of an execution environment; no allocation per call.
///
/// The try_acquire / 429 pattern, with the slot moved into the call:
///
///     if (auto slot = limiter.try_acquire()) {
///       d.submit([slot = std::move(slot)] { handle(); });  // released when the call ends
///     } else {
///       reply_429();
///     }
///
/// The closed loop of an environment, 128 slots on 2 vCPUs:
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
/// turns: a slot whose body never suspends gives way when another fiber of its worker is ready
/// and it has run for a time slice (about 20 us, or one call when a call takes longer), and at
/// least every 64 calls so that due timers fire. Control calls (run_slots,
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

  /// Queues one invocation, any callable invocable as fn() (move-only ones too), on the next
  /// worker; false once stop() has begun. May block briefly when that worker's inbox (1024
  /// entries) is full. The callable is destroyed on its worker as its call ends.
  template <class Fn>
  bool submit(Fn&& invocation);
  /// Starts n slot fibers; slot i lives on worker i mod workers(). Each calls body(i) again and
  /// again until stop_slots(); each return counts as completed, each throw as failed. `body` may
  /// be move-only; every slot calls the same object, from several workers at once.
  /// Throws std::logic_error while slots are already running, after stop(), or on a worker.
  template <class Body>
  void run_slots(std::size_t n, Body&& body);
  /// Asks the slots to stop and returns once every slot fiber has finished its current call.
  /// Throws std::logic_error on a worker.
  void stop_slots();
  /// Returns once every submitted invocation has finished and its callable is destroyed. Throws
  /// std::logic_error on a worker.
  void drain();
  /// stop_slots(), drain(), then joins the workers; nothing in flight is lost. Idempotent.
  /// Throws std::logic_error on a worker.
  void stop();

  std::size_t workers() const noexcept { return workers_.size(); }
  std::size_t vcpus() const noexcept { return vcpus_; }
  /// The CPUs the workers are pinned to, in worker order (empty when not pinned).
  const std::vector<int>& pinned_cpus() const noexcept { return pinned_cpus_; }
  /// Slot fibers currently running.
  std::size_t slots_running() const noexcept { return state_.slots_running.load(); }
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
  bool post(detail::unique_function<void()> invocation);
  void start_slots(std::size_t n, std::shared_ptr<detail::unique_function<void(std::size_t)>> body);
  void refuse_on_worker(const char* call) const;
  template <class Sum>
  std::uint64_t sum(Sum of) const noexcept;

  std::size_t vcpus_ = 0;
  std::vector<int> pinned_cpus_;
  detail::dispatch_state state_;
  std::vector<std::unique_ptr<detail::dispatch_worker>> workers_;
  std::atomic<bool> stopping_{false};
  bool stopped_ = false;
  std::atomic<std::size_t> next_worker_{0};
  std::atomic<std::uint64_t> submitted_{0};
  std::mutex control_mutex_;  // serialises run_slots, stop_slots and stop
};

/// No dispatcher worker: what current_worker() returns elsewhere.
inline constexpr std::size_t no_worker = std::numeric_limits<std::size_t>::max();

/// On a dispatcher worker (in a slot, a submitted call, or anything they call): that worker's
/// index, 0..workers()-1, in the dispatcher that runs the calling fiber; no_worker elsewhere.
/// Per-worker state (one latency_histogram per worker, say) needs no lock:
///
///     std::vector<inflight::latency_histogram> per_worker(d.workers());
///     d.run_slots(64, [&](std::size_t) { per_worker[inflight::current_worker()].record(...); });
inline std::size_t current_worker() noexcept {
  const auto& id = detail::this_worker();
  return id.owner != nullptr ? id.index : no_worker;
}

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
  state_.on_failure = std::move(options.on_failure);
  const std::size_t n = vcpus_ * options.workers_per_vcpu;
  workers_.reserve(n);
  try {
    for (std::size_t i = 0; i < n; ++i) {
      const int cpu = options.pin ? info.cpus[i % vcpus_] : -1;
      if (options.pin) pinned_cpus_.push_back(cpu);
      workers_.push_back(
          std::make_unique<detail::dispatch_worker>(state_, this, i, options.stack_size));
      workers_.back()->start(cpu, options.timer_slack);
    }
  } catch (...) {
    stop();
    throw;
  }
}

template <class Fn>
bool dispatcher::submit(Fn&& invocation) {
  return post(detail::unique_function<void()>(std::forward<Fn>(invocation)));
}

inline bool dispatcher::post(detail::unique_function<void()> invocation) {
  state_.outstanding.fetch_add(1);
  if (stopping_.load()) {
    invocation = nullptr;  // destroyed before drain() can return
    state_.finished_invocation();
    return false;
  }
  submitted_.fetch_add(1, std::memory_order_relaxed);
  const std::size_t w = next_worker_.fetch_add(1, std::memory_order_relaxed) % workers_.size();
  if (!workers_[w]->post(detail::dispatch_command{std::move(invocation), nullptr, 0, 1, 0})) {
    submitted_.fetch_sub(1, std::memory_order_relaxed);
    state_.finished_invocation();
    return false;
  }
  return true;
}

inline void dispatcher::refuse_on_worker(const char* call) const {
  if (detail::this_worker().owner == this) {
    throw std::logic_error(std::string("dispatcher::") + call +
                           " on one of the dispatcher's own workers would wait for itself");
  }
}

template <class Body>
void dispatcher::run_slots(std::size_t n, Body&& body) {
  start_slots(
      n, std::make_shared<detail::unique_function<void(std::size_t)>>(std::forward<Body>(body)));
}

inline void dispatcher::start_slots(
    std::size_t n, std::shared_ptr<detail::unique_function<void(std::size_t)>> body) {
  refuse_on_worker("run_slots");
  std::lock_guard<std::mutex> control(control_mutex_);
  if (stopping_.load()) throw std::logic_error("dispatcher::run_slots after stop()");
  if (state_.slots_running.load() != 0) {
    throw std::logic_error("dispatcher::run_slots while slots run; call stop_slots() first");
  }
  state_.slots_stop.store(false);
  state_.slots_running.store(n);
  // One command per worker, however many slots: run_slots never waits on a full inbox.
  const std::size_t w = std::min(n, workers_.size());
  for (std::size_t i = 0; i < w; ++i) {
    workers_[i]->post(detail::dispatch_command{nullptr, body, i, workers_.size(), n});
  }
}

inline void dispatcher::stop_slots() {
  refuse_on_worker("stop_slots");
  std::lock_guard<std::mutex> control(control_mutex_);
  state_.slots_stop.store(true);
  std::unique_lock<std::mutex> lock(state_.idle_mutex);
  state_.idle.wait(lock, [this] { return state_.slots_running.load() == 0; });
}

inline void dispatcher::drain() {
  refuse_on_worker("drain");
  std::unique_lock<std::mutex> lock(state_.idle_mutex);
  state_.idle.wait(lock, [this] { return state_.outstanding.load() == 0; });
}

inline void dispatcher::stop() {
  refuse_on_worker("stop");
  stop_slots();
  std::lock_guard<std::mutex> control(control_mutex_);
  if (stopped_) return;
  // Order matters: once stopping_ is set, no submit() adds work, so outstanding only falls.
  stopping_.store(true);
  drain();
  for (auto& w : workers_) w->close_and_join();
  stopped_ = true;
}

template <class Sum>
std::uint64_t dispatcher::sum(Sum of) const noexcept {
  std::uint64_t total = 0;
  for (const auto& w : workers_) total += of(*w);
  return total;
}

inline std::uint64_t dispatcher::completed() const noexcept {
  return sum([](const detail::dispatch_worker& w) { return w.completed(); });
}

inline std::uint64_t dispatcher::failed() const noexcept {
  return sum([](const detail::dispatch_worker& w) { return w.failed(); });
}

inline std::uint64_t dispatcher::unstarted() const noexcept {
  return sum([](const detail::dispatch_worker& w) { return w.unstarted(); });
}

}  // namespace inflight
