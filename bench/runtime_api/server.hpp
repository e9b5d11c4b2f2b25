#pragma once
// A local Lambda Runtime API (2018-06-01) with LMI's multi-concurrent semantics: any number of
// runtime connections long-poll GET /runtime/invocation/next at once, each gets its own
// invocation, and answers it with POST /runtime/invocation/{id}/response or /error, in any order,
// on any connection (HTTP/1.1 keep-alive). One thread runs it (transport.hpp), and with it a
// `driver` (bench/exec/exec_driver.hpp) that submits invocations from the loop's timer and hears
// each one end. The bookkeeping is invocations.hpp, the reply texts replies.hpp.
//
// Errors as LMI's Runtime API gives them (the emulator's internal/lambda-managed-instances/rapi/
// rendering/render_error.go): an unknown path 404, a wrong method 405, a response or error for an
// unknown or already answered id 400 {"errorType":"InvalidRequestID"}, for one that timed out 410
// {"errorType":"InvokeTimeout"}, a body over 6 MB 413 {"errorType":"RequestEntityTooLarge"},
// malformed HTTP 400 and the connection closed.

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime_api/connection.hpp"
#include "runtime_api/http_request.hpp"
#include "runtime_api/invocations.hpp"
#include "runtime_api/replies.hpp"
#include "runtime_api/transport.hpp"
#include "support/printable.hpp"

namespace inflight::bench::runtime_api {

/// What the server hands out with every invocation, and its bounds.
struct server_config {
  /// Payloads, used round robin; empty: every invocation gets "{}".
  std::vector<std::string> events;
  /// Beside each event (same index; absent or empty: none): its Lambda-Runtime-Client-Context and
  /// Lambda-Runtime-Cognito-Identity, one line of JSON each.
  std::vector<std::string> client_contexts, cognito_identities;
  /// Lambda-Runtime-Deadline-Ms is the invocation's availability plus this. Default 3 s.
  std::chrono::milliseconds deadline{3000};
  std::string function_arn = "arn:aws:lambda:us-east-1:000000000000:function:inflight";
  /// Tenants the invocations belong to, round robin (Lambda-Runtime-Aws-Tenant-Id: tenant-1 ...);
  /// 0 (the default): no tenant id, as for a function without tenant isolation.
  std::size_t tenants = 0;
  /// Largest response body accepted (Lambda's 6 MB: 6291556 bytes); above it 413 and an error.
  std::size_t max_response = 6291556;
  /// Replies waiting for one connection before its requests are no longer read; default 1 MiB.
  std::size_t max_output = std::size_t(1) << 20;
  /// Input and output held for all connections together before the connection holding the most
  /// unparsed input is closed (server::trouble() says so); default 256 MiB.
  std::size_t max_buffered = std::size_t(256) << 20;
};

class server;

/// What the server drives: it submits invocations and hears each one end; every call comes on
/// the server's thread.
class driver {
 public:
  virtual ~driver() = default;
  /// A GET /next arrived (the first one ends the runtime's init).
  virtual void polled(server&, steady::time_point) {}
  /// An invocation ended.
  virtual void ended(server&, const finished&) = 0;
  /// The timer set by server::wake_at() fired.
  virtual void woke(server&, steady::time_point) {}
  /// POST /runtime/init/error arrived.
  virtual void init_error(server&, const std::string& /*error_type*/) {}
};

/// The Runtime API server on 127.0.0.1 (an ephemeral port). Construct, hand the port to the
/// runtime, then run() on a thread of its own; stop() from any thread ends run(). Throws
/// std::system_error when it cannot listen.
class server final : public http_transport {
 public:
  explicit server(server_config config)
      : http_transport(config.max_output, config.max_buffered),
        config_(std::move(config)),
        book_(config_.deadline) {}

  /// Runs the loop until stop(), driving `d`.
  void run(driver& d) {
    driver_ = &d;
    serve();
    driver_ = nullptr;
  }
  /// Server thread: makes an invocation available from `from` (its availability or scheduled
  /// arrival); the next waiting /next poll gets it.
  void submit(steady::time_point from, bool counted);

  /// Invocations submitted and not yet ended (available or handed out).
  std::size_t outstanding() const { return book_.outstanding(); }
  /// /next polls waiting for an invocation.
  std::size_t waiting_polls() const { return pollers_.size(); }
  /// What every request id this server hands out starts with (invocation_book::id_prefix).
  std::string id_prefix() const { return book_.id_prefix(); }

 private:
  static constexpr std::string_view prefix = "/2018-06-01/runtime/";

  void on_request(connection& c, const http_request& req) override;
  // A body over the parser's limit: if it was a response, its invocation ends as an error.
  void on_bad_request(connection& c) override {
    if (c.status() == 413) too_large(c.target());
  }
  // Invocations with no answer by their deadline + 1 s time out; so do those never polled for.
  void on_tick(steady::time_point now) override {
    for (const auto& f : book_.expire(now)) {  // ending one may submit another: collected first
      if (driver_) driver_->ended(*this, f);
    }
  }
  void on_timer(steady::time_point now) override {
    if (driver_) driver_->woke(*this, now);
  }
  void reply(connection& c, int status, std::string_view type, std::string_view message) {
    append_reply(c.out(), status, type, message, c.close_after_write);
  }
  void hand_out(connection& c, invocation inv) {
    static const std::string empty_event = "{}";
    const std::string& body = config_.events.empty() ? empty_event : config_.events[inv.payload];
    auto beside = [&](const std::vector<std::string>& v) -> std::string_view {
      return inv.payload < v.size() ? std::string_view(v[inv.payload]) : std::string_view();
    };
    append_invocation(c.out(), inv, body, config_.function_arn, beside(config_.client_contexts),
                      beside(config_.cognito_identities));
    book_.handed_out(std::move(inv));
  }
  void end(const std::string& id, outcome how, std::string error_type,
           std::string_view response = {}) {
    auto f = book_.end(id, how, std::move(error_type), steady::now());
    if (!f) return;
    f->response = response;
    if (driver_) driver_->ended(*this, *f);
  }
  void too_large(const std::string& target);
  static std::string error_type_of(const http_request& req);

  server_config config_;
  invocation_book book_;
  driver* driver_ = nullptr;
  std::deque<int> pollers_;
  std::size_t next_event_ = 0;
  std::size_t next_tenant_ = 0;
};

inline void server::submit(steady::time_point from, bool counted) {
  const std::size_t payload = config_.events.empty() ? 0 : next_event_++ % config_.events.size();
  invocation inv = book_.make(from, counted, payload);
  if (config_.tenants != 0) {
    inv.tenant_n = next_tenant_++ % config_.tenants + 1;
    inv.tenant = "tenant-" + std::to_string(inv.tenant_n);
  }
  while (!pollers_.empty()) {
    const int fd = pollers_.front();
    pollers_.pop_front();
    connection* c = find(fd);
    // Closed while it waited (its descriptor may since belong to a new connection).
    if (c == nullptr || !c->polling) continue;
    c->polling = false;
    hand_out(*c, std::move(inv));
    changed(*c);
    return;
  }
  book_.park(std::move(inv));
}

inline void server::on_request(connection& c, const http_request& req) {
  std::string_view path = req.target;
  if (const auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
  if (path.rfind(prefix, 0) != 0) return reply(c, 404, "NotFound", "unknown path");
  path.remove_prefix(prefix.size());
  if (path == "invocation/next") {
    if (req.method != "GET") return reply(c, 405, "MethodNotAllowed", "use GET");
    if (driver_) driver_->polled(*this, steady::now());
    if (auto inv = book_.take()) return hand_out(c, std::move(*inv));
    c.polling = true;
    pollers_.push_back(c.fd());
    return;
  }
  if (path == "init/error") {
    if (req.method != "POST") return reply(c, 405, "MethodNotAllowed", "use POST");
    if (driver_) driver_->init_error(*this, error_type_of(req));
    return reply(c, 202, "", "");
  }
  constexpr std::string_view inv_prefix = "invocation/";
  if (path.rfind(inv_prefix, 0) == 0) {
    path.remove_prefix(inv_prefix.size());
    const auto slash = path.find('/');
    if (slash != std::string_view::npos) {
      const std::string id(path.substr(0, slash));
      const auto what = path.substr(slash + 1);
      if (what == "response" || what == "error") {
        if (req.method != "POST") return reply(c, 405, "MethodNotAllowed", "use POST");
        if (book_.timed_out(id)) return reply(c, 410, "InvokeTimeout", "Invoke timeout");
        if (!book_.in_flight(id)) return reply(c, 400, "InvalidRequestID", "Invalid request ID");
        if (what == "response" && req.body.size() > config_.max_response) {
          end(id, outcome::error, "Function.ResponseSizeTooLarge");
          return reply(c, 413, "RequestEntityTooLarge",
                       "Exceeded maximum allowed payload size (" +
                           std::to_string(config_.max_response) + " bytes).");
        }
        if (what == "response") {
          end(id, outcome::response, {}, req.body);
        } else {
          end(id, outcome::error, error_type_of(req));
        }
        return reply(c, 202, "", "");
      }
    }
  }
  reply(c, 404, "NotFound", "unknown path");
}

inline void server::too_large(const std::string& target) {
  const std::string head = std::string(prefix) + "invocation/";
  if (target.rfind(head, 0) != 0) return;
  const auto slash = target.find('/', head.size());
  if (slash == std::string::npos) return;
  end(target.substr(head.size(), slash - head.size()), outcome::error,
      "Function.ResponseSizeTooLarge");
}

// The runtime's errorType, from the header or the body, made printable and at most 200 bytes
// (a runtime's bytes reach the table, the CSV and the JSON).
inline std::string server::error_type_of(const http_request& req) {
  std::string_view t = req.header("Lambda-Runtime-Function-Error-Type");
  if (t.empty()) {
    // The body's "errorType": the first string value after that key.
    const auto key = req.body.find("\"errorType\"");
    if (key != std::string::npos) {
      const auto q = req.body.find('"', req.body.find(':', key + 11));
      if (q != std::string::npos) {
        const auto e = req.body.find('"', q + 1);
        if (e != std::string::npos) t = std::string_view(req.body).substr(q + 1, e - q - 1);
      }
    }
  }
  if (t.empty()) return "Unknown";
  return printable(t.substr(0, 200));
}

}  // namespace inflight::bench::runtime_api
