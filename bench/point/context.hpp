#pragma once
// The window and the shared counters of one point (point_context): what every subject runs its
// slots against. Each slot records its invocations in a state of its own and flushes latencies
// into a shard every 256 calls; the runner reads the invocation threads' CPU through it.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>
#include <vector>

#include "inflight/histogram.hpp"
#include "point/second_series.hpp"
#include "point/spec.hpp"
#include "support/cpu_accounting.hpp"
#include "support/measure.hpp"

namespace inflight::bench {

namespace detail {

// Everything one slot (a fiber, thread or process loop) owns; touched by that slot only, until the
// point is over.
struct slot_state {
  std::mt19937_64 rng;
  std::vector<std::uint64_t> pending;          // latencies not yet flushed into a shard
  std::vector<std::uint32_t> pending_seconds;  // open loop: the second each of them arrived in
  std::uint64_t completed = 0;
  std::uint64_t failed = 0;
};

/// The window and the shared histograms of one point; what every model runs its slots against.
class point_context {
 public:
  point_context(const point_spec& s, const point_handler& h, std::size_t shards)
      : spec(s),
        handler(h),
        slots_(s.in_flight()),
        shards_(shards),
        open_(s.mode == loop_mode::open),
        seconds_(open_ ? s.duration : std::chrono::nanoseconds(0)) {
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      slots_[i].rng.seed(s.seed * 1'000'003 + i);
      slots_[i].pending.reserve(flush_at);
      if (open_) slots_[i].pending_seconds.reserve(flush_at);
    }
    start = steady::now();
    window_start = start + s.warmup;
    window_end = window_start + s.duration;
  }

  slot_state& slot(std::size_t i) { return slots_[i]; }

  // Starts the point's clock again at `t` (an exec point, once its runtime is ready).
  void restart_clock(steady::time_point t) {
    start = t;
    window_start = start + spec.warmup;
    window_end = window_start + spec.duration;
  }

  // Registers the calling thread as one that runs invocations, once per thread and point (a
  // thread-local compare on every later call), so the window counts its CPU as the model's.
  void note_thread() {
    thread_local const point_context* noted = nullptr;
    if (noted == this) return;
    noted = this;
    const pid_t tid = current_tid();
    const auto base =
        steady::now() >= window_start ? thread_cpu_time_of(tid) : std::chrono::nanoseconds(-1);
    std::lock_guard<std::mutex> lock(threads_mutex_);
    threads_.push_back({tid, base});
  }

  // At the window's start: each known thread's CPU so far (later threads bring their own).
  void mark_thread_cpu() {
    std::lock_guard<std::mutex> lock(threads_mutex_);
    for (auto& t : threads_) t.base = thread_cpu_time_of(t.tid);
  }

  // The CPU the invocation threads used since mark_thread_cpu() (or since they joined).
  double thread_cpu_since_mark() {
    std::lock_guard<std::mutex> lock(threads_mutex_);
    std::chrono::nanoseconds sum{0};
    for (const auto& t : threads_) {
      const auto now = thread_cpu_time_of(t.tid);
      if (now.count() >= 0 && t.base.count() >= 0) sum += now - t.base;
    }
    return std::chrono::duration<double>(sum).count();
  }
  bool in_window(steady::time_point t) const { return t >= window_start && t < window_end; }

  // One invocation of the handler; false when it threw.
  bool handled(slot_state& s) {
    note_thread();
    try {
      handler(s.rng);
      return true;
    } catch (...) {
      return false;
    }
  }

  // Open loop: runs one invocation that was due at `due`, counted if it arrived in the window.
  void invoke(std::size_t i, steady::time_point due, bool counted) {
    const bool ok = handled(slots_[i]);
    if (counted) record(i, ok, due, steady::now());
  }

  // Closed loop: the invocation counts when it completes inside the window. `begin` is when the
  // runtime started the invocation (before any task creation the model pays for).
  void invoke_closed(std::size_t i, steady::time_point begin = steady::now()) {
    const bool ok = handled(slots_[i]);
    const auto done = steady::now();
    if (in_window(done)) record(i, ok, begin, done);
  }

  // A counted invocation: an open loop's `from` is its arrival's due time, in the window.
  void record(std::size_t i, bool ok, steady::time_point from, steady::time_point done) {
    slot_state& s = slots_[i];
    if (!ok) {
      ++s.failed;
      if (open_) seconds_.failed(second_index(from, window_start));
      return;
    }
    ++s.completed;
    s.pending.push_back(ns_between(from, done));
    if (open_)
      s.pending_seconds.push_back(static_cast<std::uint32_t>(second_index(from, window_start)));
    if (s.pending.size() >= flush_at) flush(i);
  }

  void flush(std::size_t i) {
    slot_state& s = slots_[i];
    {
      shard& sh = shards_[i % shards_.size()];
      std::lock_guard<std::mutex> lock(sh.mutex);
      for (auto v : s.pending) sh.histogram.record(v);
    }
    if (open_) seconds_.record(s.pending.data(), s.pending_seconds.data(), s.pending.size());
    s.pending.clear();
    s.pending_seconds.clear();
  }

  // Open loop: the latencies of each second, for a subject that records without a slot (the
  // python model's reader).
  second_latencies& seconds() { return seconds_; }

  // After every slot stopped: gathers the counts into `r`.
  void collect(point_result& r) {
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      flush(i);
      r.completed += slots_[i].completed;
      r.failed += slots_[i].failed;
    }
    for (auto& sh : shards_) r.latency.merge(sh.histogram);
    if (open_) seconds_.collect(spec, spec.duration, r.seconds);
  }

  const point_spec& spec;
  const point_handler& handler;
  steady::time_point start, window_start, window_end;
  pid_t runtime_group = 0;  // an exec point's runtime: its CPU is the point's, not "others"

 private:
  static constexpr std::size_t flush_at = 256;
  struct shard {
    std::mutex mutex;
    latency_histogram histogram;
  };
  struct invocation_thread {
    pid_t tid;
    std::chrono::nanoseconds base;  // CPU at the window's start; -1 when unknown
  };
  std::vector<slot_state> slots_;
  std::vector<shard> shards_;
  bool open_;
  second_latencies seconds_;
  std::mutex threads_mutex_;
  std::vector<invocation_thread> threads_;
};

}  // namespace detail

}  // namespace inflight::bench
