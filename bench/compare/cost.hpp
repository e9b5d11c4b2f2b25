#pragma once
// inflight_compare, the cost of serving --target_rps: for every measured cap of every curve, the
// execution environments it needs, the instances they pack onto, and the price per month and per
// million invocations from the user's own prices (--price_per_hour, --instance); then three
// choices among the caps, as AWS Lambda Power Tuning gives them: the cheapest within the latency
// budget, the fastest, and a balance of the two. No price is built in.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "compare/analysis.hpp"
#include "compare/options.hpp"
#include "compare/recommend.hpp"

namespace inflight::bench::compare {

/// Hours in a month, as AWS prices a month (8760 / 12).
inline constexpr double hours_per_month = 730;

/// LMI starts environments in 3 Availability Zones (../shared/LMI.md); each zone's environments
/// pack onto instances of their own.
inline constexpr std::size_t availability_zones = 3;

/// Environments of `env_vcpus` vCPUs and `env_memory_mb` MB that fit on one instance, by vCPUs and
/// memory alone (whatever LMI keeps of an instance for itself is not known here, so not counted).
inline std::size_t environments_per_instance(instance_shape i, double env_vcpus,
                                             double env_memory_mb) {
  if (!(env_vcpus > 0) || !(env_memory_mb > 0)) return 0;
  const double by_cpu = std::floor(i.vcpus / env_vcpus + 1e-9);
  const double by_memory = std::floor(i.memory_gib * 1024 / env_memory_mb + 1e-9);
  return static_cast<std::size_t>(std::max(0.0, std::min(by_cpu, by_memory)));
}

/// Instances for `environments` spread evenly over the zones, `per_instance` to an instance.
inline std::size_t instances_for(std::size_t environments, std::size_t per_instance) {
  if (per_instance == 0) return 0;
  const std::size_t per_zone = (environments + availability_zones - 1) / availability_zones;
  return availability_zones * ((per_zone + per_instance - 1) / per_instance);
}

/// One cap of one curve, priced.
struct cap_cost {
  std::size_t per_vcpu = 0;
  std::size_t environments = 0, per_instance = 0, instances = 0;
  double month_usd = 0, per_million_usd = 0;
  std::optional<double> tail_us;  // the tail the recommendation reads (tail_of)
  std::string excluded;           // why no choice may take it; empty: it may
};

struct curve_cost {
  std::size_t curve = 0;  // index into comparison::curves
  double price_per_hour = 0;
  instance_shape instance;
  std::vector<cap_cost> caps;
  std::string problem;  // set when the curve cannot be priced at all
};

/// A strategy's pick: curve and cap (indices), or none.
struct cost_choice {
  const char* strategy = "";
  const char* meaning = "";
  std::optional<std::size_t> curve, cap;  // into cost_report::curves, then curve_cost::caps
};

struct cost_report {
  double target_rps = 0, fee = 0, request_price = 0;
  std::vector<curve_cost> curves;
  std::vector<cost_choice> choices;  // cheapest, fastest, balanced
};

/// Prices every cap of every curve of `c` for `o.target_rps`. Call only with prices given.
inline cost_report price(const comparison& c, const compare_options& o) {
  cost_report r{o.target_rps, o.management_fee, o.request_price, {}, {}};
  const double requests_per_month = o.target_rps * hours_per_month * 3600;
  const double request_charge = requests_per_month / 1e6 * o.request_price;
  for (std::size_t k = 0; k < c.curves.size(); ++k) {
    const curve_analysis& a = c.curves[k];
    const sweep_file& f = c.files[a.file];
    curve_cost cc;
    cc.curve = k;
    cc.price_per_hour = o.price_per_hour[o.price_per_hour.size() == 1 ? 0 : a.file];
    cc.instance = o.instances[o.instances.size() == 1 ? 0 : a.file];
    const double env_vcpus = static_cast<double>(f.vcpus);
    const double env_memory_mb = o.memory_per_vcpu_mb * env_vcpus;
    const std::size_t fit = environments_per_instance(cc.instance, env_vcpus, env_memory_mb);
    if (fit == 0) {
      cc.problem = fmt::format(
          "an environment of {} vCPU and {:.0f} MB does not fit on a {:g}-vCPU, {:g}-GiB instance",
          f.vcpus, env_memory_mb, cc.instance.vcpus, cc.instance.memory_gib);
    } else if (a.points.empty()) {
      cc.problem = a.rec.why;
    }
    if (!cc.problem.empty()) {
      r.curves.push_back(std::move(cc));
      continue;
    }
    for (const auto& p : a.points) {
      cap_cost cap;
      cap.per_vcpu = p.per_vcpu;
      cap.environments = environments_needed(o.target_rps, p.throughput);
      cap.per_instance = fit;
      cap.instances = instances_for(cap.environments, fit);
      cap.month_usd = static_cast<double>(cap.instances) * cc.price_per_hour *
                          (1 + o.management_fee) * hours_per_month +
                      request_charge;
      cap.per_million_usd = cap.month_usd / (requests_per_month / 1e6);
      if (const auto t = tail_of(p)) cap.tail_us = t->us;
      switch (limit_of(p, a.rec.budget_us, o.cpu_target, env_memory_mb)) {
        case cap_limit::tail:
          cap.excluded = !cap.tail_us ? "too few samples for a tail"
                         : !(a.rec.budget_us > 0)
                             ? "no latency budget"
                             : fmt::format("over the {:.3f} ms budget", a.rec.budget_us / 1e3);
          break;
        case cap_limit::memory:
          cap.excluded = fmt::format("needs {:.0f} MB, over {:.0f}", *p.rss_peak_mb, env_memory_mb);
          break;
        case cap_limit::cpu:
          cap.excluded = fmt::format("CPU over {:.0f}%", o.cpu_target * 100);
          break;
        case cap_limit::none:
          if (a.leaked_per_vcpu && p.per_vcpu >= *a.leaked_per_vcpu) {
            cap.excluded =
                fmt::format("invocations not kept apart at per_vCPU {}", *a.leaked_per_vcpu);
          }
      }
      cc.caps.push_back(std::move(cap));
    }
    r.curves.push_back(std::move(cc));
  }
  // The choices, over every cap no rule excluded. Balanced: the lowest mean of cost and tail,
  // each divided by its best (Power Tuning's balanced strategy with equal weights).
  double cheapest = std::numeric_limits<double>::infinity(), fastest = cheapest;
  for (const auto& cc : r.curves) {
    for (const auto& cap : cc.caps) {
      if (!cap.excluded.empty()) continue;
      cheapest = std::min(cheapest, cap.month_usd);
      fastest = std::min(fastest, *cap.tail_us);
    }
  }
  // Each strategy's key is compared as a pair: its measure, then the other to break ties.
  const auto pick = [&](const char* strategy, const char* meaning, auto key) {
    cost_choice choice{strategy, meaning, std::nullopt, std::nullopt};
    for (std::size_t i = 0; i < r.curves.size(); ++i) {
      for (std::size_t j = 0; j < r.curves[i].caps.size(); ++j) {
        const cap_cost& cap = r.curves[i].caps[j];
        if (!cap.excluded.empty()) continue;
        if (!choice.curve || key(cap) < key(r.curves[*choice.curve].caps[*choice.cap])) {
          choice.curve = i;
          choice.cap = j;
        }
      }
    }
    r.choices.push_back(choice);
  };
  pick("cheapest", "the lowest cost within the latency budget", [](const cap_cost& cap) {
    return std::pair{cap.month_usd, *cap.tail_us};
  });
  pick("fastest", "the lowest tail latency", [](const cap_cost& cap) {
    return std::pair{*cap.tail_us, cap.month_usd};
  });
  pick("balanced", "the lowest mean of cost and tail latency, each over its best",
       [&](const cap_cost& cap) {
         return std::pair{(cap.month_usd / cheapest + *cap.tail_us / fastest) / 2, cap.month_usd};
       });
  return r;
}

}  // namespace inflight::bench::compare
