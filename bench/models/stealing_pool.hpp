#pragma once
// A work-stealing fiber pool: the model of runtimes whose tasks move between worker threads
// (.NET's thread pool, Tokio). Used by inflight_sweep's dotnet and rust models only.
//
// Boost.Fiber's own work_stealing keeps its registry of schedulers in process-wide statics,
// initialised once with the first thread count, so a sweep cannot build pools of 1, then 2, then
// 4 threads in one process. This algorithm keeps its registry in the pool object instead. Ready
// fibers are detached from their thread while queued and attached to whichever thread runs them;
// pinned contexts (each thread's main and dispatcher fibers) are never stolen. An idle thread
// sleeps in inflight's idle_waiter until its next timer or until a busy thread with queued work
// wakes it.

#include <atomic>
#include <boost/fiber/algo/algorithm.hpp>
#include <boost/fiber/all.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "inflight/detail/idle_waiter.hpp"
#include "inflight/io_wait.hpp"
#include "support/affinity.hpp"

namespace inflight::bench {

class stealing_pool {
 public:
  /// Starts `threads` workers; when `cpus` is not empty every worker may run on those CPUs only.
  /// Throws std::system_error when a thread cannot start (the others are ended first).
  stealing_pool(std::size_t threads, const std::vector<int>& cpus);
  ~stealing_pool();
  stealing_pool(const stealing_pool&) = delete;
  stealing_pool& operator=(const stealing_pool&) = delete;

  /// Starts a fiber running fn on the pool (first on worker 0, from where others steal it).
  void spawn(std::function<void()> fn) { inbox_.push(std::move(fn)); }
  std::size_t threads() const noexcept { return threads_.size(); }

 private:
  class algorithm;
  void run(std::size_t index, const std::vector<int>& cpus);
  void shut_down();

  // Each worker's algorithm registers itself here; thieves skip empty entries, and nobody steals
  // once stop_stealing_ is set, so a worker may exit once every worker has seen it.
  std::unique_ptr<std::atomic<algorithm*>[]> registry_;
  std::size_t size_ = 0;
  std::atomic<std::size_t> registered_{0};
  std::atomic<bool> stop_stealing_{false};
  std::atomic<std::size_t> exiting_{0};
  std::atomic<int> sleepers_{0};
  boost::fibers::buffered_channel<std::function<void()>> inbox_{1024};
  std::vector<std::thread> threads_;
  boost::fibers::mutex done_mutex_;
  boost::fibers::condition_variable done_cv_;
  bool done_ = false;
};

class stealing_pool::algorithm final : public boost::fibers::algo::algorithm {
 public:
  algorithm(stealing_pool& pool, std::size_t index) : pool_(pool), index_(index) {
    pool_.registry_[index_].store(this);
    pool_.registered_.fetch_add(1);
  }

  void awakened(boost::fibers::context* ctx) noexcept override {
    if (!ctx->is_context(boost::fibers::type::pinned_context)) ctx->detach();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back(ctx);
    }
    // Pairs with the sleepers_ increment in suspend_until(): either this load sees the thread
    // going idle, or that thread's last look at the queues sees this fiber.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (pool_.sleepers_.load(std::memory_order_seq_cst) > 0) wake_one_other();
  }

  boost::fibers::context* pick_next() noexcept override {
    boost::fibers::context* ctx = nullptr;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!queue_.empty()) {
        ctx = queue_.front();
        queue_.pop_front();
      }
    }
    if (ctx == nullptr) ctx = steal_from_others();
    if (ctx != nullptr && !ctx->is_context(boost::fibers::type::pinned_context)) {
      boost::fibers::context::active()->attach(ctx);
    }
    return ctx;
  }

  bool has_ready_fibers() const noexcept override {
    std::lock_guard<std::mutex> lock(mutex_);
    return !queue_.empty();
  }

  void suspend_until(std::chrono::steady_clock::time_point const& deadline) noexcept override {
    // Announce going idle first, then look at the other queues once more: a busy thread that
    // queued a fiber before our announcement is seen here, one after it sees us and wakes us.
    pool_.sleepers_.fetch_add(1, std::memory_order_seq_cst);
    idle_.store(true, std::memory_order_seq_cst);
    if (!others_have_work()) waiter_.sleep_until(deadline);  // else pick_next() steals it
    idle_.store(false, std::memory_order_relaxed);
    pool_.sleepers_.fetch_sub(1);
  }

  void notify() noexcept override { waiter_.notify(); }

 private:
  boost::fibers::context* steal() noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = queue_.rbegin(); it != queue_.rend(); ++it) {
      if (!(*it)->is_context(boost::fibers::type::pinned_context)) {
        boost::fibers::context* ctx = *it;
        queue_.erase(std::next(it).base());
        return ctx;
      }
    }
    return nullptr;
  }

  bool has_stealable() const noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto* ctx : queue_) {
      if (!ctx->is_context(boost::fibers::type::pinned_context)) return true;
    }
    return false;
  }

  bool others_have_work() const noexcept {
    if (pool_.stop_stealing_.load()) return false;
    for (std::size_t k = 1; k < pool_.size_; ++k) {
      algorithm* other = pool_.registry_[(index_ + k) % pool_.size_].load();
      if (other != nullptr && other->has_stealable()) return true;
    }
    return false;
  }

  boost::fibers::context* steal_from_others() noexcept {
    if (pool_.stop_stealing_.load()) return nullptr;
    const std::size_t n = pool_.size_;
    for (std::size_t k = 1; k < n; ++k) {
      algorithm* victim = pool_.registry_[(index_ + k) % n].load();
      if (victim == nullptr) continue;
      if (auto* ctx = victim->steal()) return ctx;
    }
    return nullptr;
  }

  void wake_one_other() noexcept {
    if (pool_.stop_stealing_.load()) return;
    const std::size_t n = pool_.size_;
    for (std::size_t k = 1; k < n; ++k) {
      algorithm* other = pool_.registry_[(index_ + k) % n].load();
      // idle_ covers a thread between its announcement and its futex wait: notify() then makes
      // its next sleep return at once, so it looks again instead of sleeping.
      if (other != nullptr && other->idle_.load(std::memory_order_seq_cst)) {
        other->notify();
        return;
      }
    }
  }

  stealing_pool& pool_;
  const std::size_t index_;
  mutable std::mutex mutex_;
  std::deque<boost::fibers::context*> queue_;
  inflight::detail::idle_waiter waiter_;
  std::atomic<bool> idle_{false};  // from the sleepers_ announcement until back at work
};

inline stealing_pool::stealing_pool(std::size_t threads, const std::vector<int>& cpus)
    : registry_(new std::atomic<algorithm*>[threads]), size_(threads) {
  for (std::size_t i = 0; i < threads; ++i) registry_[i].store(nullptr);
  try {
    for (std::size_t i = 0; i < threads; ++i) {
      threads_.emplace_back([this, i, cpus] { run(i, cpus); });
    }
  } catch (...) {
    // A thread could not start (ulimit -u, say): end the ones that did, then report it.
    shut_down();
    throw;
  }
  while (registered_.load() < threads) std::this_thread::yield();
}

inline stealing_pool::~stealing_pool() { shut_down(); }

inline void stealing_pool::shut_down() {
  inbox_.close();
  stop_stealing_.store(true);
  {
    std::lock_guard<boost::fibers::mutex> lock(done_mutex_);
    done_ = true;
  }
  done_cv_.notify_all();
  for (auto& t : threads_) t.join();
}

inline void stealing_pool::run(std::size_t index, const std::vector<int>& cpus) {
  pin_current_thread(cpus);
  set_timer_slack(std::chrono::nanoseconds(1));
  boost::fibers::use_scheduling_algorithm<algorithm>(*this, index);
  if (index == 0) {
    std::function<void()> fn;
    while (inbox_.pop(fn) == boost::fibers::channel_op_status::success) {
      boost::fibers::fiber(std::move(fn)).detach();
    }
  }
  {
    std::unique_lock<boost::fibers::mutex> lock(done_mutex_);
    done_cv_.wait(lock, [this] { return done_; });
  }
  // This main fiber runs, so this thread is not inside a steal; once every worker got here after
  // stop_stealing_ was set, no steal is under way anywhere and each may destroy its scheduler.
  // Every started thread registers before it gets here, and none registers after stop_stealing_,
  // so registered_ counts the threads to wait for (fewer than size_ if a start failed).
  exiting_.fetch_add(1);
  while (exiting_.load() < registered_.load()) std::this_thread::yield();
  registry_[index].store(nullptr);
}

}  // namespace inflight::bench
