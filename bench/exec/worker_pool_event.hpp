#pragma once
// What a runtime says of its own worker pool: LMI's runtimes log the event
// runtime_worker_pool_initializing once at init, at DEBUG (with AWS_LAMBDA_LOG_LEVEL=DEBUG), with
// the worker count they chose and the concurrency they serve, as JSON (aws-lambda-java-libs#646:
// "workerCount", "executionEnvironmentMaxConcurrency"; aws-lambda-rust-runtime#1167:
// "worker_count", "execution_environment_max_concurrency") or as text (inflight::lambda::run:
// workerCount=N). Read from the runtime's output after the point.

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string_view>

namespace inflight::bench {

/// The runtime's own report of its worker pool.
struct worker_pool_report {
  std::size_t workers = 0;
  std::size_t max_concurrency = 0;  // 0: not reported
};

namespace detail {
// The number after the first of `keys` in `line` ("key": N, "key":N or key=N); 0: none.
inline std::size_t number_after(std::string_view line,
                                std::initializer_list<std::string_view> keys) {
  for (std::string_view key : keys) {
    for (std::size_t at = line.find(key); at != std::string_view::npos;
         at = line.find(key, at + 1)) {
      std::size_t i = at + key.size();
      if (i < line.size() && line[i] == '"') ++i;
      while (i < line.size() && line[i] == ' ') ++i;
      if (i >= line.size() || (line[i] != ':' && line[i] != '=')) continue;
      ++i;
      while (i < line.size() && line[i] == ' ') ++i;
      std::size_t n = 0, digits = 0;
      while (i < line.size() && std::isdigit(static_cast<unsigned char>(line[i])) && digits < 9) {
        n = n * 10 + static_cast<std::size_t>(line[i++] - '0');
        ++digits;
      }
      if (digits != 0) return n;
    }
  }
  return 0;
}
}  // namespace detail

/// The first runtime_worker_pool_initializing event in `log`, if any line has one with a worker
/// count.
inline std::optional<worker_pool_report> find_worker_pool_report(std::string_view log) {
  constexpr std::string_view event = "runtime_worker_pool_initializing";
  for (std::size_t at = log.find(event); at != std::string_view::npos;
       at = log.find(event, at + 1)) {
    const std::size_t begin =
        log.rfind('\n', at) == std::string_view::npos ? 0 : log.rfind('\n', at) + 1;
    const std::size_t end = std::min(log.find('\n', at), log.size());
    const std::string_view line = log.substr(begin, end - begin);
    worker_pool_report r;
    r.workers = detail::number_after(line, {"workerCount", "worker_count"});
    r.max_concurrency = detail::number_after(
        line, {"executionEnvironmentMaxConcurrency", "execution_environment_max_concurrency"});
    if (r.workers != 0) return r;
  }
  return std::nullopt;
}

}  // namespace inflight::bench
