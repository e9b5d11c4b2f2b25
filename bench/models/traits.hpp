#pragma once
// The runtime models' facts in one table: name, what runs the invocations, the runtime's default
// cap per vCPU and how many worker threads it starts. The flags, the runner, --help and the
// README's model table are generated from it or checked against it (tests/bench/models_test.cpp).
// A new model adds a row here and a subject in bench/models/<name>.hpp, made in models.hpp.

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <optional>
#include <string>

namespace inflight::bench {

/// How a runtime runs concurrent invocations inside one execution environment.
enum class model { fiber, nodejs, java, python, dotnet, rust };

/// One runtime model's facts.
struct model_traits {
  model id;
  const char* name;
  /// What runs the invocations, as the README's table says it.
  const char* runs;
  /// The runtime's default PerExecutionEnvironmentMaxConcurrency per vCPU; 0: none.
  std::size_t default_per_vcpu;
  /// Worker threads per vCPU that run fibers; 0 when the model runs one thread (or process) per
  /// slot instead.
  std::size_t workers_per_vcpu;
  /// The worker count rule, as the README's table says it.
  const char* workers_rule;
};

/// The Node.js runtime client's worker threads per vCPU on LMI (it derives them from cpu.max):
/// the nodejs model starts as many, and an exec point tells a real client this count.
inline constexpr std::size_t nodejs_workers_per_vcpu = 8;

inline constexpr model_traits model_table[] = {
    {model::fiber, "fiber", "1 worker thread per vCPU, each invocation slot a fiber", 0, 1,
     "vCPUs"},
    {model::nodejs, "nodejs",
     "8 × vCPU worker threads (the Node.js runtime client's count), slots spread evenly; open "
     "loop: each slot pulls the next invocation (`/next`)",
     64, nodejs_workers_per_vcpu, "8 × vCPUs"},
    {model::java, "java", "one OS thread per slot, blocking waits at the default 50 µs timer slack",
     32, 0, "one thread per slot"},
    {model::python, "python", "one process per slot (fork), one invocation at a time", 16, 0,
     "one process per slot"},
    {model::dotnet, "dotnet",
     "a work-stealing pool of vCPU threads; each invocation is a new task (fiber)", 32, 1, "vCPUs"},
    {model::rust, "rust", "a work-stealing pool of vCPU threads; each slot is one long-lived task",
     8, 1, "vCPUs"},
};

/// The row of `m`.
inline const model_traits& traits(model m) {
  return *std::find_if(std::begin(model_table), std::end(model_table),
                       [m](const model_traits& t) { return t.id == m; });
}

inline const char* model_name(model m) { return traits(m).name; }

/// The runtime's default PerExecutionEnvironmentMaxConcurrency per vCPU (0: none).
inline std::size_t model_default_per_vcpu(model m) { return traits(m).default_per_vcpu; }

/// The model called `name`, if any.
inline std::optional<model> model_by_name(const std::string& name) {
  for (const auto& t : model_table) {
    if (name == t.name) return t.id;
  }
  return std::nullopt;
}

/// "fiber, nodejs, java, python, dotnet, rust": the names in table order.
inline std::string model_names() {
  std::string out;
  for (const auto& t : model_table) out += (out.empty() ? "" : ", ") + std::string(t.name);
  return out;
}

}  // namespace inflight::bench
