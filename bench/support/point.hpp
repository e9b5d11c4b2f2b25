#pragma once
// One sweep point, whatever model runs it: what it is asked (point_spec), the handler under test,
// the measurement window with its counters and per-slot latencies (point_context), and what it
// measured (point_result). The models in bench/models/ run their slots against a point_context.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "inflight/histogram.hpp"
#include "support/cpu_accounting.hpp"
#include "support/load_profile.hpp"
#include "support/measure.hpp"

namespace inflight::bench {

using steady = std::chrono::steady_clock;

/// What an exec point runs: the user's runtime process, driven through a local Runtime API
/// (bench/models/exec.hpp) instead of an in-process handler.
struct exec_spec {
  std::vector<std::string> argv;                         // the command's words; argv[0] as given
  std::string path;                                      // argv[0] resolved for execve
  std::string label;                                     // the points' name: exec:LABEL/...
  std::string cwd;                                       // absolute; LAMBDA_TASK_ROOT
  std::vector<std::string> events;                       // payloads, round robin
  std::vector<std::pair<std::string, std::string>> env;  // --env, over LMI's variables
  std::chrono::milliseconds deadline{3000};              // Lambda-Runtime-Deadline-Ms
  std::chrono::nanoseconds init_timeout{std::chrono::seconds(10)};
};

/// What a point runs: its concurrency, where, and how load arrives.
struct point_spec {
  std::size_t vcpus = 1;     // modelled vCPUs
  std::size_t per_vcpu = 1;  // concurrency per vCPU
  std::vector<int> cpus;     // the CPUs to run on; empty: not pinned
  loop_mode mode = loop_mode::closed;
  double rate = 0;  // open loop: arrivals per second in total
  arrival_process arrivals = arrival_process::poisson;
  std::chrono::nanoseconds warmup{0}, duration{std::chrono::seconds(1)};
  std::uint64_t seed = 1;
  std::size_t stack_size = 128 * 1024;    // each fiber's stack, for the fiber-based models
  std::shared_ptr<const exec_spec> exec;  // an exec point's runtime; null for the models
  // True once the sweep was asked to stop (Ctrl-C, SIGTERM): an exec point's waits for its
  // runtime's init and drain end then. Empty: never.
  std::function<bool()> stop_requested;

  std::size_t in_flight() const { return per_vcpu * vcpus; }
  bool pinned() const { return !cpus.empty(); }
};

/// One invocation of the handler under test, given its slot's random generator (seeded per
/// slot, so one seed reproduces a run). A throw counts the invocation as failed.
using point_handler = std::function<void(std::mt19937_64&)>;

/// How far the point has got, 0..1, reported about every 5 ms.
using progress = std::function<void(double)>;

/// What one point measured. Counts cover the measured window only.
struct point_result {
  std::size_t per_vcpu = 0;
  std::size_t vcpus = 0;
  std::size_t in_flight = 0;  // the concurrency cap: per_vcpu * vcpus
  std::size_t workers = 0;    // fiber workers (dispatcher or stealing pool threads)
  std::size_t threads = 0;    // OS threads running invocations
  std::size_t processes = 0;  // child processes running invocations
  latency_histogram latency;
  double window_s = 0;
  std::uint64_t completed = 0;
  std::uint64_t failed = 0;
  std::uint64_t throttled = 0;
  std::uint64_t arrivals = 0;
  std::uint64_t unstarted = 0;  // slots that never ran (no memory for their stack); in failed
  // CPU in the window, in seconds. model: the threads (or processes) that ran invocations;
  // process: this whole process; others: every other process; steal: the hypervisor's.
  double model_cpu_seconds = 0;
  double process_cpu_seconds = 0;
  double children_cpu_seconds = 0;  // the python model's processes (also in model_cpu_seconds)
  double others_cpu_seconds = 0;    // every other process on the point's CPUs
  double steal_seconds = 0;
  std::size_t cpus = 0;           // how many CPUs the point ran on
  double floor_p99_us = 0;        // the timer floor's p99, the worse of a probe before and after
  double mean_occupancy = 0;      // open loop: mean slots in use, sampled every millisecond
  latency_histogram arrival_lag;  // open loop: how late the generator issued each arrival
  // Exec points only (bench/models/exec.hpp): the real runtime and the Runtime API server.
  bool exec = false;
  double runtime_cpu_seconds = 0;  // the runtime's process group, in the window
  double server_cpu_seconds = 0;   // the Runtime API server's thread, in the window
  double init_ms = 0;              // runtime start to its first GET /next
  double rss_init_mb = 0, rss_peak_mb = 0;
  std::uint64_t issued = 0;  // invocations made available in the window
  std::uint64_t errors = 0, deadline_overruns = 0, timeouts = 0;
  std::map<std::string, std::uint64_t> error_types;  // errorType -> count; "others" past 16
  std::string unmeasured;           // why the runtime's CPU and memory are unknown (NaN), or empty
  bool server_shares_cpus = false;  // no CPU outside the point's: the server ran among them
};

namespace detail {

// Everything one slot (a fiber, thread or process loop) owns; touched by that slot only, until the
// point is over.
struct slot_state {
  std::mt19937_64 rng;
  std::vector<std::uint64_t> pending;  // latencies not yet flushed into a shard
  std::uint64_t completed = 0;
  std::uint64_t failed = 0;
};

/// The window and the shared histograms of one point; what every model runs its slots against.
class point_context {
 public:
  point_context(const point_spec& s, const point_handler& h, std::size_t shards)
      : spec(s), handler(h), slots_(s.in_flight()), shards_(shards) {
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      slots_[i].rng.seed(s.seed * 1'000'003 + i);
      slots_[i].pending.reserve(flush_at);
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

  void record(std::size_t i, bool ok, steady::time_point from, steady::time_point done) {
    slot_state& s = slots_[i];
    if (!ok) {
      ++s.failed;
      return;
    }
    ++s.completed;
    s.pending.push_back(ns_between(from, done));
    if (s.pending.size() >= flush_at) flush(i);
  }

  void flush(std::size_t i) {
    slot_state& s = slots_[i];
    shard& sh = shards_[i % shards_.size()];
    std::lock_guard<std::mutex> lock(sh.mutex);
    for (auto v : s.pending) sh.histogram.record(v);
    s.pending.clear();
  }

  // After every slot stopped: gathers the counts into `r`.
  void collect(point_result& r) {
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      flush(i);
      r.completed += slots_[i].completed;
      r.failed += slots_[i].failed;
    }
    for (auto& sh : shards_) r.latency.merge(sh.histogram);
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
  std::mutex threads_mutex_;
  std::vector<invocation_thread> threads_;
};

// Waits for the window, reading at both ends the invocation threads' CPU, the process's, every
// other process's, and /proc/stat's steal for the point's CPUs; every 5 ms it samples `occupancy`
// (open loop) and tells `tick` the fraction of the point done.
//
// `stop` (optional) ends the wait early when it returns true (an exec point's runtime died);
// `mark` (optional) runs right after the readings at the window's start (false) and end (true).
inline void await_window(point_context& ctx, point_result& r,
                         const std::function<void(double)>& tick,
                         const std::function<double()>& occupancy = {},
                         const std::function<bool()>& stop = {},
                         const std::function<void(bool)>& mark = {}) {
  std::size_t samples = 0;
  auto sleep_until_or_tick = [&](steady::time_point until) {
    while (steady::now() < until) {
      if (stop && stop()) return;
      std::this_thread::sleep_until(std::min(until, steady::now() + std::chrono::milliseconds(5)));
      if (occupancy && ctx.in_window(steady::now())) {
        r.mean_occupancy += occupancy();
        ++samples;
      }
      if (tick) {
        const double total = std::chrono::duration<double>(ctx.window_end - ctx.start).count();
        tick(std::chrono::duration<double>(steady::now() - ctx.start).count() / total);
      }
    }
  };
  sleep_until_or_tick(ctx.window_start);
  const auto cpu0 = process_cpu_time();
  const double steal0 = read_steal_seconds(ctx.spec.cpus);
  const auto others0 = other_processes_cpu(ctx.runtime_group);
  ctx.mark_thread_cpu();
  if (mark) mark(false);
  sleep_until_or_tick(ctx.window_end);
  const auto cpu1 = process_cpu_time();
  const double steal1 = read_steal_seconds(ctx.spec.cpus);
  if (mark) mark(true);
  const auto others1 = other_processes_cpu(ctx.runtime_group);
  r.others_cpu_seconds = others0 && others1
                             ? cpu_used_between(*others0, *others1, ctx.spec.cpus)
                             : std::numeric_limits<double>::quiet_NaN();  // /proc unreadable
  r.model_cpu_seconds = ctx.thread_cpu_since_mark();
  r.window_s = std::chrono::duration<double>(ctx.window_end - ctx.window_start).count();
  r.process_cpu_seconds = std::chrono::duration<double>(cpu1 - cpu0).count();
  r.steal_seconds = steal1 - steal0;
  if (samples != 0) r.mean_occupancy /= static_cast<double>(samples);
}

}  // namespace detail

}  // namespace inflight::bench
