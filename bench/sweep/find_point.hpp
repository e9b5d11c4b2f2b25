#pragma once
// --find=max_rate on one planned point: each probe is the point at one constant rate, measured
// like any other (plan.hpp's measure) and made a row, and the search (find_rate.hpp) picks the
// next rate from it.

#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <string>

#include "support/flags.hpp"  // one_line
#include "sweep/find_rate.hpp"
#include "sweep/plan.hpp"
#include "sweep/rows.hpp"

namespace inflight::bench {

/// Why a point that ran has no figures, or "".
inline std::string empty_point(const point_result& r) {
  if (r.exec && r.completed == 0 && r.timeouts != 0) {
    return "the runtime stopped answering: " + std::to_string(r.timeouts) +
           " invocations timed out (no answer by their deadline + 1 s) and none completed";
  }
  if (r.completed == 0) {
    // Nothing completed in the window (every call failed, or none finished): not a row of zeros.
    return r.failed != 0
               ? "no invocation completed in the window; " + std::to_string(r.failed) + " failed"
               : "no invocation completed in the window";
  }
  return "";
}

/// Searches `point`'s highest sustained rate. Each probe is named like a constant-rate point
/// (.../rate:R/per_vcpu:N); `next_run` gives each its run number (an exec point's log file),
/// `tick` hears the probe's name and its fraction done. A probe that cannot be measured fails
/// the search's step, with why; the search goes on, until `stop_requested` says the sweep is
/// stopping.
inline rate_search search_point(const sweep_plan& plan, const planned_point& point,
                                double first_floor_p99_us,
                                std::shared_ptr<const isolation::reference> reference,
                                const std::function<void(const std::string&, double)>& tick,
                                const std::function<std::size_t()>& next_run,
                                const std::function<bool()>& stop_requested) {
  const sweep_description& d = plan.run;
  find_budget budget;
  budget.p99 = d.p99_budget;
  const double start = find_start_rate(d, point.spec.in_flight(), point.spec.vcpus);
  return find_max_rate(start, budget, [&](double rate) {
    sweep_description at = d;  // the probe's own run: a constant rate, not a search
    at.find = false;
    at.rate = rate;
    planned_point probe = point;
    probe.spec.rate = rate;
    probe.name = point_name(at, probe.subject, probe.spec.per_vcpu);
    rate_probe p;
    if (stop_requested()) {
      p.ran = false;
      p.stopped = true;
      p.why = "not run: interrupted";
      return p;
    }
    try {
      const point_result r = measure(
          plan, probe, [&](double f) { tick(probe.name, f); }, next_run(), reference);
      p.why = empty_point(r);
      if (p.why.empty()) {
        p.row = make_row(at, probe, r, first_floor_p99_us);
      }
    } catch (const std::exception& e) {
      p.why = one_line(e.what());
    }
    if (!p.why.empty()) {
      p.ran = false;
      p.why = "not measured: " + p.why;
    }
    return p;
  });
}

}  // namespace inflight::bench
