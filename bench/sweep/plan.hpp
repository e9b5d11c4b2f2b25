#pragma once
// The sweep's plan: the flags resolved once against the machine (topology detected once) and the
// filesystem (--exec), then subjects x per-vCPU points, each with its stable name and its
// point_spec. The plan's description of the run is what rows and renderers read; none of them
// goes back to the flags.

#include <fmt/format.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "exec/exec_subject.hpp"
#include "inflight/cpu_work.hpp"
#include "inflight/io_wait.hpp"
#include "inflight/topology.hpp"
#include "models/models.hpp"
#include "point/runner.hpp"
#include "sweep/exec_flags.hpp"
#include "sweep/options.hpp"
#include "sweep/rate_profile.hpp"

namespace inflight::bench {

/// The run as the rows and renderers see it.
struct sweep_description {
  std::size_t vcpus = 1;         // modelled vCPUs
  vcpu_info machine{0, "", {}};  // what was detected, once
  bool pinned = false;           // fewer vCPUs than detected: the points run on the first ones
  loop_mode mode = loop_mode::closed;
  double rate = 0;                 // open loop: arrivals per second in total (the stages' mean)
  std::vector<rate_stage> stages;  // open loop: --rate's stages; empty: `rate` throughout
  arrival_process arrivals = arrival_process::poisson;
  duration_distribution io_wait, cpu_work;
  bool nominal = true;  // the handler's costs are known (eff has an ideal)
  std::chrono::nanoseconds duration{0}, warmup{0};
  std::uint64_t seed = 1;
  bool strict = false;  // --strict: a point flagged for interference, or that leaked, exits 1
  std::vector<std::string> thresholds;  // --threshold, as given; sweep/thresholds.hpp
  bool find = false;                    // --find=max_rate: each point is a search (find_rate.hpp)
  std::chrono::nanoseconds p99_budget{0};  // --find: the p99 a sustained rate stays within
  std::vector<model> models;               // the models swept, in order
  std::vector<std::size_t> per_vcpu;       // the per-vCPU points, in order
  std::shared_ptr<const exec_spec> exec;   // --exec's runtime; null without it
  std::string exec_command;                // --exec as given
  std::vector<std::string> command_line;   // every argument as given, Google Benchmark's too

  bool open() const { return mode == loop_mode::open; }
};

/// What a point runs: one of the models, or the runtime of --exec.
struct sweep_subject {
  enum class kind { model, exec } what = kind::model;
  model m = model::fiber;  // for kind::model
  std::string label;       // "fiber", "exec:NAME": the table's first column
};

/// One point of the plan.
struct planned_point {
  std::string name;  // stable across machines: subject/profile/per_vcpu:N
  sweep_subject subject;
  bool default_cap = false;  // the model's default PerExecutionEnvironmentMaxConcurrency
  point_spec spec;
};

struct sweep_plan {
  sweep_description run;
  std::vector<planned_point> points;
  point_handler handler;  // the models' synthetic handler
  /// --exec with --isolation=on: the run at concurrency 1 that the isolation check holds every
  /// exec point to, made before them (its name: exec:LABEL/reference).
  std::optional<planned_point> reference;
};

/// The load profile part of a point's name: mode, IO wait, CPU work (when known), and the rate
/// in an open loop.
inline std::string profile_name(const sweep_description& d) {
  std::string p = d.find ? "find:max_rate" : d.open() ? "open" : "closed";
  if (d.nominal) p += fmt::format("/io:{}/cpu:{}", d.io_wait.to_string(), d.cpu_work.to_string());
  if (d.find) {
    p += "/p99:" + format_duration(d.p99_budget);
    if (d.rate > 0) p += fmt::format("/from:{}", d.rate);
    if (d.arrivals == arrival_process::uniform) p += "/uniform";
  } else if (d.open()) {
    p += fmt::format("/rate:{}{}", rate_name(d.rate, d.stages),
                     d.arrivals == arrival_process::uniform ? ":uniform" : "");
  }
  return p;
}

/// A point's stable name: subject, load profile and per-vCPU concurrency, so that files from
/// different machines line up point by point.
inline std::string point_name(const sweep_description& d, const sweep_subject& s,
                              std::size_t per_vcpu) {
  return fmt::format("{}/{}/per_vcpu:{}", s.label, profile_name(d), per_vcpu);
}

/// Per-invocation ideal from Little's law: C / (W + c), capped by vCPUs / c (and by the rate in
/// an open loop); 0 when undefined (no nominal costs, or none at all).
inline double littles_ideal(const sweep_description& d, std::size_t in_flight, std::size_t vcpus) {
  if (!d.nominal) return 0;
  const double w = std::chrono::duration<double>(d.io_wait.mean()).count();
  const double c = std::chrono::duration<double>(d.cpu_work.mean()).count();
  if (w + c <= 0) return 0;
  double ideal = static_cast<double>(in_flight) / (w + c);
  if (c > 0) ideal = std::min(ideal, static_cast<double>(vcpus) / c);
  if (d.open()) ideal = std::min(ideal, d.rate);
  return ideal;
}

/// Where --find starts for a cap of `in_flight` on `vcpus`: --rate when given, else a quarter of
/// the closed loop's Little's-law ideal, else (no nominal costs: --exec) 10 per second per slot.
inline double find_start_rate(const sweep_description& d, std::size_t in_flight,
                              std::size_t vcpus) {
  if (d.rate > 0) return d.rate;
  sweep_description closed = d;
  closed.mode = loop_mode::closed;
  const double ideal = littles_ideal(closed, in_flight, vcpus);
  return ideal > 0 ? ideal / 4 : 10.0 * static_cast<double>(in_flight);
}

/// The synthetic handler: wait on simulated IO, then burn CPU, each drawn per invocation.
inline point_handler synthetic_handler(const duration_distribution& io,
                                       const duration_distribution& cpu) {
  return [io, cpu](std::mt19937_64& rng) {
    io_wait(io(rng));
    cpu_work(cpu(rng));
  };
}

/// The plan of `o` on `machine`. `stop_requested` (optional) tells an exec point's waits that the
/// sweep was asked to stop. Throws usage_error when --exec cannot be resolved.
inline sweep_plan make_plan(const sweep_options& o, const vcpu_info& machine,
                            std::function<bool()> stop_requested = {}) {
  sweep_plan plan;
  sweep_description& d = plan.run;
  d.vcpus = o.vcpus;
  d.machine = machine;
  d.pinned = o.pin;
  d.mode = o.mode;
  d.rate = o.rate;
  d.stages = o.stages;
  d.arrivals = o.arrivals;
  d.io_wait = o.io_wait;
  d.cpu_work = o.cpu_work;
  d.nominal = o.nominal;
  d.duration = o.duration;
  d.warmup = o.warmup;
  d.seed = o.seed;
  d.strict = o.strict;
  d.thresholds = o.thresholds;
  d.find = o.find;
  d.p99_budget = o.p99_budget;
  d.models = o.models;
  d.per_vcpu = o.per_vcpu;
  if (o.exec_given) {
    d.exec = resolve_exec(o.exec);
    d.exec_command = o.exec.command;
  }
  plan.handler = synthetic_handler(o.io_wait, o.cpu_work);

  point_spec base;
  base.vcpus = o.vcpus;
  base.usable_cpus = machine.cpus;
  if (o.pin) {
    base.cpus.assign(machine.cpus.begin(),
                     machine.cpus.begin() + static_cast<std::ptrdiff_t>(o.vcpus));
  }
  base.mode = o.mode;
  base.rate = o.rate;
  base.stages = o.stages;
  base.arrivals = o.arrivals;
  base.warmup = o.warmup;
  base.duration = o.duration;
  base.seed = o.seed;
  base.exec = d.exec;
  base.stop_requested = std::move(stop_requested);

  std::vector<sweep_subject> subjects;
  for (model m : o.models) subjects.push_back({sweep_subject::kind::model, m, model_name(m)});
  if (d.exec)
    subjects.push_back({sweep_subject::kind::exec, model::fiber, "exec:" + d.exec->label});
  for (const auto& s : subjects) {
    for (std::size_t p : o.per_vcpu) {
      planned_point point;
      point.name = point_name(d, s, p);
      point.subject = s;
      point.default_cap = s.what == sweep_subject::kind::model && model_default_per_vcpu(s.m) == p;
      point.spec = base;
      point.spec.per_vcpu = p;
      if (s.what == sweep_subject::kind::exec && d.exec->isolation) {
        point.spec.isolation = point_spec::isolation_role::check;
      }
      plan.points.push_back(std::move(point));
    }
  }
  if (d.exec && d.exec->isolation) {
    // One invocation in flight on one vCPU, closed loop, the points' warm-up and duration.
    planned_point ref;
    ref.subject = subjects.back();
    ref.name = ref.subject.label + "/reference";
    ref.spec = base;
    ref.spec.vcpus = 1;
    ref.spec.per_vcpu = 1;
    ref.spec.mode = loop_mode::closed;
    if (ref.spec.pinned()) ref.spec.cpus.resize(1);
    ref.spec.isolation = point_spec::isolation_role::reference;
    plan.reference = std::move(ref);
  }
  return plan;
}

/// Where run `run` (1, 2, ... with --benchmark_repetitions) of exec point `p` keeps its
/// runtime's output: --log_dir/NAME.RUN.log, NAME the point's name with every character but
/// letters, digits, '.', '-' and '_' made '_'; empty without --log_dir or for a model.
inline std::string runtime_log_path(const sweep_description& d, const planned_point& p,
                                    std::size_t run) {
  if (!d.exec || d.exec->log_dir.empty() || p.subject.what != sweep_subject::kind::exec) return {};
  std::string name = p.name;
  for (char& c : name) {
    if (!detail::label_char(c)) c = '_';
  }
  return d.exec->log_dir + "/" + name + "." + std::to_string(run) + ".log";
}

/// Measures run `run` of one point of `plan`; `tick` (optional) hears the fraction done. Throws
/// what its subject throws when it cannot start or fails (std::runtime_error).
/// An exec point is checked against `reference` (the reference run's result; null: none).
inline point_result measure(const sweep_plan& plan, const planned_point& point,
                            const progress_callback& tick = {}, std::size_t run = 1,
                            std::shared_ptr<const isolation::reference> reference = {}) {
  if (point.subject.what == sweep_subject::kind::exec) {
    point_spec spec = point.spec;
    spec.runtime_log = runtime_log_path(plan.run, point, run);
    spec.reference = std::move(reference);
    exec_subject s;
    return run_point(spec, s, point_handler(), tick);
  }
  return run_point(point.spec, point.subject.m, plan.handler, tick);
}

}  // namespace inflight::bench
