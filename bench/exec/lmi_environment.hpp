#pragma once
// The variables LMI sets for a runtime process, with the user's --env over them.

#include <cstdlib>
#include <ctime>
#include <string>
#include <utility>
#include <vector>

#include "models/traits.hpp"
#include "point/spec.hpp"

namespace inflight::bench::detail {

/// LMI's variables for `e`'s runtime at `spec`, serving the Runtime API at `api`, then `e.env`.
inline std::vector<std::pair<std::string, std::string>> lmi_environment(const exec_spec& e,
                                                                        const point_spec& spec,
                                                                        const std::string& api) {
  const std::string region = [] {
    const char* r = std::getenv("AWS_REGION");
    return std::string(r && *r ? r : "us-east-1");
  }();
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char day[16];
  std::strftime(day, sizeof day, "%Y/%m/%d", &utc);
  std::vector<std::pair<std::string, std::string>> env = {
      {"AWS_LAMBDA_RUNTIME_API", api},
      {"AWS_LAMBDA_MAX_CONCURRENCY", std::to_string(spec.in_flight())},
      {"_HANDLER", "index.handler"},
      {"LAMBDA_TASK_ROOT", e.cwd},
      {"AWS_LAMBDA_FUNCTION_NAME", e.label},
      {"AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"},
      {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", std::to_string(2048 * spec.vcpus)},
      {"AWS_REGION", region},
      {"AWS_DEFAULT_REGION", region},
      {"AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + e.label},
      {"AWS_LAMBDA_LOG_STREAM_NAME", std::string(day) + "/[$LATEST]inflight"},
      {"AWS_LAMBDA_INITIALIZATION_TYPE", "lambda-managed-instances"},
      // LMI supports only JSON logs; the emulator's LMI mode defaults to them, and the Node.js
      // client takes its JSON logging path on this variable alone.
      {"AWS_LAMBDA_LOG_FORMAT", "json"},
      {"AWS_XRAY_CONTEXT_MISSING", "LOG_ERROR"},
      {"TZ", ":UTC"},
  };
  // inflight makes no cgroup with cpu.max, without which the Node.js client counts 1 CPU; on
  // LMI it derives 8 workers per vCPU from cpu.max, so it is told that count here.
  env.emplace_back("AWS_LAMBDA_NODEJS_WORKER_COUNT",
                   std::to_string(nodejs_workers_per_vcpu * spec.vcpus));
  env.insert(env.end(), e.env.begin(), e.env.end());
  return env;
}

}  // namespace inflight::bench::detail
