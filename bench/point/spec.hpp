#pragma once
// One point, whatever runs it: what it is asked (point_spec, with exec_spec for a real runtime),
// the handler under test, and what it measured (point_result). The point runner (runner.hpp)
// reads the spec; a subject (a model in bench/models/, or exec in bench/exec/) runs the slots
// and writes what only it knows into the result.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "inflight/histogram.hpp"
#include "isolation/findings.hpp"

namespace inflight::bench {

namespace isolation {
struct reference;
}

using steady = std::chrono::steady_clock;

/// How load reaches a point: every slot loops invoke -> complete (closed), or arrivals come at a
/// rate and are throttled when every slot is busy (open).
enum class loop_mode { closed, open };
/// The gaps between open-loop arrivals.
enum class arrival_process { poisson, uniform };

/// One stage of an open loop's rate profile: the rate goes linearly from `from` to `to` arrivals
/// per second over `length` (equal rates: a constant stage; two constant stages: a step).
struct rate_stage {
  double from = 0, to = 0;
  std::chrono::nanoseconds length{0};
  bool operator==(const rate_stage& o) const {
    return from == o.from && to == o.to && length == o.length;
  }
};

/// What an exec point runs: the user's runtime process, driven through a local Runtime API
/// (bench/exec/exec_subject.hpp) instead of an in-process handler.
struct exec_spec {
  std::vector<std::string> argv;    // the command's words; argv[0] as given
  std::string path;                 // argv[0] resolved for execve
  std::string label;                // the points' name: exec:LABEL/...
  std::string cwd;                  // absolute; LAMBDA_TASK_ROOT
  std::vector<std::string> events;  // payloads, round robin; empty: {}
  // Beside each event (same index; empty: none): its client context and Cognito identity, each
  // one line of JSON, sent as Lambda-Runtime-Client-Context and Lambda-Runtime-Cognito-Identity.
  std::vector<std::string> client_contexts, cognito_identities;
  std::vector<std::pair<std::string, std::string>> env;  // --env, over LMI's variables
  std::chrono::milliseconds deadline{3000};              // Lambda-Runtime-Deadline-Ms; 3 s
  std::chrono::nanoseconds init_timeout{std::chrono::seconds(10)};  // start to first /next
  std::string log_dir;      // absolute; where each point's output is kept; empty: nowhere
  std::size_t tenants = 0;  // tenant ids handed out round robin; 0: none
  bool isolation = true;    // the isolation check at every point, against a concurrency-1 run
  // What the command should run as (exec/runtime_identity.hpp): the executable, how it was found,
  // and Node's version; empty when it cannot be told.
  std::string runtime_exe, runtime_found, runtime_version;
};

/// What a point runs: its concurrency, where, and how load arrives.
struct point_spec {
  std::size_t vcpus = 1;         // modelled vCPUs
  std::size_t per_vcpu = 1;      // concurrency per vCPU
  std::vector<int> cpus;         // the CPUs to run on; empty: not pinned
  std::vector<int> usable_cpus;  // every CPU this process may use (detected once); empty: detected
  loop_mode mode = loop_mode::closed;
  double rate = 0;  // open loop: arrivals per second in total
  // Open loop: the window's rate stages, back to back from its start (their lengths sum to
  // `duration`); empty: `rate` throughout. The warm-up runs at the first stage's rate.
  std::vector<rate_stage> stages;
  arrival_process arrivals = arrival_process::poisson;
  std::chrono::nanoseconds warmup{0}, duration{std::chrono::seconds(1)};
  std::uint64_t seed = 1;
  std::size_t stack_size = 128 * 1024;    // each fiber's stack, for the fiber-based models
  std::shared_ptr<const exec_spec> exec;  // an exec point's runtime; null for the models
  std::string runtime_log;  // an exec point: the file that keeps the runtime's output; empty: none
  /// An exec point's isolation check (bench/isolation/): off, checked against `reference` (null:
  /// none could be made), or the concurrency-1 run that makes the reference.
  enum class isolation_role { off, check, reference } isolation = isolation_role::off;
  std::shared_ptr<const isolation::reference> reference;
  // True once the sweep was asked to stop (Ctrl-C, SIGTERM): an exec point's waits for its
  // runtime's init and drain end then. Empty: never.
  std::function<bool()> stop_requested;

  std::size_t in_flight() const { return per_vcpu * vcpus; }
  bool pinned() const { return !cpus.empty(); }
};

/// One invocation of the handler under test, given its slot's random generator (seeded per
/// slot, so one seed reproduces a run). A throw counts the invocation as failed.
using point_handler = std::function<void(std::mt19937_64&)>;

/// Hears how far the point has got, 0..1, about every 5 ms.
using progress_callback = std::function<void(double)>;

/// One second of an open-loop window (the last may be shorter: length_s).
struct second_figures {
  double start_s = 0, length_s = 0;  // from the window's start
  double offered_per_s = 0;          // the schedule's mean rate over this second
  std::uint64_t arrivals = 0, throttled = 0, completed = 0, failed = 0;
  double p50_us = 0, p99_us = 0;  // of the invocations that arrived in it and completed; 0: none
};

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
  // CPU in the window, in seconds. threads: this process's threads that ran invocations;
  // children: the python model's processes; process: this whole process; others: every other
  // process on the point's CPUs; steal: the hypervisor's.
  double thread_cpu_seconds = 0;
  double children_cpu_seconds = 0;
  double process_cpu_seconds = 0;
  double others_cpu_seconds = 0;
  double steal_seconds = 0;
  std::size_t cpus = 0;           // how many CPUs the point ran on
  double floor_p99_us = 0;        // the timer floor's p99, the lower of a probe before and after
  double mean_occupancy = 0;      // open loop: mean slots in use, sampled every 5 ms
  latency_histogram arrival_lag;  // open loop: how late the generator issued each arrival
  std::vector<second_figures> seconds;  // open loop: the window second by second
  // Exec points only (bench/exec/exec_subject.hpp): the real runtime and the Runtime API server.
  bool exec = false;
  double runtime_cpu_seconds = 0;     // the runtime's process group, in the window
  double runtime_idle_cpu_per_s = 0;  // its CPU with no invocation, 250 ms after the drain
  double server_cpu_seconds = 0;      // the Runtime API server's thread, in the window
  double init_ms = 0;                 // runtime start to its first GET /next
  double rss_init_mb = 0, rss_peak_mb = 0;
  std::uint64_t issued = 0;  // invocations made available in the window
  std::uint64_t errors = 0, deadline_overruns = 0, timeouts = 0;
  std::map<std::string, std::uint64_t> error_types;  // errorType -> count; "others" past 16
  std::string unmeasured;         // why the runtime's CPU and memory are unknown (NaN), or empty
  std::uint64_t log_dropped = 0;  // the runtime's output past the log's bound, in bytes
  std::string runtime_exe;        // what the runtime ran as (/proc/PID/exe); empty: unreadable
  // What the runtime logged of its worker pool (runtime_worker_pool_initializing); 0: nothing.
  std::size_t runtime_workers = 0, runtime_workers_max_concurrency = 0;
  bool server_shares_cpus = false;  // no CPU outside the point's: the server ran among them
  isolation::findings isolation;    // what the isolation check found (isolation.ran: it ran)
  std::shared_ptr<const isolation::reference> reference;  // the reference run's: what it made

  /// The CPU of what ran the invocations: the runtime's for an exec point, else the model's
  /// threads and processes.
  double subject_cpu_seconds() const {
    return exec ? runtime_cpu_seconds : thread_cpu_seconds + children_cpu_seconds;
  }
};

}  // namespace inflight::bench
