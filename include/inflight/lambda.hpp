#pragma once
// A concurrent Lambda runtime for C++ handlers, on the dispatcher: what a custom runtime
// (`provided.al2023`) needs to serve LMI's many invocations at once. inflight::lambda::run()
// starts one worker thread per vCPU and AWS_LAMBDA_MAX_CONCURRENCY slot fibers; each slot loops
// GET /next -> handler -> POST response (or /error) on a keep-alive connection of its own, and
// waits on its socket with fd_wait.hpp, so a slot waiting for the Runtime API or in io_wait()
// costs its worker nothing.
//
//     int main() {
//       return inflight::lambda::run([](const inflight::lambda::invocation& in) {
//         return std::string(R"({"echo":)") + in.payload + "}";
//       });
//     }

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "dispatcher.hpp"
#include "io_wait.hpp"
#include "limits.hpp"
#include "topology.hpp"

namespace inflight::lambda {

/// One invocation, from the headers of its GET /next (never from process-wide environment
/// variables, which concurrent invocations would overwrite).
struct invocation {
  std::string payload;           ///< the event, as the Runtime API sent it
  std::string request_id;        ///< Lambda-Runtime-Aws-Request-Id
  std::string function_arn;      ///< Lambda-Runtime-Invoked-Function-Arn
  std::string trace_id;          ///< Lambda-Runtime-Trace-Id (X-Ray); empty when absent
  std::string client_context;    ///< Lambda-Runtime-Client-Context; empty when absent
  std::string cognito_identity;  ///< Lambda-Runtime-Cognito-Identity; empty when absent
  std::string tenant_id;         ///< Lambda-Runtime-Aws-Tenant-Id; empty when absent
  /// Lambda-Runtime-Deadline-Ms; time_point::max() when the header is absent, not a number, or
  /// beyond the clock's range.
  std::chrono::system_clock::time_point deadline = std::chrono::system_clock::time_point::max();

  /// Time left until the deadline; zero once it has passed.
  std::chrono::milliseconds remaining() const {
    if (deadline == std::chrono::system_clock::time_point::max()) {
      return std::chrono::milliseconds::max();
    }
    const auto left = deadline - std::chrono::system_clock::now();
    return std::max(std::chrono::milliseconds(0),
                    std::chrono::duration_cast<std::chrono::milliseconds>(left));
  }
};

/// The largest response Lambda accepts (its 6 MB synchronous payload limit); a larger one is
/// reported to /error as Function.ResponseSizeTooLarge instead.
inline constexpr std::size_t max_response_bytes = 6291556;

/// How run() serves. Every default is what Lambda's environment says.
struct options {
  /// The Runtime API as "HOST:PORT" (numeric, [IPv6] or localhost); empty (default):
  /// AWS_LAMBDA_RUNTIME_API.
  std::string runtime_api;
  /// Invocations served at once; 0 (default): AWS_LAMBDA_MAX_CONCURRENCY, read with
  /// max_concurrency_from_env(), or 1 without it (Lambda outside LMI). At most 64 per vCPU.
  std::size_t concurrency = 0;
  /// vCPUs, one worker thread each; 0 (default): detect_vcpus().count.
  std::size_t vcpus = 0;
  /// Worker threads per vCPU, 1..64; default 1.
  std::size_t workers_per_vcpu = 1;
  /// Each slot fiber's stack, 16 KiB .. 1 GiB; default 256 KiB (only touched pages cost memory).
  std::size_t stack_size = 256 * 1024;
  /// How long a lost Runtime API is retried (backoff from 10 ms, doubling to 1 s) before run()
  /// gives up and returns 1; 1 ms .. 10 min, default 10 s.
  std::chrono::milliseconds connect_timeout{10000};
  /// How long a POST waits for its reply; 1 ms .. 10 min, default 30 s.
  std::chrono::milliseconds request_timeout{30000};
  /// Runs once before the first GET /next, on the calling thread; a throw goes to
  /// /runtime/init/error and run() returns 1. Empty by default.
  std::function<void()> init;
  /// When set, run() returns 0 soon after it becomes true (each slot finishes its invocation).
  const std::atomic<bool>* stop = nullptr;
  /// Receives each diagnostic line as plain text (no newline); called from any worker at once.
  /// Empty (default): the line goes to stderr from a thread of its own, so a slow reader of
  /// stderr never stalls a worker (a line that finds 1024 waiting is dropped, and the count is
  /// logged), as a JSON object (timestamp, level, message) when AWS_LAMBDA_LOG_FORMAT is JSON, as
  /// on LMI, else as text. With AWS_LAMBDA_LOG_LEVEL DEBUG or TRACE, the runtime's worker pool is
  /// reported once at init (runtime_worker_pool_initializing, workerCount and
  /// executionEnvironmentMaxConcurrency), as LMI's runtimes report theirs.
  std::function<void(std::string_view)> log;
};

/// A handler as run() stores it.
using handler_function = std::function<std::string(const invocation&)>;

}  // namespace inflight::lambda

// The runtime behind run(), which needs the types above.
#include "detail/lambda_runtime.hpp"  // IWYU pragma: export

namespace inflight::lambda {

/// Serves invocations until `o.stop` becomes true (returns 0) or the Runtime API is lost for
/// longer than `o.connect_timeout` (logs one line, returns 1); use it as main's return value.
/// `handler` is callable as std::string(const invocation&): the payload in, the response body
/// out; a throw is reported to /error with errorType the exception's type ("std::out_of_range")
/// and errorMessage its what(); a response over max_response_bytes is reported as
/// Function.ResponseSizeTooLarge. It raises the soft RLIMIT_NOFILE to the hard limit. A failure
/// before the first GET /next (o.init throws, AWS_LAMBDA_MAX_CONCURRENCY invalid, too few
/// descriptors for the slots, no worker thread) is POSTed to /runtime/init/error and logged, and
/// run() returns 1; so does a missing or malformed AWS_LAMBDA_RUNTIME_API (logged only). Throws
/// std::invalid_argument for an empty handler or options out of range (a concurrency above 64
/// per vCPU in LMI's words).
template <class Handler>
int run(Handler&& handler, options o = {}) {
  handler_function h(std::forward<Handler>(handler));
  if (!h) throw std::invalid_argument("lambda::run: the handler is empty");
  detail::check_timeout(o.connect_timeout, "connect_timeout");
  detail::check_timeout(o.request_timeout, "request_timeout");
  const std::size_t vcpus = o.vcpus == 0 ? detect_vcpus().count : o.vcpus;
  if (o.concurrency != 0) check_max_concurrency(o.concurrency, vcpus);
  detail::logger log(o.log);  // first: it outlives the workers that log through it
  dispatcher_options d;
  d.vcpus = vcpus;
  d.workers_per_vcpu = o.workers_per_vcpu;
  d.stack_size = o.stack_size;
  // What escapes a slot (a descriptor the kernel refuses, memory) is logged; the slot goes on.
  d.on_failure = [&log](std::exception_ptr failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      log(std::string("a slot failed and goes on: ") + e.what());
    } catch (...) {
      log("a slot failed and goes on: an exception that is not a std::exception");
    }
  };
  std::unique_ptr<dispatcher> workers;
  std::string dispatcher_failure;
  try {
    workers = std::make_unique<dispatcher>(d);
  } catch (const std::invalid_argument&) {
    throw;                             // options out of range
  } catch (const std::exception& e) {  // no thread, no memory: reported to /init/error below
    dispatcher_failure = e.what();
  }

  if (o.runtime_api.empty()) {
    const char* env = std::getenv("AWS_LAMBDA_RUNTIME_API");
    if (env != nullptr) o.runtime_api = env;
  }
  std::string why;
  const auto api = detail::http::parse_endpoint(o.runtime_api, why);
  if (!api) {
    log(o.runtime_api.empty()
            ? "AWS_LAMBDA_RUNTIME_API is not set; it names the Runtime API as HOST:PORT"
            : "AWS_LAMBDA_RUNTIME_API is '" + o.runtime_api + "': " + why);
    return 1;
  }
  detail::runtime r(std::move(h), o, *api, log);
  if (!workers) return r.init_failed("Runtime.InitError", "no dispatcher: " + dispatcher_failure);
  std::size_t concurrency = o.concurrency;
  if (concurrency == 0) {
    try {
      concurrency = max_concurrency_from_env(vcpus).value_or(1);
    } catch (const std::invalid_argument& e) {
      return r.init_failed("Runtime.InvalidConcurrency", e.what());
    }
  }
  if (!detail::fit_descriptors(concurrency + 4 * vcpus * o.workers_per_vcpu + 16, why)) {
    return r.init_failed("Runtime.InitError", why);
  }
  if (o.init) {
    try {
      o.init();
    } catch (const std::exception& e) {
      return r.init_failed(::inflight::detail::type_name(typeid(e)),
                           std::string("init: ") + e.what());
    } catch (...) {
      return r.init_failed("Unknown", "init threw something that is not a std::exception");
    }
  }
  return r.serve(*workers, concurrency);
}

}  // namespace inflight::lambda
