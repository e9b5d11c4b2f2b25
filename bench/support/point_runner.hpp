#pragma once
// One sweep point: start a runtime model at a given concurrency, drive it closed or open loop for
// warm-up + duration, and measure what completed inside the window.
//
// Data path: run_point -> model (dispatcher fibers, threads, processes or a stealing pool) ->
// slot_limiter (open loop) -> handler (io_wait, cpu_work) -> latency_histogram -> point_result.

#include <fcntl.h>  // pipe2, O_CLOEXEC
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>  // PR_SET_PDEATHSIG
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/fiber/buffered_channel.hpp>
#include <chrono>
#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "inflight/inflight.hpp"
#include "support/affinity.hpp"
#include "support/measure.hpp"
#include "support/stealing_pool.hpp"
#include "support/sweep_options.hpp"

namespace inflight::bench {

using steady = std::chrono::steady_clock;

/// What one point measured. Counts cover the measured window only.
struct point_result {
  model which = model::fiber;
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
  std::uint64_t unstarted = 0;    // slots that never ran (no memory for their stack); in failed
  double cpu_seconds = 0;         // CPU time of the process (and its children) in the window
  double mean_occupancy = 0;      // open loop: mean slots in use, sampled every millisecond
  double max_arrival_lag_us = 0;  // open loop: how late the generator issued an arrival
};

/// Per-invocation ideal from Little's law: C / (W + c), capped by vCPUs / c; 0 when undefined.
inline double littles_ideal(const sweep_options& o, std::size_t in_flight, std::size_t vcpus) {
  const double w = std::chrono::duration<double>(o.io_wait.mean()).count();
  const double c = std::chrono::duration<double>(o.cpu_work.mean()).count();
  if (w + c <= 0) return 0;
  double ideal = static_cast<double>(in_flight) / (w + c);
  if (c > 0) ideal = std::min(ideal, static_cast<double>(vcpus) / c);
  if (o.mode == loop_mode::open) ideal = std::min(ideal, o.rate);
  return ideal;
}

namespace detail {

// Everything one slot (a fiber, thread or process loop) owns; touched by that slot only, until the
// point is over.
struct slot_state {
  std::mt19937_64 rng;
  std::vector<std::uint64_t> pending;  // latencies not yet flushed into a shard
  std::uint64_t completed = 0;
  std::uint64_t failed = 0;
};

// The window and the shared histograms of one point.
class point_context {
 public:
  point_context(const sweep_options& o, std::size_t slots, std::size_t shards)
      : options(o), slots_(slots), shards_(shards) {
    for (std::size_t i = 0; i < slots; ++i) {
      slots_[i].rng.seed(o.seed * 1'000'003 + i);
      slots_[i].pending.reserve(flush_at);
    }
    start = steady::now();
    window_start = start + o.warmup;
    window_end = window_start + o.duration;
  }

  slot_state& slot(std::size_t i) { return slots_[i]; }
  bool in_window(steady::time_point t) const { return t >= window_start && t < window_end; }

  // The handler: wait on simulated IO, then burn CPU. False when it threw.
  bool handled(slot_state& s) const {
    try {
      io_wait(options.io_wait(s.rng));
      cpu_work(options.cpu_work(s.rng));
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

  const sweep_options& options;
  steady::time_point start, window_start, window_end;

 private:
  static constexpr std::size_t flush_at = 256;
  struct shard {
    std::mutex mutex;
    latency_histogram histogram;
  };
  std::vector<slot_state> slots_;
  std::vector<shard> shards_;
};

// Waits for the window, reading process CPU at both ends; every 5 ms it samples `occupancy`
// (open loop) and tells `tick` the fraction of the point done.
inline void await_window(point_context& ctx, point_result& r,
                         const std::function<void(double)>& tick,
                         const std::function<double()>& occupancy = {}) {
  std::size_t samples = 0;
  auto sleep_until_or_tick = [&](steady::time_point until) {
    while (steady::now() < until) {
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
  sleep_until_or_tick(ctx.window_end);
  const auto cpu1 = process_cpu_time();
  r.window_s = std::chrono::duration<double>(ctx.window_end - ctx.window_start).count();
  r.cpu_seconds = std::chrono::duration<double>(cpu1 - cpu0).count();
  if (samples != 0) r.mean_occupancy /= static_cast<double>(samples);
}

inline std::vector<int> pinned_set(const sweep_options& o) {
  if (!o.pin) return {};
  const auto cpus = detect_vcpus().cpus;
  return {cpus.begin(), cpus.begin() + static_cast<std::ptrdiff_t>(o.vcpus)};
}

// An admitted open-loop arrival; holding `slot` keeps its limiter slot busy until it completes.
struct arrival {
  steady::time_point due;
  bool counted = false;
  slot_limiter::slot slot;
};

inline std::size_t next_pow2(std::size_t n) {
  std::size_t p = 2;
  while (p < n) p *= 2;
  return p;
}

// Issues arrivals at their scheduled times until the window ends; `admit` returns false for a
// throttle. Runs on a thread of its own with a 1 ns timer slack.
inline void generate_arrivals(point_context& ctx, point_result& r,
                              const std::function<bool(steady::time_point, bool)>& admit) {
  set_timer_slack(std::chrono::nanoseconds(1));
  std::mt19937_64 rng(ctx.options.seed ^ 0x9e3779b97f4a7c15ull);
  std::exponential_distribution<double> gap(ctx.options.rate);
  const double mean_gap = 1.0 / ctx.options.rate;
  auto due = ctx.start;
  double lag_max = 0;
  while (due < ctx.window_end) {
    const double g = ctx.options.arrivals == arrival_process::poisson ? gap(rng) : mean_gap;
    due = inflight::detail::deadline_after(
        due, inflight::detail::saturating_ns(std::chrono::duration<double>(g), "arrival gap"));
    if (due >= ctx.window_end) break;
    inflight::detail::sleep_thread_until(due);
    const bool counted = ctx.in_window(due);
    const auto now = steady::now();
    if (counted) {
      ++r.arrivals;
      lag_max = std::max(lag_max, static_cast<double>(ns_between(due, now)) / 1e3);
    }
    if (!admit(due, counted) && counted) ++r.throttled;
  }
  r.max_arrival_lag_us = lag_max;
}

// The open loop of the in-process models: arrivals admitted by a slot_limiter (a throttle when it
// is full) wait in a queue from which every slot pulls its next invocation, like a runtime asking
// /next. Each admitted arrival holds its limiter slot until it completes.
class open_loop {
 public:
  open_loop(point_context& ctx, point_result& r)
      : ctx_(ctx), r_(r), limiter_(r.in_flight), queue_(next_pow2(r.in_flight + 1)) {}

  // A slot's loop: serves arrivals until the queue closes. `run` wraps each invocation (the
  // dotnet model starts a task per invocation there).
  template <class Run>
  void serve(std::size_t i, Run&& run) {
    arrival a;
    while (queue_.pop(a) == boost::fibers::channel_op_status::success) {
      run([&] { ctx_.invoke(i, a.due, a.counted); });
      a.slot.reset();
    }
  }
  void serve(std::size_t i) {
    serve(i, [](auto&& invoke) { invoke(); });
  }

  // Ends every serve() loop without issuing arrivals: the model could not start.
  void close() { queue_.close(); }

  // Issues the arrivals through the window, then closes the queue; the slots drain it.
  void drive(const std::function<void(double)>& tick) {
    std::thread generator([this] {
      generate_arrivals(ctx_, r_, [this](steady::time_point due, bool counted) {
        auto slot = limiter_.try_acquire();
        if (!slot) return false;
        queue_.push(arrival{due, counted, std::move(slot)});
        return true;
      });
    });
    await_window(ctx_, r_, tick, [this] { return static_cast<double>(limiter_.in_use()); });
    generator.join();
    queue_.close();
  }

 private:
  point_context& ctx_;
  point_result& r_;
  slot_limiter limiter_;
  boost::fibers::buffered_channel<arrival> queue_;
};

// ---- the models -------------------------------------------------------------------------------

inline void run_dispatcher_model(point_context& ctx, point_result& r, std::size_t workers_per_vcpu,
                                 const std::function<void(double)>& tick) {
  dispatcher_options o;
  o.vcpus = r.vcpus;
  o.workers_per_vcpu = workers_per_vcpu;
  o.pin = ctx.options.pin;
  dispatcher d(o);
  r.workers = d.workers();
  r.threads = d.workers();
  if (ctx.options.mode == loop_mode::closed) {
    d.run_slots(r.in_flight, [&](std::size_t i) { ctx.invoke_closed(i); });
    await_window(ctx, r, tick);
    d.stop_slots();
  } else {
    open_loop loop(ctx, r);
    d.run_slots(r.in_flight, [&](std::size_t i) { loop.serve(i); });
    loop.drive(tick);
    d.stop_slots();
  }
  // A slot whose stack could not be mapped never ran: the point had fewer slots than it claims.
  r.unstarted = d.unstarted();
  r.failed += r.unstarted;
}

// Joins `threads` after telling them to stop, for a model that failed to start all of them.
inline void stop_and_join(std::vector<std::thread>& threads, std::atomic<bool>& stop,
                          std::optional<open_loop>& loop) {
  stop.store(true);
  if (loop) loop->close();
  for (auto& t : threads) t.join();
}

inline void run_thread_model(point_context& ctx, point_result& r,
                             const std::function<void(double)>& tick) {
  const auto cpus = pinned_set(ctx.options);
  std::optional<open_loop> loop;
  if (ctx.options.mode == loop_mode::open) loop.emplace(ctx, r);
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  r.threads = r.in_flight;
  try {
    for (std::size_t i = 0; i < r.in_flight; ++i) {
      threads.emplace_back([&, i] {
        pin_current_thread(cpus);
        if (loop) {
          loop->serve(i);
        } else {
          while (!stop.load(std::memory_order_relaxed)) ctx.invoke_closed(i);
        }
      });
    }
  } catch (const std::exception& e) {
    const std::size_t started = threads.size();
    stop_and_join(threads, stop, loop);
    throw std::runtime_error("java model: cannot start thread " + std::to_string(started + 1) +
                             " of " + std::to_string(r.in_flight) + ": " + e.what());
  }
  if (loop) {
    loop->drive(tick);
  } else {
    await_window(ctx, r, tick);
  }
  stop.store(true);
  for (auto& t : threads) t.join();
}

// dotnet: each invocation is a new task (fiber) on the stealing pool; rust: each slot is one
// long-lived task that moves between workers.
inline void run_stealing_model(point_context& ctx, point_result& r, bool task_per_invocation,
                               const std::function<void(double)>& tick) {
  stealing_pool pool(r.vcpus, pinned_set(ctx.options));
  r.workers = pool.threads();
  r.threads = pool.threads();
  std::optional<open_loop> loop;
  if (ctx.options.mode == loop_mode::open) loop.emplace(ctx, r);
  std::atomic<bool> stop{false};
  std::atomic<std::size_t> live{r.in_flight};
  auto run = [task_per_invocation](auto&& invocation) {
    if (!task_per_invocation) return invocation();
    boost::fibers::fiber task(std::ref(invocation));
    task.join();
  };
  for (std::size_t i = 0; i < r.in_flight; ++i) {
    pool.spawn([&, i] {
      if (loop) {
        loop->serve(i, run);
      } else {
        while (!stop.load(std::memory_order_relaxed)) {
          const auto begin = steady::now();  // before the task is created: .NET pays for it
          run([&ctx, i, begin] { ctx.invoke_closed(i, begin); });
        }
      }
      live.fetch_sub(1);
    });
  }
  if (loop) {
    loop->drive(tick);
  } else {
    await_window(ctx, r, tick);
  }
  stop.store(true);
  while (live.load() != 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

// python: one process per slot. slot_limiter is not process-shared, so the open loop admits with
// a counter in shared memory, and arrivals travel through one pipe that every child reads.
struct shared_process_state {
  std::atomic<std::uint64_t> in_use{0};
  struct child {
    std::atomic<std::uint64_t> failed{0};
    std::atomic<std::int64_t> cpu_ns{0};
  } children[1];  // sized at mmap time
};

inline void write_all(int fd, const void* data, std::size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n != 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w <= 0) return;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

// What the python model holds while it starts: on any failure (fork or pipe refused, say by
// `ulimit -u`) it kills and reaps the children already started, closes the pipes and unmaps.
struct process_model_resources {
  void* mem = MAP_FAILED;
  std::size_t bytes = 0;
  int work[2] = {-1, -1};
  std::vector<int> results;
  std::vector<pid_t> children;  // not yet reaped

  ~process_model_resources() {
    for (pid_t pid : children) ::kill(pid, SIGKILL);
    for (pid_t pid : children) ::waitpid(pid, nullptr, 0);
    for (int fd : results) ::close(fd);
    for (int fd : work) {
      if (fd >= 0) ::close(fd);
    }
    if (mem != MAP_FAILED) ::munmap(mem, bytes);
  }
  [[noreturn]] static void fail(const std::string& what) {
    throw std::runtime_error("python model: " + what + ": " + std::strerror(errno));
  }
};

inline void run_process_model(point_context& ctx, point_result& r,
                              const std::function<void(double)>& tick) {
  const std::size_t n = r.in_flight;
  process_model_resources res;
  res.bytes = sizeof(shared_process_state) + n * sizeof(shared_process_state::child);
  res.mem = mmap(nullptr, res.bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (res.mem == MAP_FAILED) res.fail("cannot map shared memory");
  auto* shared = new (res.mem) shared_process_state;
  for (std::size_t i = 0; i < n; ++i) new (&shared->children[i]) shared_process_state::child;
  const bool open = ctx.options.mode == loop_mode::open;
  int* work = res.work;
  if (open && pipe2(work, O_CLOEXEC) != 0) res.fail("cannot create a pipe");
  const auto cpus = pinned_set(ctx.options);
  std::vector<int>& results = res.results;
  std::vector<pid_t>& children = res.children;
  const pid_t parent = ::getpid();
  for (std::size_t i = 0; i < n; ++i) {
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) {
      res.fail("cannot create a pipe for process " + std::to_string(i + 1) + " of " +
               std::to_string(n));
    }
    const pid_t pid = fork();
    if (pid < 0) {
      const int err = errno;
      ::close(out[0]);
      ::close(out[1]);
      errno = err;
      res.fail("cannot start process " + std::to_string(i + 1) + " of " + std::to_string(n));
    }
    if (pid == 0) {
      // No child may outlive the sweep: the kernel kills it when the sweep dies, whatever kills
      // the sweep (a second Ctrl-C, SIGKILL, a crash). Checked after the call, in case the parent
      // died before it.
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) _exit(1);
      // Ctrl-C and SIGTERM are for the parent, which ends the point in order.
      signal(SIGINT, SIG_IGN);
      signal(SIGTERM, SIG_IGN);
      // The child: one invocation at a time; latencies go up the pipe, counts into shared memory.
      ::close(out[0]);
      if (open) ::close(work[1]);
      pin_current_thread(cpus);
      slot_state& s = ctx.slot(i);
      std::vector<std::uint64_t> batch;
      auto cpu_at_start = std::chrono::nanoseconds(-1);
      auto note_window = [&](steady::time_point t) {
        if (cpu_at_start.count() < 0 && t >= ctx.window_start) cpu_at_start = thread_cpu_time();
      };
      auto send = [&](std::uint64_t ns) {
        batch.push_back(ns);
        if (batch.size() == 512) {
          write_all(out[1], batch.data(), batch.size() * sizeof(std::uint64_t));
          batch.clear();
        }
      };
      // A counted invocation sends its latency from `from`, or counts a failure.
      auto record = [&](bool ok, steady::time_point from, steady::time_point done) {
        if (ok) {
          send(ns_between(from, done));
        } else {
          shared->children[i].failed.fetch_add(1);
        }
      };
      if (!open) {
        for (auto t = steady::now(); t < ctx.window_end; t = steady::now()) {
          note_window(t);
          const bool ok = ctx.handled(s);
          const auto done = steady::now();
          if (ctx.in_window(done)) record(ok, t, done);
        }
      } else {
        std::int64_t msg[2];
        while (::read(work[0], msg, sizeof(msg)) == static_cast<ssize_t>(sizeof(msg))) {
          const bool ok = ctx.handled(s);
          const auto done = steady::now();
          note_window(done);
          if (msg[1] != 0) record(ok, steady::time_point(steady::duration(msg[0])), done);
          shared->in_use.fetch_sub(1);
        }
      }
      if (cpu_at_start.count() >= 0) {
        shared->children[i].cpu_ns.store((thread_cpu_time() - cpu_at_start).count());
      }
      write_all(out[1], batch.data(), batch.size() * sizeof(std::uint64_t));
      _exit(0);
    }
    ::close(out[1]);
    results.push_back(out[0]);
    children.push_back(pid);
  }
  if (open) ::close(work[0]);
  r.processes = n;
  r.threads = n;
  // Read latencies while the children run, so no child blocks on a full pipe.
  latency_histogram& h = r.latency;
  std::thread reader([&] {
    std::vector<pollfd> fds;
    for (int fd : results) fds.push_back(pollfd{fd, POLLIN, 0});
    std::size_t open_fds = fds.size();
    std::vector<std::uint64_t> buf(4096);
    std::vector<std::vector<char>> rest(fds.size());
    while (open_fds != 0) {
      if (poll(fds.data(), fds.size(), 100) <= 0) continue;
      for (std::size_t k = 0; k < fds.size(); ++k) {
        if (fds[k].fd < 0 || (fds[k].revents & (POLLIN | POLLHUP)) == 0) continue;
        char* raw = reinterpret_cast<char*>(buf.data());
        std::size_t have = rest[k].size();
        std::copy(rest[k].begin(), rest[k].end(), raw);
        const ssize_t got = ::read(fds[k].fd, raw + have, buf.size() * 8 - have);
        if (got <= 0) {
          ::close(fds[k].fd);
          fds[k].fd = -1;
          --open_fds;
          continue;
        }
        have += static_cast<std::size_t>(got);
        const std::size_t whole = have / 8;
        for (std::size_t j = 0; j < whole; ++j) {
          std::uint64_t v;
          std::memcpy(&v, raw + j * 8, 8);
          h.record(v);
        }
        rest[k].assign(raw + whole * 8, raw + have);
      }
    }
  });
  auto children_cpu = [&] {
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i)
      sum += static_cast<double>(shared->children[i].cpu_ns.load());
    return sum / 1e9;
  };
  std::string failure;
  if (!open) {
    await_window(ctx, r, tick);
  } else {
    try {
      std::thread generator([&] {
        generate_arrivals(ctx, r, [&](steady::time_point due, bool counted) {
          std::uint64_t used = shared->in_use.load();
          do {
            if (used >= n) return false;
          } while (!shared->in_use.compare_exchange_weak(used, used + 1));
          const std::int64_t msg[2] = {due.time_since_epoch().count(), counted ? 1 : 0};
          write_all(work[1], msg, sizeof(msg));
          return true;
        });
      });
      await_window(ctx, r, tick, [&] { return static_cast<double>(shared->in_use.load()); });
      generator.join();
    } catch (const std::system_error& e) {
      failure = std::string("python model: cannot start the arrival generator: ") + e.what();
    }
    ::close(work[1]);  // the children read to the end and exit
    work[1] = -1;
  }
  for (pid_t pid : children) waitpid(pid, nullptr, 0);
  children.clear();
  reader.join();
  results.clear();  // the reader closed them
  if (!failure.empty()) throw std::runtime_error(failure);
  // Children measured their own CPU inside the window (from their first completion in it).
  r.cpu_seconds += children_cpu();
  r.completed = h.count();
  for (std::size_t i = 0; i < n; ++i) r.failed += shared->children[i].failed.load();
}

}  // namespace detail

/// Runs one point of the sweep. `tick` (optional) is called about every 5 ms with the fraction of
/// the point done. Throws std::runtime_error when the model cannot start.
inline point_result run_point(const sweep_options& o, model m, std::size_t per_vcpu,
                              const std::function<void(double)>& tick = {}) {
  point_result r;
  r.which = m;
  r.per_vcpu = per_vcpu;
  r.vcpus = o.vcpus;
  r.in_flight = per_vcpu * o.vcpus;
  const bool fibers = m == model::fiber || m == model::nodejs;
  detail::point_context ctx(o, r.in_flight, fibers ? r.vcpus * (m == model::nodejs ? 8 : 1) : 64);
  switch (m) {
    case model::fiber:
      detail::run_dispatcher_model(ctx, r, 1, tick);
      break;
    case model::nodejs:
      detail::run_dispatcher_model(ctx, r, 8, tick);
      break;
    case model::java:
      detail::run_thread_model(ctx, r, tick);
      break;
    case model::python:
      detail::run_process_model(ctx, r, tick);
      return r;
    case model::dotnet:
      detail::run_stealing_model(ctx, r, true, tick);
      break;
    case model::rust:
      detail::run_stealing_model(ctx, r, false, tick);
      break;
  }
  ctx.collect(r);
  return r;
}

}  // namespace inflight::bench
