#pragma once
// The runtime behind inflight::lambda::run() (lambda.hpp, which includes this after the types it
// uses): the slots, their connections to the Runtime API, and how it ends; with the handler call
// and the descriptor check that run() needs (its logger: lambda_log.hpp).

#include <sys/resource.h>  // RLIMIT_NOFILE

#include <algorithm>
#include <atomic>
#include <boost/context/detail/exception.hpp>  // forced_unwind
#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <vector>

#include "../dispatcher.hpp"
#include "../io_wait.hpp"
#include "http_client.hpp"
#include "lambda_log.hpp"
#include "runtime_text.hpp"

namespace inflight::lambda {

namespace detail {

namespace http = ::inflight::detail::http;
using steady = std::chrono::steady_clock;

inline constexpr std::string_view api_prefix = "/2018-06-01/runtime/";

/// Runs the handler on `in`: its body, or the error's type and message. Boost.Context's
/// forced_unwind (how a fiber's stack is unwound) passes through: it is no handler error.
inline void call_handler(const handler_function& handler, const invocation& in, std::string& body,
                         std::string& type, std::string& message) {
  try {
    body = handler(in);
  } catch (const boost::context::detail::forced_unwind&) {
    throw;
  } catch (const std::exception& e) {
    type = ::inflight::detail::type_name(typeid(e));
    message = e.what();
  } catch (...) {
    type = "Unknown";
    message = "the handler threw something that is not a std::exception";
  }
}

/// Throws std::invalid_argument unless `d` is within 1 ms .. 10 min.
inline void check_timeout(std::chrono::milliseconds d, const char* name) {
  if (d.count() < 1 || d > std::chrono::minutes(10)) {
    throw std::invalid_argument(std::string("lambda::options.") + name + " is " +
                                std::to_string(d.count()) + " ms; valid range is 1..600000 ms");
  }
}

/// Raises the soft RLIMIT_NOFILE to the hard limit (as Go's runtime does) and says whether
/// `needed` descriptors fit; `why` names the limit when they do not.
inline bool fit_descriptors(std::size_t needed, std::string& why) {
  rlimit l{};
  if (::getrlimit(RLIMIT_NOFILE, &l) != 0) return true;  // nothing known: the slots will say
  if (l.rlim_cur < l.rlim_max) {
    rlimit raised = l;
    raised.rlim_cur = l.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) l = raised;
  }
  if (l.rlim_cur == RLIM_INFINITY || l.rlim_cur >= needed) return true;
  why = "the slots and workers need at least " + std::to_string(needed) +
        " descriptors (one socket a slot, four a worker, and 16 to spare), and RLIMIT_NOFILE "
        "allows " +
        std::to_string(l.rlim_cur) + " (hard limit " + std::to_string(l.rlim_max) +
        "); lower AWS_LAMBDA_MAX_CONCURRENCY or raise the limit";
  return false;
}

/// The runtime behind run(): the slots, their connections, and how it ends.
class runtime {
 public:
  runtime(handler_function handler, const options& o, http::endpoint api, logger& log)
      : handler_(std::move(handler)),
        options_(o),
        api_(std::move(api)),
        policy_{o.connect_timeout, std::chrono::milliseconds(10), std::chrono::milliseconds(1000)},
        log_(log) {}

  /// POSTs /runtime/init/error from the calling thread, logs `message`, and returns 1.
  int init_failed(const std::string& type, const std::string& message);
  /// Serves with `concurrency` slots on `d` until a stop or a lost Runtime API.
  int serve(dispatcher& d, std::size_t concurrency);

 private:
  void give_up(const std::string& why);
  static void pause(std::chrono::milliseconds& backoff);
  void slot(http::client& c);
  bool next(http::client& c, http::response& reply, invocation& in,
            std::chrono::milliseconds& backoff);
  void invoke(http::client& c, const invocation& in);
  http::outcome post_error(http::client& c, const std::string& base, const std::string& type,
                           const std::string& message);
  http::outcome post(http::client& c, const std::string& path, const std::string& headers,
                     std::string_view body);

  handler_function handler_;
  const options& options_;
  http::endpoint api_;
  http::connect_policy policy_;
  logger& log_;
  std::vector<std::unique_ptr<http::client>> slots_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::string fatal_;
};

inline int runtime::init_failed(const std::string& type, const std::string& message) {
  log_(message + " (" + type + ")");
  http::client c(api_, policy_, {});
  http::response reply;
  const auto o = c.request(
      "POST", std::string(api_prefix) + "init/error",
      "Lambda-Runtime-Function-Error-Type: " + type + "\r\nContent-Type: application/json\r\n",
      ::inflight::detail::error_body(type, message), reply,
      steady::now() + options_.request_timeout);
  if (o.error != http::failure::none) log_("POST /runtime/init/error: " + o.what);
  return 1;
}

inline int runtime::serve(dispatcher& d, std::size_t concurrency) {
  log_.worker_pool(d.workers(), concurrency);
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
    log_(fatal_ + "; exiting");
    return 1;
  }
  return 0;
}

inline void runtime::give_up(const std::string& why) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (fatal_.empty()) fatal_ = why;
  stopping_.store(true);
  wake_.notify_all();
}

// Waits `backoff` after a failure and doubles it up to 1 s.
inline void runtime::pause(std::chrono::milliseconds& backoff) {
  io_wait(backoff);
  backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
}

// One slot: GET /next -> handler -> POST, until the runtime stops. Whatever throws (memory, a
// descriptor the kernel refuses) closes the slot's connection (client::request does) and the
// slot backs off before it tries again, so a failure that persists cannot spin.
inline void runtime::slot(http::client& c) {
  http::response reply;
  std::chrono::milliseconds backoff{10};
  while (!stopping_.load()) {
    try {
      invocation in;
      if (next(c, reply, in, backoff)) invoke(c, in);
    } catch (const std::exception& e) {  // forced_unwind is none: it passes
      log_(std::string("slot failed: ") + e.what() + "; backing off " +
           std::to_string(backoff.count()) + " ms");
      c.close();
      pause(backoff);
    }
  }
}

// GET /next into `in`; false (after any backoff) when there is no invocation to run.
inline bool runtime::next(http::client& c, http::response& reply, invocation& in,
                          std::chrono::milliseconds& backoff) {
  static const std::string path = std::string(api_prefix) + "invocation/next";
  reply = {};
  const auto o = c.request("GET", path, {}, {}, reply, steady::time_point::max(), &stopping_);
  if (o.error == http::failure::stopped) return false;
  if (o.error == http::failure::connect) {
    give_up("the Runtime API is gone: " + o.what);
    return false;
  }
  in.request_id.assign(reply.header("Lambda-Runtime-Aws-Request-Id"));
  const bool have_id = ::inflight::detail::valid_request_id(in.request_id);
  if (o.error == http::failure::malformed && reply.status == 200 && have_id) {
    // The head named an invocation whose event could not be read: tell Lambda, or it waits for
    // the invocation's deadline.
    log_("GET /next: invocation " + in.request_id + ": " + o.what + "; reported to /error");
    post_error(c, std::string(api_prefix) + "invocation/" + in.request_id,
               "Runtime.MalformedInvocation", "the runtime could not read the event: " + o.what);
    return false;
  }
  if (o.error != http::failure::none) {
    log_("GET /next: " + o.what +
         (o.error == http::failure::local ? "; backing off " : "; reconnecting in ") +
         std::to_string(backoff.count()) + " ms");
    pause(backoff);
    return false;
  }
  if (reply.status != 200) {
    log_("GET /next answered " + std::to_string(reply.status) + ": " + reply.body.substr(0, 200));
    pause(backoff);
    return false;
  }
  if (!have_id) {
    log_("GET /next: malformed response: Lambda-Runtime-Aws-Request-Id '" +
         in.request_id.substr(0, 64) + "' is missing or not a request id; skipped");
    pause(backoff);
    return false;
  }
  backoff = std::chrono::milliseconds(10);
  in.payload = std::move(reply.body);
  in.function_arn.assign(reply.header("Lambda-Runtime-Invoked-Function-Arn"));
  in.trace_id.assign(reply.header("Lambda-Runtime-Trace-Id"));
  in.client_context.assign(reply.header("Lambda-Runtime-Client-Context"));
  in.cognito_identity.assign(reply.header("Lambda-Runtime-Cognito-Identity"));
  in.tenant_id.assign(reply.header("Lambda-Runtime-Aws-Tenant-Id"));
  const auto ms = reply.header("Lambda-Runtime-Deadline-Ms");
  // A deadline beyond the clock's range (about the year 2262) stays time_point::max().
  constexpr auto latest = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::duration::max());
  if (http::is_digits(ms) && ms.size() <= 15) {
    const long long value = std::stoll(std::string(ms));
    if (value < latest.count()) {
      in.deadline = std::chrono::system_clock::time_point(std::chrono::milliseconds(value));
    }
  }
  return true;
}

inline void runtime::invoke(http::client& c, const invocation& in) {
  std::string body, type, message;
  call_handler(handler_, in, body, type, message);
  if (type.empty() && body.size() > max_response_bytes) {
    type = "Function.ResponseSizeTooLarge";
    message = "Response payload size (" + std::to_string(body.size()) +
              " bytes) exceeded maximum allowed payload size (6291556 bytes).";
    body = {};
  }
  const std::string base = std::string(api_prefix) + "invocation/" + in.request_id;
  const bool failed = !type.empty();
  auto send = [&] {
    return failed ? post_error(c, base, type, message) : post(c, base + "/response", {}, body);
  };
  auto o = send();
  // Out of descriptors or memory for a new connection: the result is kept and sent again after
  // a backoff (from 10 ms, doubling to 1 s), for as long as a lost Runtime API is retried.
  const auto keep_trying = steady::now() + options_.connect_timeout;
  for (auto backoff = std::chrono::milliseconds(10);
       o.error == http::failure::local && steady::now() < keep_trying && !stopping_.load();) {
    log_("invocation " + in.request_id + ": " + o.what + "; sending it again in " +
         std::to_string(backoff.count()) + " ms");
    pause(backoff);
    o = send();
  }
  if (o.error == http::failure::none || o.error == http::failure::malformed) return;
  const std::string what =
      "invocation " + in.request_id + ": POST " + (failed ? "/error" : "/response") + ": " + o.what;
  if (o.error == http::failure::connect) {
    give_up(what + "; not reported, the Runtime API is gone");
    return;
  }
  if (o.sent) {
    // The server may have it all: reporting it again as failed could undo a good result.
    log_(what + " after the whole request went out; not reported again");
    return;
  }
  // It never went out whole: report the invocation as failed on a new connection.
  log_(what + "; reconnecting to report it as failed");
  const auto again = post_error(c, base, "Runtime.ConnectionLost",
                                "the runtime's connection failed while it posted the " +
                                    std::string(failed ? "error" : "response") + ": " + o.what);
  if (again.error == http::failure::connect) {
    give_up("invocation " + in.request_id +
            " not reported, the Runtime API is gone: " + again.what);
  } else if (again.error != http::failure::none && again.error != http::failure::malformed) {
    log_("invocation " + in.request_id + " not reported: " + again.what);
  }
}

inline http::outcome runtime::post_error(http::client& c, const std::string& base,
                                         const std::string& type, const std::string& message) {
  return post(
      c, base + "/error",
      "Lambda-Runtime-Function-Error-Type: " + type + "\r\nContent-Type: application/json\r\n",
      ::inflight::detail::error_body(type, message));
}

// A POST whose reply is logged unless 2xx; a malformed reply is logged and counts as handled.
inline http::outcome runtime::post(http::client& c, const std::string& path,
                                   const std::string& headers, std::string_view body) {
  http::response reply;
  auto o = c.request("POST", path, headers, body, reply, steady::now() + options_.request_timeout);
  if (o.error == http::failure::malformed) {
    log_("POST " + path + ": " + o.what);
  } else if (o.error == http::failure::none && (reply.status < 200 || reply.status > 299)) {
    log_("POST " + path + " answered " + std::to_string(reply.status) + ": " +
         reply.body.substr(0, 200));
  }
  return o;
}

}  // namespace detail

}  // namespace inflight::lambda
