#pragma once
// The LMI concurrency cap: PerExecutionEnvironmentMaxConcurrency and its per-vCPU limit.

#include <cstddef>
#include <cstdlib>  // std::getenv
#include <optional>
#include <stdexcept>
#include <string>

namespace inflight {

/// The most concurrent invocations LMI allows per vCPU of an execution environment.
inline constexpr std::size_t max_per_vcpu = 64;

/// Validates a PerExecutionEnvironmentMaxConcurrency value for an environment of `vcpus` vCPUs and
/// returns it, so a limiter can be sized in one expression:
///
///     inflight::slot_limiter limiter(inflight::check_max_concurrency(cap, vcpus));
///
/// Throws std::invalid_argument for vcpus == 0, for max_concurrency == 0, and for
/// max_concurrency > 64 * vcpus, then with AWS's own wording ("... the limit is <64*vcpus>").
inline std::size_t check_max_concurrency(std::size_t max_concurrency, std::size_t vcpus) {
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
  return max_concurrency;
}

/// The concurrency LMI gives this execution environment: AWS_LAMBDA_MAX_CONCURRENCY, checked
/// against `vcpus` as check_max_concurrency() does; empty when the variable is unset (outside
/// LMI, one invocation at a time). Throws std::invalid_argument when it is not a whole number
/// (digits only) or out of range, with LMI's wording for the per-vCPU limit.
inline std::optional<std::size_t> max_concurrency_from_env(std::size_t vcpus) {
  const char* raw = std::getenv("AWS_LAMBDA_MAX_CONCURRENCY");
  if (raw == nullptr) return std::nullopt;
  const std::string text(raw);
  const std::string range = "valid range is 1.." + std::to_string(max_per_vcpu * vcpus);
  bool digits = !text.empty() && text.size() <= 9;
  for (const char c : text) digits = digits && c >= '0' && c <= '9';
  if (!digits) {
    throw std::invalid_argument("AWS_LAMBDA_MAX_CONCURRENCY is '" + text +
                                "', not a whole number; " + range);
  }
  return check_max_concurrency(std::stoul(text), vcpus);
}

}  // namespace inflight
