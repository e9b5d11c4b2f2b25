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

#include <cxxabi.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <typeinfo>
#include <utility>
#include <vector>

#include "detail/http_client.hpp"
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
  /// Receives each diagnostic line (no newline); called from any worker at once. Empty
  /// (default): the line goes to stderr.
  std::function<void(std::string_view)> log;
};

/// A handler as run() stores it.
using handler_function = std::function<std::string(const invocation&)>;

namespace detail {

namespace http = ::inflight::detail::http;
using steady = std::chrono::steady_clock;

inline constexpr std::string_view api_prefix = "/2018-06-01/runtime/";

/// The demangled name of a type ("std::out_of_range").
inline std::string type_name(const std::type_info& t) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(
      abi::__cxa_demangle(t.name(), nullptr, nullptr, &status), std::free);
  return status == 0 && name ? std::string(name.get()) : std::string(t.name());
}

/// `s` as the inside of a JSON string.
inline std::string json_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static const char hex[] = "0123456789abcdef";
          out += "\\u00";
          out += hex[(c >> 4) & 0xf];
          out += hex[c & 0xf];
        } else {
          out += c;
        }
    }
  }
  return out;
}

/// The body of /error and /init/error, as Lambda's runtimes send it.
inline std::string error_body(std::string_view type, std::string_view message) {
  return "{\"errorMessage\":\"" + json_escape(message) + "\",\"errorType\":\"" + json_escape(type) +
         "\",\"stackTrace\":[]}";
}

/// Whether `id` can go into a request path as it is.
inline bool valid_request_id(std::string_view id) {
  return !id.empty() && id.size() <= 256 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

/// Gives `line` to `sink`, or without one writes it to stderr behind "inflight::lambda: ". A
/// throwing sink is ignored: a diagnostic must not end a slot.
inline void emit(const std::function<void(std::string_view)>& sink, const std::string& line) {
  if (sink) {
    try {
      sink(line);
    } catch (...) {
    }
    return;
  }
  const std::string out = "inflight::lambda: " + line + "\n";
  std::fwrite(out.data(), 1, out.size(), stderr);
}

/// Throws std::invalid_argument unless `d` is within 1 ms .. 10 min.
inline void check_timeout(std::chrono::milliseconds d, const char* name) {
  if (d.count() < 1 || d > std::chrono::minutes(10)) {
    throw std::invalid_argument(std::string("lambda::options.") + name + " is " +
                                std::to_string(d.count()) + " ms; valid range is 1..600000 ms");
  }
}

/// The runtime behind run(): the slots, their connections, and how it ends.
class runtime {
 public:
  runtime(handler_function handler, const options& o, http::endpoint api)
      : handler_(std::move(handler)),
        options_(o),
        api_(std::move(api)),
        policy_{o.connect_timeout, std::chrono::milliseconds(10), std::chrono::milliseconds(1000)} {
  }

  void log(const std::string& line) const { emit(options_.log, line); }

  /// POSTs /runtime/init/error from the calling thread, logs `message`, and returns 1.
  int init_failed(const std::string& type, const std::string& message) {
    log(message + " (" + type + ")");
    http::client c(api_, policy_, {});
    http::response reply;
    const auto o = c.request(
        "POST", std::string(api_prefix) + "init/error",
        "Lambda-Runtime-Function-Error-Type: " + type + "\r\nContent-Type: application/json\r\n",
        error_body(type, message), reply, steady::now() + options_.request_timeout);
    if (o.error != http::failure::none) log("POST /runtime/init/error: " + o.what);
    return 1;
  }

  /// Serves with `concurrency` slots on `d` until a stop or a lost Runtime API.
  int serve(dispatcher& d, std::size_t concurrency) {
    slots_.reserve(concurrency);
    const http::limits bounds{16 * 1024, 64, max_response_bytes + 65536};
    for (std::size_t i = 0; i < concurrency; ++i) {
      slots_.push_back(std::make_unique<http::client>(api_, policy_, bounds));
    }
    d.run_slots(concurrency, [this](std::size_t i) {
      if (!stopping_.load()) {
        slot(*slots_[i]);
      } else {
        io_wait(std::chrono::milliseconds(1));  // until stop_slots(): run_slots calls again
      }
    });
    {
      std::unique_lock<std::mutex> lock(mutex_);
      while (!stopping_.load()) {
        if (options_.stop == nullptr) {
          wake_.wait(lock);
        } else if (options_.stop->load()) {
          stopping_.store(true);
        } else {
          wake_.wait_for(lock, std::chrono::milliseconds(50));
        }
      }
    }
    d.stop_slots();
    d.stop();
    if (!fatal_.empty()) {
      log(fatal_ + "; exiting");
      return 1;
    }
    return 0;
  }

 private:
  void give_up(const std::string& why) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (fatal_.empty()) fatal_ = why;
    stopping_.store(true);
    wake_.notify_all();
  }

  // Waits `backoff` after a failed /next and doubles it up to 1 s.
  static void pause(std::chrono::milliseconds& backoff) {
    io_wait(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
  }

  // One slot: GET /next -> handler -> POST, until the runtime stops.
  void slot(http::client& c) {
    http::response next;
    std::chrono::milliseconds backoff{10};
    const std::string next_path = std::string(api_prefix) + "invocation/next";
    while (!stopping_.load()) {
      const auto o =
          c.request("GET", next_path, {}, {}, next, steady::time_point::max(), &stopping_);
      if (o.error == http::failure::stopped) return;
      if (o.error == http::failure::connect) {
        give_up("the Runtime API is gone: " + o.what);
        return;
      }
      if (o.error != http::failure::none) {
        log("GET /next: " + o.what + "; reconnecting");
        pause(backoff);
        continue;
      }
      if (next.status != 200) {
        log("GET /next answered " + std::to_string(next.status) + ": " + next.body.substr(0, 200));
        pause(backoff);
        continue;
      }
      invocation in;
      in.request_id.assign(next.header("Lambda-Runtime-Aws-Request-Id"));
      if (!valid_request_id(in.request_id)) {
        log("GET /next: malformed response: Lambda-Runtime-Aws-Request-Id '" +
            in.request_id.substr(0, 64) + "' is missing or not a request id; skipped");
        pause(backoff);
        continue;
      }
      backoff = std::chrono::milliseconds(10);
      in.payload = std::move(next.body);
      in.function_arn.assign(next.header("Lambda-Runtime-Invoked-Function-Arn"));
      in.trace_id.assign(next.header("Lambda-Runtime-Trace-Id"));
      in.client_context.assign(next.header("Lambda-Runtime-Client-Context"));
      in.cognito_identity.assign(next.header("Lambda-Runtime-Cognito-Identity"));
      const auto ms = next.header("Lambda-Runtime-Deadline-Ms");
      // A deadline beyond the clock's range (about the year 2262) stays time_point::max().
      constexpr auto latest = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::duration::max());
      if (http::is_digits(ms) && ms.size() <= 15) {
        const long long value = std::stoll(std::string(ms));
        if (value < latest.count()) {
          in.deadline = std::chrono::system_clock::time_point(std::chrono::milliseconds(value));
        }
      }
      invoke(c, in);
    }
  }

  void invoke(http::client& c, const invocation& in) {
    std::string body, type, message;
    try {
      body = handler_(in);
    } catch (const std::exception& e) {
      type = type_name(typeid(e));
      message = e.what();
    } catch (...) {
      type = "Unknown";
      message = "the handler threw something that is not a std::exception";
    }
    if (type.empty() && body.size() > max_response_bytes) {
      type = "Function.ResponseSizeTooLarge";
      message = "Response payload size (" + std::to_string(body.size()) +
                " bytes) exceeded maximum allowed payload size (6291556 bytes).";
      body = {};
    }
    const std::string base = std::string(api_prefix) + "invocation/" + in.request_id;
    const bool failed = !type.empty();
    const auto o =
        failed ? post_error(c, base, type, message) : post(c, base + "/response", {}, body);
    if (o.error == http::failure::none || o.error == http::failure::malformed) return;
    if (o.error == http::failure::connect) {
      give_up("invocation " + in.request_id + " not reported, the Runtime API is gone: " + o.what);
      return;
    }
    // The connection failed mid-request: report the invocation as failed on a new one.
    log("invocation " + in.request_id + ": POST " + (failed ? "/error" : "/response") + ": " +
        o.what + "; reconnecting to report it as failed");
    const auto again = post_error(c, base, "Runtime.ConnectionLost",
                                  "the runtime's connection failed while it posted the " +
                                      std::string(failed ? "error" : "response") + ": " + o.what);
    if (again.error == http::failure::connect) {
      give_up("invocation " + in.request_id +
              " not reported, the Runtime API is gone: " + again.what);
    } else if (again.error != http::failure::none && again.error != http::failure::malformed) {
      log("invocation " + in.request_id + " not reported: " + again.what);
    }
  }

  http::outcome post_error(http::client& c, const std::string& base, const std::string& type,
                           const std::string& message) {
    return post(
        c, base + "/error",
        "Lambda-Runtime-Function-Error-Type: " + type + "\r\nContent-Type: application/json\r\n",
        error_body(type, message));
  }

  // A POST whose reply is logged unless 2xx; a malformed reply is logged and counts as handled.
  http::outcome post(http::client& c, const std::string& path, const std::string& headers,
                     std::string_view body) {
    http::response reply;
    auto o =
        c.request("POST", path, headers, body, reply, steady::now() + options_.request_timeout);
    if (o.error == http::failure::malformed) {
      log("POST " + path + ": " + o.what);
    } else if (o.error == http::failure::none && (reply.status < 200 || reply.status > 299)) {
      log("POST " + path + " answered " + std::to_string(reply.status) + ": " +
          reply.body.substr(0, 200));
    }
    return o;
  }

  handler_function handler_;
  const options& options_;
  http::endpoint api_;
  http::connect_policy policy_;
  std::vector<std::unique_ptr<http::client>> slots_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::string fatal_;
};

}  // namespace detail

/// Serves invocations until `o.stop` becomes true (returns 0) or the Runtime API is lost for
/// longer than `o.connect_timeout` (logs one line, returns 1); use it as main's return value.
/// `handler` is callable as std::string(const invocation&): the payload in, the response body
/// out; a throw is reported to /error with errorType the exception's type ("std::out_of_range")
/// and errorMessage its what(); a response over max_response_bytes is reported as
/// Function.ResponseSizeTooLarge. A failure before the first GET /next (o.init throws,
/// AWS_LAMBDA_MAX_CONCURRENCY invalid, no worker thread) is POSTed to /runtime/init/error and
/// logged, and run() returns 1; so does a missing or malformed AWS_LAMBDA_RUNTIME_API (logged
/// only). Throws std::invalid_argument for an empty handler or options out of range (a
/// concurrency above 64 per vCPU in LMI's words).
template <class Handler>
int run(Handler&& handler, options o = {}) {
  handler_function h(std::forward<Handler>(handler));
  if (!h) throw std::invalid_argument("lambda::run: the handler is empty");
  detail::check_timeout(o.connect_timeout, "connect_timeout");
  detail::check_timeout(o.request_timeout, "request_timeout");
  const std::size_t vcpus = o.vcpus == 0 ? detect_vcpus().count : o.vcpus;
  if (o.concurrency != 0) check_max_concurrency(o.concurrency, vcpus);
  dispatcher_options d;
  d.vcpus = vcpus;
  d.workers_per_vcpu = o.workers_per_vcpu;
  d.stack_size = o.stack_size;
  // What escapes a slot (a descriptor the kernel refuses, memory) is logged; the slot goes on.
  d.on_failure = [sink = o.log](std::exception_ptr failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      detail::emit(sink, std::string("a slot failed and goes on: ") + e.what());
    } catch (...) {
      detail::emit(sink, "a slot failed and goes on: an exception that is not a std::exception");
    }
  };
  std::unique_ptr<dispatcher> workers;
  std::string dispatcher_failure;
  try {
    workers = std::make_unique<dispatcher>(d);
  } catch (const std::system_error& e) {  // out-of-range options throw std::invalid_argument
    dispatcher_failure = e.what();
  }

  if (o.runtime_api.empty()) {
    const char* env = std::getenv("AWS_LAMBDA_RUNTIME_API");
    if (env != nullptr) o.runtime_api = env;
  }
  std::string why;
  const auto api = detail::http::parse_endpoint(o.runtime_api, why);
  if (!api) {
    const std::string line =
        o.runtime_api.empty()
            ? "AWS_LAMBDA_RUNTIME_API is not set; it names the Runtime API as HOST:PORT"
            : "AWS_LAMBDA_RUNTIME_API is '" + o.runtime_api + "': " + why;
    detail::emit(o.log, line);
    return 1;
  }
  detail::runtime r(std::move(h), o, *api);
  if (!workers) return r.init_failed("Runtime.InitError", "no dispatcher: " + dispatcher_failure);
  std::size_t concurrency = o.concurrency;
  if (concurrency == 0) {
    try {
      concurrency = max_concurrency_from_env(vcpus).value_or(1);
    } catch (const std::invalid_argument& e) {
      return r.init_failed("Runtime.InvalidConcurrency", e.what());
    }
  }
  if (o.init) {
    try {
      o.init();
    } catch (const std::exception& e) {
      return r.init_failed(detail::type_name(typeid(e)), std::string("init: ") + e.what());
    } catch (...) {
      return r.init_failed("Unknown", "init threw something that is not a std::exception");
    }
  }
  return r.serve(*workers, concurrency);
}

}  // namespace inflight::lambda
