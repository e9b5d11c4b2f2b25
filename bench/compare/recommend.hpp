#pragma once
// inflight_compare, the knee of a curve, the recommended concurrency cap, the scale-out estimate
// and the Little's-law ideal of a file's load profile.

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "compare/load.hpp"
#include "inflight/distribution.hpp"
#include "inflight/limits.hpp"

namespace inflight::bench::compare {

/// One curve: a model and load profile in one file, its points in ascending per-vCPU order.
struct curve_point {
  std::size_t per_vcpu = 0;
  double throughput = 0;
  std::optional<double> p50_us, p99_us;
  std::optional<double> p90_us;
  double samples = 0;                 // latencies behind the percentiles; 0: not recorded
  std::optional<double> cpu_util;     // the model's CPU, a fraction of the vCPUs
  std::optional<double> rss_peak_mb;  // exec points: the real runtime's peak memory
};

/// The tail percentile a point can back: p99 with 1000 samples or more (or when the file did not
/// record its sample count), else p90 with 100, else p50 with 20; nullopt below that.
struct tail_latency {
  double us = 0;
  const char* name = "p99";
};
inline std::optional<tail_latency> tail_of(const curve_point& p) {
  if ((p.samples == 0 || p.samples >= 1000) && p.p99_us) return tail_latency{*p.p99_us, "p99"};
  if (p.samples >= 100 && p.p90_us) return tail_latency{*p.p90_us, "p90"};
  if (p.samples >= 20 && p.p50_us) return tail_latency{*p.p50_us, "p50"};
  return std::nullopt;
}

/// Throughput gain of one doubling between two points, (X2 / X1)^(1 / log2(p2 / p1)) - 1.
inline double gain_per_doubling(const curve_point& a, const curve_point& b) {
  const double doublings =
      std::log2(static_cast<double>(b.per_vcpu) / static_cast<double>(a.per_vcpu));
  return std::pow(b.throughput / a.throughput, 1 / doublings) - 1;
}

/// The knee: the first per-vCPU concurrency after which a doubling adds less than 10%
/// throughput; nullopt when every doubling pays.
inline std::optional<std::size_t> knee(const std::vector<curve_point>& c) {
  for (std::size_t i = 0; i + 1 < c.size(); ++i) {
    if (c[i].throughput > 0 && gain_per_doubling(c[i], c[i + 1]) < 0.10) return c[i].per_vcpu;
  }
  return std::nullopt;
}

/// "p99 at 2.345 ms", or the highest percentile `p`'s samples back, or "p99 at n/a".
inline std::string tail_text(const curve_point& p) {
  const auto t = tail_of(p);
  if (!t) return "p99 at n/a";
  return std::string(t->name) == "p99"
             ? fmt::format("p99 at {:.3f} ms", t->us / 1e3)
             : fmt::format("{} at {:.3f} ms ({:.0f} samples: too few for p99)", t->name,
                           t->us / 1e3, p.samples);
}

/// What the step from `a` to `b` added: ", and the doubling from 8 added 12.0%", or for a step
/// of more than one doubling ", and the step from 16 to 64 added 300.0% (100.0% per doubling)".
inline std::string step_text(const curve_point& a, const curve_point& b) {
  const double per_doubling = gain_per_doubling(a, b) * 100;
  if (b.per_vcpu == 2 * a.per_vcpu) {
    return fmt::format(", and the doubling from {} added {:.1f}%", a.per_vcpu, per_doubling);
  }
  return fmt::format(", and the step from {} to {} added {:.1f}% ({:.1f}% per doubling)",
                     a.per_vcpu, b.per_vcpu, (b.throughput / a.throughput - 1) * 100, per_doubling);
}

struct recommendation {
  std::optional<std::size_t> per_vcpu;  // nullopt: no point meets the budget
  std::size_t max_concurrency = 0;      // PerExecutionEnvironmentMaxConcurrency for the vCPUs
  double budget_us = 0;
  std::string budget_source;
  std::string why;
};

/// What holds a cap back from being chosen, in the order checked: its tail latency (over the
/// budget, or too few samples for any), its memory (rss_peak_mb over `memory_mb`; 0: no limit),
/// its CPU (over `cpu_target`, a fraction; 1: no limit). The recommendation and the cost's choices
/// (compare/cost.hpp) both hold caps to it.
enum class cap_limit { none, tail, memory, cpu };
inline cap_limit limit_of(const curve_point& p, double budget_us, double cpu_target,
                          double memory_mb) {
  const auto tail = tail_of(p);
  if (!tail || !(budget_us > 0) || tail->us > budget_us) return cap_limit::tail;
  if (memory_mb > 0 && p.rss_peak_mb && *p.rss_peak_mb > memory_mb) return cap_limit::memory;
  // At the default 100% there is no CPU limit: a saturated point reads 100.4% by accounting.
  if (cpu_target < 1.0 && p.cpu_util && *p.cpu_util > cpu_target + 1e-9) return cap_limit::cpu;
  return cap_limit::none;
}

/// The largest per-vCPU concurrency up to the knee (each doubling to it raised throughput by 10%
/// or more) whose tail latency stays within the budget and whose CPU stays within `cpu_target`
/// (a fraction; 1 = 100%). The tail is p99 where the point has the samples for it, else the
/// highest percentile it has them for (tail_of), and the reason says which. `budget_us` <= 0 means
/// the default: twice the p50 of the lowest point (per-vCPU concurrency 1 in a full sweep), when
/// its samples back one.
///
/// `memory_mb` (0: none) is the environment's memory: a point whose measured rss_peak_mb exceeds
/// it is never recommended.
inline recommendation recommend(const std::vector<curve_point>& c, std::size_t vcpus,
                                double budget_us, double cpu_target = 1.0, double memory_mb = 0) {
  recommendation r;
  if (c.empty()) {
    r.why = "no points";
    return r;
  }
  if (budget_us > 0) {
    r.budget_us = budget_us;
    r.budget_source = "--p99_budget";
  } else if (c.front().p50_us && (c.front().samples == 0 || c.front().samples >= 20)) {
    // A p50 the sweep showed (20 samples or more, or a file without the count).
    r.budget_us = 2 * *c.front().p50_us;
    r.budget_source = fmt::format("2 x p50 at per_vCPU {}", c.front().per_vcpu);
  } else {
    r.why = fmt::format("no p50 at per_vCPU {} to derive a budget from; pass --p99_budget",
                        c.front().per_vcpu);
    return r;
  }
  std::size_t stop = c.size();  // first point past the knee
  for (std::size_t i = 1; i < c.size(); ++i) {
    if (!(c[i - 1].throughput > 0) || gain_per_doubling(c[i - 1], c[i]) < 0.10) {
      stop = i;
      break;
    }
  }
  std::optional<std::size_t> best;
  bool cpu_bound = false, memory_bound = false;
  for (std::size_t i = 0; i < stop; ++i) {
    const cap_limit limit = limit_of(c[i], r.budget_us, cpu_target, memory_mb);
    memory_bound = memory_bound || limit == cap_limit::memory;
    cpu_bound = cpu_bound || limit == cap_limit::cpu;
    if (limit == cap_limit::none) best = i;
  }
  if (!best) {
    r.why = fmt::format(
        "no per-vCPU concurrency up to the knee keeps its tail latency within {:.3f} ms ({}){}{}",
        r.budget_us / 1e3, r.budget_source,
        cpu_bound ? fmt::format(" with CPU within {:.0f}%", cpu_target * 100) : "",
        memory_bound ? fmt::format(" and its memory within {:.0f} MB", memory_mb) : "");
    return r;
  }
  const curve_point& p = c[*best];
  const tail_latency tail = *tail_of(p);
  r.per_vcpu = p.per_vcpu;
  r.max_concurrency = std::min(p.per_vcpu, max_per_vcpu) * vcpus;
  std::string next;
  if (*best + 1 < c.size()) {
    const curve_point& q = c[*best + 1];
    const double g = gain_per_doubling(p, q) * 100;
    next = *best + 1 == stop && g < 10
               ? (g < 0.05 ? fmt::format("; going on to {} would add no throughput", q.per_vcpu)
                           : fmt::format("; going on to {} would add only {:.1f}% per doubling",
                                         q.per_vcpu, g))
               : fmt::format("; {} would put {}", q.per_vcpu, tail_text(q));
  }
  const std::string cpu = cpu_target < 1.0 && p.cpu_util
                              ? fmt::format(", CPU {:.0f}% within the {:.0f}% target",
                                            *p.cpu_util * 100, cpu_target * 100)
                              : "";
  const std::string which =
      std::string(tail.name) == "p99"
          ? "p99"
          : fmt::format("{} ({:.0f} samples: too few for p99)", tail.name, p.samples);
  r.why = fmt::format(
      "{} {:.3f} ms is within the {:.3f} ms budget ({}){}{}{}", which, tail.us / 1e3,
      r.budget_us / 1e3, r.budget_source, cpu, *best > 0 ? step_text(c[*best - 1], p) : "",
      cpu_bound ? fmt::format("; higher caps would run the CPU above {:.0f}%", cpu_target * 100)
      : memory_bound
          ? fmt::format("; higher caps would need more than the {:.0f} MB of memory", memory_mb)
          : next);
  return r;
}

/// Execution environments needed for `target_rps` at a cap whose measured throughput per
/// environment is `per_environment`: ceil(target / per_environment), at least 3 (one per AZ).
inline std::size_t environments_needed(double target_rps, double per_environment) {
  if (!(per_environment > 0)) return 0;
  return std::max<std::size_t>(3,
                               static_cast<std::size_t>(std::ceil(target_rps / per_environment)));
}

/// The Little's-law ideal throughput at `in_flight` from a file's context (io_wait, cpu_work,
/// vcpus); nullopt when the context lacks them.
inline std::optional<double> littles_ideal(const sweep_file& f, double in_flight) {
  try {
    const double w =
        std::chrono::duration<double>(duration_distribution::parse(f.context.at("io_wait")).mean())
            .count();
    const double c =
        std::chrono::duration<double>(duration_distribution::parse(f.context.at("cpu_work")).mean())
            .count();
    if (w + c <= 0) return std::nullopt;
    double ideal = in_flight / (w + c);
    if (c > 0) ideal = std::min(ideal, static_cast<double>(f.vcpus) / c);
    return ideal;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

/// Holds `r` to the concurrency that ran clean: when the isolation check found invocations of
/// this curve not kept apart at per-vCPU `leaked` (the lowest such point; `leaks` of them), no cap
/// at or above it is recommended, only the highest point of `c` below it, and `r.why` says why.
inline void limit_to_clean(recommendation& r, const std::vector<curve_point>& c, std::size_t vcpus,
                           std::size_t leaked, double leaks) {
  const std::string cause = fmt::format(
      "the isolation check found {:.0f} invocations not kept apart at per_vCPU {} (leaks), so no "
      "cap at or above it is correct",
      leaks, leaked);
  if (r.per_vcpu && *r.per_vcpu < leaked) {
    r.why += "; " + cause + ", and this one is below it";
    return;
  }
  std::optional<std::size_t> clean;
  for (const auto& p : c) {
    if (p.per_vcpu < leaked) clean = p.per_vcpu;
  }
  if (!clean) {
    r.per_vcpu.reset();
    r.why = cause + ", and no point below it was measured";
    return;
  }
  const bool had = r.per_vcpu.has_value();
  r.per_vcpu = clean;
  r.max_concurrency = *clean * vcpus;
  r.why = fmt::format("the highest point that ran clean: {}{}", cause,
                      had ? "" : fmt::format(" (and without it: {})", r.why));
}

}  // namespace inflight::bench::compare
