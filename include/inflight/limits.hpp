#pragma once
// The LMI concurrency cap: PerExecutionEnvironmentMaxConcurrency and its per-vCPU limit.

#include <cstddef>
#include <stdexcept>
#include <string>

namespace inflight {

/// The most concurrent invocations LMI allows per vCPU of an execution environment.
inline constexpr std::size_t max_per_vcpu = 64;

/// Validates a PerExecutionEnvironmentMaxConcurrency value for an environment of `vcpus` vCPUs.
/// Throws std::invalid_argument for vcpus == 0, for max_concurrency == 0, and for
/// max_concurrency > 64 * vcpus, then with AWS's own wording ("... the limit is <64*vcpus>").
inline void check_max_concurrency(std::size_t max_concurrency, std::size_t vcpus) {
  if (vcpus == 0) {
    throw std::invalid_argument("vcpus is 0; valid range is 1 or more");
  }
  const std::size_t limit = max_per_vcpu * vcpus;
  if (max_concurrency == 0) {
    throw std::invalid_argument("PerExecutionEnvironmentMaxConcurrency is 0; valid range is 1.." +
                                std::to_string(limit));
  }
  if (max_concurrency > limit) {
    throw std::invalid_argument(
        "The specified PerExecutionEnvironmentMaxConcurrency exceeds the limit of 64 per VCpu. "
        "For your configuration, the limit is " +
        std::to_string(limit));
  }
}

}  // namespace inflight
