#pragma once
// --find=max_rate: for one subject and cap, the highest constant open-loop rate one environment
// sustains, found on short points. A probe sustains its rate when at most 1% of its arrivals were
// throttled (the CloudWatch alarm AWS suggests for LMI's 429s), at most 1% of its invocations
// failed, and its p99 is within --p99_budget. The search doubles from a start rate while probes
// sustain (halves while they do not, until a probe has too few samples for a p99), then bisects
// between the highest rate that held and the lowest that did not until they are within 5% or 8
// probes. Every probe is kept: the JSON has them all (probeNN_* counters).
//
// The search assumes that a rate that fails makes every higher one fail too; on a noisy machine a
// probe can break that, and the probes show it (a failed probe below the rate found).

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sweep/rows.hpp"

namespace inflight::bench {

/// What the search holds a probe to.
struct find_budget {
  std::chrono::nanoseconds p99{0};  // --p99_budget
  double throttled_pct = 1;         // at most this share of arrivals throttled
  double failed_pct = 1;            // at most this share of invocations failed
};

/// One probe: its rate, its row (null figures when it could not run), and its verdict.
struct rate_probe {
  double rate = 0;
  point_row row;
  bool ran = true;  // false: the point could not be measured (why says so)
  bool sustained = false;
  bool thin = false;     // it failed only for too few samples for a p99: a lower rate has fewer
  bool stopped = false;  // the sweep was asked to stop (Ctrl-C): the search ends here
  std::string why;  // what failed it: "throttled 3.2% > 1%", "p99 7.1ms > 5ms", "not measured: ..."
};

/// What the search found: every probe in the order run, and the highest that sustained.
struct rate_search {
  std::vector<rate_probe> probes;
  std::optional<std::size_t> best;  // index into probes; none when no rate sustained
  double max_rate() const { return best ? probes[*best].rate : 0; }
};

namespace detail {

// What failed a probe's row against `b`'s shares (throttled, failed); "" when neither did.
inline std::string share_verdict(const point_row& row, const find_budget& b) {
  const double throttled = throttled_pct(row);
  const double failed = failed_pct(row);
  std::string why;
  if (throttled > b.throttled_pct) {
    why = fmt::format("throttled {:.2f}% > {:g}%", throttled, b.throttled_pct);
  }
  if (failed > b.failed_pct) {
    why += fmt::format("{}failed {:.2f}% > {:g}%", why.empty() ? "" : ", ", failed, b.failed_pct);
  }
  return why;
}

// The verdict of one probe's row against `b`; "" when it sustained.
inline std::string probe_verdict(const point_row& row, const find_budget& b) {
  std::string why = share_verdict(row, b);
  const double budget_us = std::chrono::duration<double, std::micro>(b.p99).count();
  std::string p99;
  if (!enough_samples(row.samples, 99)) {
    p99 = fmt::format("{} samples, too few for a p99", row.samples);
  } else if (row.p99_us > budget_us) {
    p99 = fmt::format("p99 {:.3f}ms > {}", row.p99_us / 1e3, format_duration(b.p99));
  }
  if (!p99.empty()) why += (why.empty() ? "" : "; ") + p99;
  return why;
}

}  // namespace detail

/// Runs the search from `start` (arrivals per second, above 0) with `probe_at`, which measures one
/// constant-rate point and returns its probe (ran, row; the verdict is filled in here); a probe
/// that says `stopped` ends the search. Rates stay within 0.001..10000000 per second.
inline rate_search find_max_rate(double start, const find_budget& budget,
                                 const std::function<rate_probe(double)>& probe_at) {
  rate_search s;
  bool stopped = false;  // a probe said the sweep is stopping: no further probe runs
  auto run = [&](double rate) {
    rate_probe p = probe_at(rate);
    p.rate = rate;
    if (p.ran) p.why = detail::probe_verdict(p.row, budget);
    p.sustained = p.ran && p.why.empty();
    p.thin =
        p.ran && !enough_samples(p.row.samples, 99) && detail::share_verdict(p.row, budget).empty();
    stopped = stopped || p.stopped;
    s.probes.push_back(std::move(p));
    if (s.probes.back().sustained && (!s.best || rate > s.probes[*s.best].rate)) {
      s.best = s.probes.size() - 1;
    }
    return s.probes.back().sustained;
  };
  constexpr double lowest = 0.001, highest = 1e7;
  double lo = 0, hi = 0;  // the highest rate that sustained, the lowest that did not (0: none)
  double rate = std::clamp(start, lowest, highest);
  if (run(rate)) {
    lo = rate;
    while (hi == 0 && rate < highest && !stopped) {
      rate = std::min(rate * 2, highest);
      if (run(rate)) {
        lo = rate;
      } else {
        hi = rate;
      }
    }
  } else {
    hi = rate;
    // Halving stops where a probe had too few samples for its p99: every lower rate has fewer.
    for (int halvings = 0;
         lo == 0 && halvings < 10 && rate > lowest && !s.probes.back().thin && !stopped;
         ++halvings) {
      rate = std::max(rate / 2, lowest);
      if (run(rate)) {
        lo = rate;
      } else {
        hi = rate;
      }
    }
  }
  for (int steps = 0; lo > 0 && hi > 0 && hi / lo > 1.05 && steps < 8 && !stopped; ++steps) {
    const double mid = (lo + hi) / 2;
    if (run(mid)) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return s;
}

/// The probes as counters: probe00_rate, _sustained (1 or 0), _throttled_pct, _failed_pct,
/// _p99_us and _throughput for each, in the order run; and max_rate (0: none sustained).
inline std::map<std::string, double> probe_counters(const rate_search& s) {
  std::map<std::string, double> out;
  out["max_rate"] = s.max_rate();
  out["probes"] = static_cast<double>(s.probes.size());
  for (std::size_t i = 0; i < s.probes.size(); ++i) {
    const auto& p = s.probes[i];
    const std::string k = fmt::format("probe{:02}_", i);
    out[k + "rate"] = p.rate;
    out[k + "sustained"] = p.sustained ? 1 : 0;
    if (!p.ran) continue;
    out[k + "throttled_pct"] = throttled_pct(p.row);
    out[k + "failed_pct"] = failed_pct(p.row);
    out[k + "p99_us"] = p.row.p99_us;
    out[k + "throughput"] = p.row.throughput;
  }
  return out;
}

/// Whether a counter is one of the probes': "probe" and two digits.
inline bool is_probe_counter(const std::string& name) {
  return name.size() > 8 && name.compare(0, 5, "probe") == 0 && name[5] >= '0' && name[5] <= '9' &&
         name[6] >= '0' && name[6] <= '9' && name[7] == '_';
}

}  // namespace inflight::bench
