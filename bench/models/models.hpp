#pragma once
// Every runtime model behind one interface: a runner that drives a point's slots against its
// point_context through the window and fills the point_result. run_point() picks the runner from
// the model table (traits.hpp), so a test can run any model with a handler of its own.
//
// Data path: run_point -> model (dispatcher fibers, threads, processes or a stealing pool) ->
// slot_limiter (open loop) -> handler -> latency_histogram -> point_result.

#include <stdexcept>

#include "inflight/topology.hpp"
#include "models/dispatcher.hpp"
#include "models/exec.hpp"
#include "models/processes.hpp"
#include "models/stealing.hpp"
#include "models/threads.hpp"
#include "models/traits.hpp"
#include "support/point.hpp"

namespace inflight::bench {

/// A model's runner. It may throw std::runtime_error (or std::system_error) when the model
/// cannot start, after ending whatever it did start.
using model_runner = void (*)(detail::point_context& ctx, point_result& r, const progress& tick);

namespace detail {
inline void run_fiber(point_context& ctx, point_result& r, const progress& tick) {
  run_dispatcher_model(ctx, r, traits(model::fiber).workers_per_vcpu, tick);
}
inline void run_nodejs(point_context& ctx, point_result& r, const progress& tick) {
  run_dispatcher_model(ctx, r, traits(model::nodejs).workers_per_vcpu, tick);
}
inline void run_dotnet(point_context& ctx, point_result& r, const progress& tick) {
  run_stealing_model(ctx, r, true, tick);
}
inline void run_rust(point_context& ctx, point_result& r, const progress& tick) {
  run_stealing_model(ctx, r, false, tick);
}
}  // namespace detail

/// The runner of model `m`.
inline model_runner runner_of(model m) {
  switch (m) {
    case model::fiber:
      return detail::run_fiber;
    case model::nodejs:
      return detail::run_nodejs;
    case model::java:
      return detail::run_thread_model;
    case model::python:
      return detail::run_process_model;
    case model::dotnet:
      return detail::run_dotnet;
    case model::rust:
      return detail::run_rust;
  }
  throw std::logic_error("no runner for this model");
}

/// Runs one point: model `m` at `spec`'s concurrency, every invocation calling `handler`.
/// `tick` (optional) hears the fraction of the point done about every 5 ms. Throws
/// std::runtime_error (or std::system_error) when the model cannot start.
inline point_result run_point(const point_spec& spec, model m, const point_handler& handler,
                              const progress& tick = {}) {
  point_result r;
  r.per_vcpu = spec.per_vcpu;
  r.vcpus = spec.vcpus;
  r.in_flight = spec.in_flight();
  r.cpus = spec.cpus.empty() ? detect_vcpus().cpus.size() : spec.cpus.size();
  // Latencies go to shards under a lock every 256 calls: one per worker where slots stay on
  // their worker, else 64 (each 260 KiB).
  const auto& t = traits(m);
  const std::size_t shards = t.slots_stay_on_workers ? spec.vcpus * t.workers_per_vcpu : 64;
  detail::point_context ctx(spec, handler, shards);
  runner_of(m)(ctx, r, tick);
  ctx.collect(r);
  return r;
}

/// Runs one exec point: the runtime of `spec.exec` at `spec`'s concurrency, driven through a
/// local Runtime API (models/exec.hpp). Throws std::runtime_error when the runtime cannot start,
/// fails its init, or dies during the point (with the last lines of its output).
inline point_result run_exec_point(const point_spec& spec, const progress& tick = {}) {
  point_result r;
  r.per_vcpu = spec.per_vcpu;
  r.vcpus = spec.vcpus;
  r.in_flight = spec.in_flight();
  r.cpus = spec.cpus.empty() ? detect_vcpus().cpus.size() : spec.cpus.size();
  const point_handler none;  // the runtime runs the user's own handler
  detail::point_context ctx(spec, none, 1);
  detail::run_exec_model(ctx, r, tick);
  ctx.collect(r);
  return r;
}

}  // namespace inflight::bench
