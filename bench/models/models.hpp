#pragma once
// Every runtime model as a subject of the point runner (point/runner.hpp): make_model() picks
// the subject from the model table (traits.hpp), so a test can run any model with a handler of
// its own.
//
// Data path: run_point -> model (dispatcher fibers, threads, processes or a stealing pool) ->
// slot_limiter (open loop) -> handler -> latency_histogram -> point_result.

#include <memory>
#include <stdexcept>

#include "models/dispatcher.hpp"
#include "models/processes.hpp"
#include "models/stealing.hpp"
#include "models/threads.hpp"
#include "models/traits.hpp"
#include "point/runner.hpp"

namespace inflight::bench {

/// A fresh subject that runs one point of model `m`.
inline std::unique_ptr<subject> make_model(model m) {
  switch (m) {
    case model::fiber:
    case model::nodejs:
      return std::make_unique<detail::dispatcher_model>(traits(m).workers_per_vcpu);
    case model::java:
      return std::make_unique<detail::thread_model>();
    case model::python:
      return std::make_unique<detail::process_model>();
    case model::dotnet:
      return std::make_unique<detail::stealing_model>(true);
    case model::rust:
      return std::make_unique<detail::stealing_model>(false);
  }
  throw std::logic_error("no subject for this model");
}

/// Runs one point: model `m` at `spec`'s concurrency, every invocation calling `handler`.
/// `tick` (optional) hears the fraction of the point done about every 5 ms. Throws
/// std::runtime_error (or std::system_error) when the model cannot start.
inline point_result run_point(const point_spec& spec, model m, const point_handler& handler,
                              const progress_callback& tick = {}) {
  const auto s = make_model(m);
  return run_point(spec, *s, handler, tick);
}

}  // namespace inflight::bench
