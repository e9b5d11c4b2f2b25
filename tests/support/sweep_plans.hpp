#pragma once
// Short sweeps for the plan, rows and renderer tests: options of 200 ms points on `vcpus`
// unpinned vCPUs, the plan of one of their points, and a run's description.

#include <chrono>
#include <string>

#include "sweep/options.hpp"
#include "sweep/plan.hpp"

namespace inflight::test {

inline bench::sweep_options short_options(std::size_t vcpus) {
  bench::sweep_options o;
  o.vcpus = vcpus;
  o.available = vcpus;
  o.duration = std::chrono::milliseconds(200);
  o.warmup = std::chrono::milliseconds(50);
  return o;
}

/// A machine of `vcpus` CPUs numbered from 0.
inline vcpu_info machine_of(std::size_t vcpus) {
  vcpu_info m{vcpus, "test", {}};
  for (std::size_t i = 0; i < vcpus; ++i) m.cpus.push_back(static_cast<int>(i));
  return m;
}

/// The plan of `o` with model `m` at `per_vcpu` alone.
inline bench::sweep_plan plan_of(bench::sweep_options o, bench::model m, std::size_t per_vcpu) {
  o.models = {m};
  o.per_vcpu = {per_vcpu};
  return bench::make_plan(o, machine_of(o.available));
}

/// Measures `o`'s point of model `m` at `per_vcpu`.
inline bench::point_result measure_one(const bench::sweep_options& o, bench::model m,
                                       std::size_t per_vcpu) {
  const auto plan = plan_of(o, m, per_vcpu);
  return bench::measure(plan, plan.points.front());
}

/// The description of a run of `o` (no --exec).
inline bench::sweep_description run_of(const bench::sweep_options& o) {
  return bench::make_plan(o, machine_of(o.available)).run;
}

}  // namespace inflight::test
