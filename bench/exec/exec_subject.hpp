#pragma once
// The exec subject: not a model, but the user's own function in its real runtime. Each point
// starts the runtime process (runtime_api/runtime_process.hpp) with the variables LMI sets
// (lmi_environment.hpp), serves it the Runtime API (runtime_api/server.hpp) with the point's load
// (exec_driver.hpp), and ends the runtime's whole process group. Latency runs from an
// invocation's availability (closed) or scheduled arrival (open) to its response POST.
//
// Data path: run_point -> exec_subject.start (the runtime's init) -> the window (the runtime
// <-> the server, whose thread runs the load) -> exec_subject.stop (the drain) -> point_result.

#include <algorithm>
#include <chrono>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "exec/exec_driver.hpp"
#include "exec/lmi_environment.hpp"
#include "exec/runtime_identity.hpp"
#include "exec/worker_pool_event.hpp"
#include "inflight/topology.hpp"
#include "isolation/check.hpp"
#include "isolation/reference.hpp"
#include "point/runner.hpp"
#include "runtime_api/runtime_log.hpp"
#include "runtime_api/runtime_process.hpp"
#include "runtime_api/server.hpp"
#include "support/affinity.hpp"

namespace inflight::bench {

namespace detail {
// The CPUs of `usable` outside `point_cpus`, where the server runs when there are any.
inline std::vector<int> cpus_outside(const std::vector<int>& usable,
                                     const std::vector<int>& point_cpus) {
  std::vector<int> out;
  for (int c : usable) {
    if (std::find(point_cpus.begin(), point_cpus.end(), c) == point_cpus.end()) out.push_back(c);
  }
  return out;
}
}  // namespace detail

/// One exec point's runtime. start() throws std::runtime_error when the runtime cannot start,
/// fails its init, or misses the init timeout; stop() when it died during the point or the
/// server ran past its own limits (each message ends with the runtime's last lines).
class exec_subject final : public subject {
 public:
  ~exec_subject() override {
    if (proc_) proc_->end();
    stop_server();
  }

  // The server's thread is the only writer.
  std::size_t shards(const point_spec&) const override { return 1; }
  void start(detail::point_context& ctx, point_result& r) override;
  double occupancy() const override { return static_cast<double>(driver_->occupancy()); }
  bool failing() override {
    if (driver_->init_failed() || !srv_->trouble().empty()) return true;
    if (auto how = proc_->exited()) {
      died_ = *how;
      return true;
    }
    return false;
  }
  // The runtime's and the server's CPU at both ends of the window; stop() writes the figures.
  void window_opened(point_result&) override {
    runtime_cpu_[0] = usage().cpu_seconds;
    server_cpu_[0] = thread_cpu_time_of(driver_->server_tid());
  }
  void window_closed(point_result&) override {
    runtime_cpu_[1] = usage().cpu_seconds;
    server_cpu_[1] = thread_cpu_time_of(driver_->server_tid());
  }
  void stop(point_result& r) override;

 private:
  // The isolation check (or the reference) from the point's ledger and its runtime's output.
  void isolate(point_result& r, const std::string& text);
  // Ends the runtime and the server (nothing may touch the point's context after start() or
  // stop() throws), and names what failed with the runtime's last lines.
  std::runtime_error failure(const std::string& what) {
    proc_->end();
    stop_server();
    log_->catch_up();
    const std::string tail = log_->last_lines(3);
    return std::runtime_error(what + (tail.empty() ? "" : "; its output ends: " + tail));
  }
  // Past the server's own limits (descriptors, memory) the point ran with fewer connections than
  // the runtime opened: not a measurement of it.
  void check_server() {
    if (const std::string t = srv_->trouble(); !t.empty()) throw failure(t);
  }
  bool interrupted() const { return ctx_->spec.stop_requested && ctx_->spec.stop_requested(); }
  // The runtime's group; a /proc read that fails makes its figures unknown (NaN, n/a), never 0.
  runtime_api::group_usage usage() {
    auto u = runtime_api::usage_of_group(proc_->group());
    if (!u.unreadable.empty() && r_->unmeasured.empty()) r_->unmeasured = u.unreadable;
    return u;
  }
  void stop_server() {
    if (server_thread_.joinable()) {
      srv_->stop();
      server_thread_.join();
    }
  }

  detail::point_context* ctx_ = nullptr;
  point_result* r_ = nullptr;
  std::unique_ptr<runtime_api::server> srv_;
  std::unique_ptr<detail::exec_driver> driver_;
  std::thread server_thread_;
  std::optional<runtime_api::runtime_log> log_;
  std::optional<runtime_api::runtime_process> proc_;
  double runtime_cpu_[2] = {0, 0};
  std::chrono::nanoseconds server_cpu_[2] = {};
  double rss_init_mb_ = 0;
  std::string died_;
};

inline void exec_subject::start(detail::point_context& ctx, point_result& r) {
  if (!ctx.spec.exec) throw std::logic_error("an exec point without an exec_spec");
  const exec_spec& e = *ctx.spec.exec;
  ctx_ = &ctx;
  r_ = &r;
  r.exec = true;
  r.processes = 1;
  // The runtime's output: kept at ctx.spec.runtime_log, or in an unlinked file (64 MiB at most).
  log_.emplace(std::size_t(64) << 20, ctx.spec.runtime_log);
  runtime_api::server_config config;
  config.events = e.events;
  config.client_contexts = e.client_contexts;
  config.cognito_identities = e.cognito_identities;
  config.deadline = e.deadline;
  config.tenants = e.tenants;
  config.function_arn = "arn:aws:lambda:us-east-1:000000000000:function:" + e.label;
  srv_ = std::make_unique<runtime_api::server>(config);
  driver_ = std::make_unique<detail::exec_driver>(ctx, r);

  // The server runs outside the point's CPUs where the machine has some.
  const std::vector<int> usable =
      ctx.spec.usable_cpus.empty() ? detect_vcpus().cpus : ctx.spec.usable_cpus;
  const std::vector<int> server_cpus =
      detail::cpus_outside(usable, ctx.spec.pinned() ? ctx.spec.cpus : usable);
  r.server_shares_cpus = server_cpus.empty();
  server_thread_ = std::thread([this, server_cpus] {
    driver_->set_server_tid(current_tid());
    if (!server_cpus.empty()) pin_current_thread(server_cpus);
    srv_->run(*driver_);
  });

  runtime_api::launch_spec launch;
  launch.argv = e.argv;
  launch.argv.front() = e.path;
  launch.cwd = e.cwd;
  launch.env = detail::lmi_environment(e, ctx.spec, srv_->address());
  launch.cpus = ctx.spec.pinned() ? ctx.spec.cpus : std::vector<int>{};
  launch.log_fd = log_->write_end();
  proc_.emplace(launch);
  log_->close_write_end();
  ctx.runtime_group = proc_->group();

  // Init: from the start to the first GET /next.
  const auto init_deadline = proc_->started() + e.init_timeout;
  while (!driver_->ready()) {
    if (interrupted()) throw failure("interrupted while the runtime started");
    if (driver_->init_failed()) {
      throw failure("the runtime posted /runtime/init/error (" + driver_->init_error_type() + ")");
    }
    if (auto how = proc_->exited()) {
      throw failure("the runtime " + *how + " before its first /next");
    }
    if (steady::now() > init_deadline) {
      const std::size_t bad = srv_->bad_requests();
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
  r.runtime_exe = running_runtime(proc_->group());
  r.init_ms =
      std::chrono::duration<double, std::milli>(driver_->first_poll() - proc_->started()).count();
  rss_init_mb_ = usage().rss_mb;
  // The warm-up and the window start now that the runtime is ready.
  ctx.restart_clock(steady::now());
  const bool check = ctx.spec.isolation != point_spec::isolation_role::off;
  srv_->post([this, check] { driver_->begin(*srv_, check); });
}

inline void exec_subject::stop(point_result& r) {
  if (!died_.empty()) throw failure("the runtime " + died_ + " during the point");
  if (driver_->init_failed()) {
    throw failure("the runtime posted /runtime/init/error (" + driver_->init_error_type() + ")");
  }
  check_server();
  // The invocations counted in the window end with a response, an error, or a timeout at their
  // deadline + 1 s; wait for that (the server times them out).
  const auto drain_until =
      steady::now() + ctx_->spec.exec->deadline + std::chrono::milliseconds(1500);
  while (driver_->counted_left() > 0 && steady::now() < drain_until && !failing()) {
    if (interrupted()) throw failure("interrupted while the point's invocations drained");
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const double rss_peak_mb = usage().rss_peak_mb;
  if (!died_.empty()) throw failure("the runtime " + died_ + " during the point");
  check_server();
  // What the runtime burns with no invocation (its workers polling, its timers): 250 ms after
  // the drain, when the load has stopped and every worker is up. rows.hpp takes it out of the
  // window's CPU, so a slow handler's figure is not its idle cost spread over few calls.
  const double idle0 = usage().cpu_seconds;
  const auto idle_from = steady::now();
  const auto idle_until = idle_from + std::chrono::milliseconds(250);
  while (steady::now() < idle_until && !failing() && !interrupted()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const double idle_s = std::chrono::duration<double>(steady::now() - idle_from).count();
  const double idle_cpu = usage().cpu_seconds - idle0;
  if (!died_.empty()) throw failure("the runtime " + died_ + " during the point");
  srv_->post([this] { srv_->stop(); });
  proc_->end();
  stop_server();
  // The runtime is a process tree of its own: its CPU is the point's (CPU%), and none of it is in
  // this process's, which is all harness here (the server among it). A /proc read that failed at
  // any of them makes every runtime figure unknown (NaN), never a partial sum.
  const double unknown = std::numeric_limits<double>::quiet_NaN();
  const bool known = r.unmeasured.empty();
  r.runtime_cpu_seconds = known ? runtime_cpu_[1] - runtime_cpu_[0] : unknown;
  r.rss_init_mb = known ? rss_init_mb_ : unknown;
  r.rss_peak_mb = known ? rss_peak_mb : unknown;
  r.runtime_idle_cpu_per_s = known && idle_s > 0 ? std::max(0.0, idle_cpu) / idle_s : unknown;
  r.server_cpu_seconds = std::chrono::duration<double>(server_cpu_[1] - server_cpu_[0]).count();
  log_->catch_up();
  r.log_dropped = log_->dropped();
  const std::string text = log_->text();
  if (const auto pool = find_worker_pool_report(text)) {
    r.runtime_workers = pool->workers;
    r.runtime_workers_max_concurrency = pool->max_concurrency;
  }
  isolate(r, text);
}

// After the server and the runtime have stopped: the ledger and the log are whole.
inline void exec_subject::isolate(point_result& r, const std::string& text) {
  const isolation::ledger* book = driver_->ledger();
  if (book == nullptr) return;
  const point_spec& spec = ctx_->spec;
  const bool tenants = spec.exec->tenants != 0;
  if (spec.isolation == point_spec::isolation_role::reference) {
    r.reference = std::make_shared<const isolation::reference>(
        isolation::make_reference(*book, text, spec.exec->events.size(), tenants));
    return;
  }
  const std::int64_t cut = log_->cut_ms();
  r.isolation = isolation::check(*book, text, spec.reference.get(), tenants,
                                 cut == 0 ? isolation::no_time : cut);
}

}  // namespace inflight::bench
