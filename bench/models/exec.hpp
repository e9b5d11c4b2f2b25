#pragma once
// The exec "model": not a model at all, but the user's own function in its real runtime. Each
// point starts the runtime process (runtime_api/runtime_process.hpp) with the variables LMI sets,
// serves it the Runtime API (runtime_api/server.hpp) and drives it: a closed loop keeps C
// invocations outstanding, an open loop offers arrivals at --rate and throttles those beyond C
// (LMI's 429). Latency runs from an invocation's availability (closed) or scheduled arrival (open)
// to its response POST. The point ends the runtime's whole process group.
//
// Data path: run_exec_model -> runtime process <-> Runtime API server (its thread runs the load)
// -> latency_histogram -> point_result.

#include <atomic>
#include <chrono>
#include <ctime>
#include <limits>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "runtime_api/runtime_log.hpp"
#include "runtime_api/runtime_process.hpp"
#include "runtime_api/server.hpp"
#include "support/affinity.hpp"
#include "support/point.hpp"

namespace inflight::bench::detail {

// The point's load, run on the server's thread.
class exec_load final : public runtime_api::load {
 public:
  exec_load(point_context& ctx, point_result& r) : ctx_(ctx), r_(r), c_(r.in_flight) {}

  // Server thread: the runtime's first poll ends its init.
  void polled(runtime_api::server&, steady::time_point t) override {
    if (!ready_.load(std::memory_order_relaxed)) {
      first_poll_ = t;
      ready_.store(true, std::memory_order_release);
    }
  }
  void init_error(runtime_api::server&, const std::string& type) override {
    std::lock_guard<std::mutex> lock(mutex_);
    init_error_ = type.empty() ? "Unknown" : type;
    init_failed_.store(true);
  }

  // Server thread, once the window's clock is set: C invocations, or the first arrival.
  void begin(runtime_api::server& s) {
    const auto now = steady::now();
    if (ctx_.spec.mode == loop_mode::closed) {
      for (std::size_t i = 0; i < c_; ++i) submit(s, now);
    } else {
      rng_.seed(ctx_.spec.seed ^ 0x9e3779b97f4a7c15ull);
      due_ = ctx_.start;
      advance();
      s.wake_at(due_);
    }
  }

  void woke(runtime_api::server& s, steady::time_point now) override {
    while (due_ <= now && due_ < ctx_.window_end) {
      const bool counted = ctx_.in_window(due_);
      if (counted) {
        ++r_.arrivals;
        r_.arrival_lag.record(ns_between(due_, now));
      }
      if (s.outstanding() >= c_) {
        if (counted) ++r_.throttled;
      } else {
        submit(s, due_);
      }
      advance();
    }
    if (due_ < ctx_.window_end) s.wake_at(due_);
    occupancy_.store(s.outstanding(), std::memory_order_relaxed);
  }

  void ended(runtime_api::server& s, const runtime_api::finished& f) override {
    if (f.counted) {
      const bool ok = f.how == runtime_api::outcome::response;
      ctx_.record(0, ok, f.from, f.done);
      if (f.after_deadline && f.how != runtime_api::outcome::timeout) ++r_.deadline_overruns;
      if (f.how == runtime_api::outcome::error) {
        ++r_.errors;
        // A runtime may make up a new type per error: the first 16 are kept, the rest counted
        // together, so the table and the JSON stay bounded.
        const bool known = r_.error_types.count(f.error_type) != 0;
        ++r_.error_types[known || r_.error_types.size() < max_error_types ? f.error_type
                                                                          : "others"];
      }
      if (f.how == runtime_api::outcome::timeout) ++r_.timeouts;
      counted_left_.fetch_sub(1, std::memory_order_relaxed);
    }
    const auto now = steady::now();
    if (ctx_.spec.mode == loop_mode::closed && now < ctx_.window_end) submit(s, now);
    occupancy_.store(s.outstanding(), std::memory_order_relaxed);
  }

  bool ready() const { return ready_.load(std::memory_order_acquire); }
  bool init_failed() const { return init_failed_.load(); }
  std::string init_error_type() {
    std::lock_guard<std::mutex> lock(mutex_);
    return init_error_;
  }
  steady::time_point first_poll() const { return first_poll_; }
  std::size_t occupancy() const { return occupancy_.load(std::memory_order_relaxed); }
  // Counted invocations not yet ended; meaningful once the window is over.
  std::int64_t counted_left() const { return counted_left_.load(std::memory_order_relaxed); }
  pid_t server_tid() const { return tid_.load(); }
  void set_server_tid(pid_t t) { tid_.store(t); }

 private:
  void submit(runtime_api::server& s, steady::time_point from) {
    const bool counted = ctx_.in_window(from);
    if (counted) {
      ++r_.issued;
      counted_left_.fetch_add(1, std::memory_order_relaxed);
    }
    s.submit(from, counted);
  }
  void advance() {
    const double rate = ctx_.spec.rate;
    const double g = ctx_.spec.arrivals == arrival_process::poisson
                         ? std::exponential_distribution<double>(rate)(rng_)
                         : 1.0 / rate;
    const double left = std::chrono::duration<double>(ctx_.window_end - due_).count();
    due_ += std::chrono::duration_cast<steady::duration>(
        std::chrono::duration<double>(std::min(g, left + 1)));
  }

  static constexpr std::size_t max_error_types = 16;

  point_context& ctx_;
  point_result& r_;
  const std::size_t c_;
  std::atomic<bool> ready_{false}, init_failed_{false};
  std::mutex mutex_;
  std::string init_error_;
  steady::time_point first_poll_;
  std::mt19937_64 rng_;
  steady::time_point due_;
  std::atomic<std::size_t> occupancy_{0};
  std::atomic<std::int64_t> counted_left_{0};
  std::atomic<pid_t> tid_{0};
};

// The variables LMI sets for a runtime, then the user's --env over them.
inline std::vector<std::pair<std::string, std::string>> lmi_environment(const exec_spec& e,
                                                                        const point_spec& spec,
                                                                        const std::string& api) {
  const std::string region = [] {
    const char* r = std::getenv("AWS_REGION");
    return std::string(r && *r ? r : "us-east-1");
  }();
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char day[16];
  std::strftime(day, sizeof day, "%Y/%m/%d", &utc);
  std::vector<std::pair<std::string, std::string>> env = {
      {"AWS_LAMBDA_RUNTIME_API", api},
      {"AWS_LAMBDA_MAX_CONCURRENCY", std::to_string(spec.in_flight())},
      {"_HANDLER", "index.handler"},
      {"LAMBDA_TASK_ROOT", e.cwd},
      {"AWS_LAMBDA_FUNCTION_NAME", e.label},
      {"AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"},
      {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", std::to_string(2048 * spec.vcpus)},
      {"AWS_REGION", region},
      {"AWS_DEFAULT_REGION", region},
      {"AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + e.label},
      {"AWS_LAMBDA_LOG_STREAM_NAME", std::string(day) + "/[$LATEST]inflight"},
      {"AWS_LAMBDA_INITIALIZATION_TYPE", "lambda-managed-instances"},
      {"TZ", ":UTC"},
  };
  // inflight makes no cgroup with cpu.max, without which the Node.js client counts 1 CPU; on
  // LMI it derives 8 workers per vCPU from cpu.max, so it is told that count here.
  env.emplace_back("AWS_LAMBDA_NODEJS_WORKER_COUNT", std::to_string(8 * spec.vcpus));
  env.insert(env.end(), e.env.begin(), e.env.end());
  return env;
}

// The CPUs outside the point's, where the server runs when there are any.
inline std::vector<int> cpus_outside(const std::vector<int>& point_cpus) {
  std::vector<int> out;
  for (int c : detect_vcpus().cpus) {
    if (std::find(point_cpus.begin(), point_cpus.end(), c) == point_cpus.end()) out.push_back(c);
  }
  return out;
}

inline void run_exec_model(point_context& ctx, point_result& r, const progress& tick) {
  if (!ctx.spec.exec) throw std::logic_error("exec model without an exec_spec");
  const exec_spec& e = *ctx.spec.exec;
  r.exec = true;
  r.processes = 1;
  runtime_api::server_config config;
  config.events = e.events;
  config.deadline = e.deadline;
  config.function_arn = "arn:aws:lambda:us-east-1:000000000000:function:" + e.label;
  runtime_api::server srv(config);
  exec_load load(ctx, r);

  // The server runs outside the point's CPUs where the machine has some.
  const std::vector<int> point_cpus = ctx.spec.pinned() ? ctx.spec.cpus : detect_vcpus().cpus;
  const std::vector<int> server_cpus = cpus_outside(point_cpus);
  r.server_shares_cpus = server_cpus.empty();
  std::thread server_thread([&] {
    load.set_server_tid(current_tid());
    if (!server_cpus.empty()) pin_current_thread(server_cpus);
    srv.run(load);
  });
  struct stop_server {
    runtime_api::server& s;
    std::thread& t;
    ~stop_server() {
      s.stop();
      t.join();
    }
  } stopper{srv, server_thread};

  runtime_api::runtime_log log;
  runtime_api::launch_spec launch;
  launch.argv = e.argv;
  launch.argv.front() = e.path;
  launch.cwd = e.cwd;
  launch.env = lmi_environment(e, ctx.spec, srv.address());
  launch.cpus = ctx.spec.pinned() ? ctx.spec.cpus : std::vector<int>{};
  launch.log_fd = log.write_end();
  runtime_api::runtime_process proc(launch);
  log.close_write_end();
  ctx.runtime_group = proc.group();
  auto failure = [&](const std::string& what) {
    proc.end();
    log.catch_up();
    const std::string tail = log.last_lines(3);
    return std::runtime_error(what + (tail.empty() ? "" : "; its output ends: " + tail));
  };
  const auto interrupted = [&] { return ctx.spec.stop_requested && ctx.spec.stop_requested(); };
  // Past the server's own limits (descriptors, memory) the point ran with fewer connections
  // than the runtime opened: not a measurement of it.
  auto check_server = [&] {
    if (const std::string t = srv.trouble(); !t.empty()) throw failure(t);
  };

  // Init: from the start to the first GET /next.
  const auto init_deadline = proc.started() + e.init_timeout;
  while (!load.ready()) {
    if (interrupted()) throw failure("interrupted while the runtime started");
    if (load.init_failed()) {
      throw failure("the runtime posted /runtime/init/error (" + load.init_error_type() + ")");
    }
    if (auto how = proc.exited()) throw failure("the runtime " + *how + " before its first /next");
    if (steady::now() > init_deadline) {
      const std::size_t bad = srv.bad_requests();
      throw failure(
          "the runtime did not poll /next within the init timeout of " +
          std::to_string(
              std::chrono::duration_cast<std::chrono::milliseconds>(e.init_timeout).count()) +
          " ms" +
          (bad != 0
               ? " (it sent " + std::to_string(bad) + " malformed HTTP requests, each answered 400)"
               : std::string()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  r.init_ms = std::chrono::duration<double, std::milli>(load.first_poll() - proc.started()).count();
  const pid_t group = proc.group();
  // A /proc read that fails makes the runtime's figures unknown (NaN, shown as n/a), never 0.
  auto usage = [&] {
    auto u = runtime_api::usage_of_group(group);
    if (!u.unreadable.empty() && r.unmeasured.empty()) r.unmeasured = u.unreadable;
    return u;
  };
  r.rss_init_mb = usage().rss_mb;

  ctx.restart_clock(steady::now());
  srv.post([&] { load.begin(srv); });
  double runtime_cpu0 = 0;
  std::chrono::nanoseconds server_cpu0{0};
  std::string died;
  auto stop = [&] {
    if (load.init_failed() || !srv.trouble().empty()) return true;
    if (auto how = proc.exited()) {
      died = *how;
      return true;
    }
    return false;
  };
  await_window(ctx, r, tick,
               ctx.spec.mode == loop_mode::open
                   ? std::function<double()>([&] { return static_cast<double>(load.occupancy()); })
                   : std::function<double()>(),
               stop, [&](bool at_end) {
                 const double cpu = usage().cpu_seconds;
                 const auto server_cpu = thread_cpu_time_of(load.server_tid());
                 if (!at_end) {
                   runtime_cpu0 = cpu;
                   server_cpu0 = server_cpu;
                 } else {
                   r.runtime_cpu_seconds = cpu - runtime_cpu0;
                   r.server_cpu_seconds =
                       std::chrono::duration<double>(server_cpu - server_cpu0).count();
                 }
               });
  if (!died.empty()) throw failure("the runtime " + died + " during the point");
  if (load.init_failed()) {
    throw failure("the runtime posted /runtime/init/error (" + load.init_error_type() + ")");
  }
  check_server();
  // The invocations counted in the window end with a response, an error, or a timeout at their
  // deadline + 1 s; wait for that (the server times them out).
  const auto drain_until = steady::now() + e.deadline + std::chrono::milliseconds(1500);
  while (load.counted_left() > 0 && steady::now() < drain_until && !stop()) {
    if (interrupted()) throw failure("interrupted while the point's invocations drained");
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  r.rss_peak_mb = usage().rss_peak_mb;
  if (!died.empty()) throw failure("the runtime " + died + " during the point");
  check_server();
  srv.post([&] { srv.stop(); });
  proc.end();
  // The runtime is a process tree of its own: its CPU is the point's (CPU%), and none of it is in
  // this process's, which is all harness here (the server among it).
  if (!r.unmeasured.empty()) {
    const double unknown = std::numeric_limits<double>::quiet_NaN();
    r.runtime_cpu_seconds = r.rss_init_mb = r.rss_peak_mb = unknown;
  }
  r.model_cpu_seconds = r.runtime_cpu_seconds;
  r.children_cpu_seconds = r.runtime_cpu_seconds;
}

}  // namespace inflight::bench::detail
