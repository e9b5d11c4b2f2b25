#pragma once
// The Runtime API server's HTTP/1.1 request parser: incremental (bytes arrive in any pieces),
// bounded (head, header count and body have limits), and strict (anything it does not understand
// is a 400, never a guess). Content-Length and chunked bodies (detail/http_message.hpp, shared
// with the lambda runtime's client); keep-alive by HTTP/1.1's rules.
// Used by server.hpp; fuzzed by tests/fuzz/http_request_fuzz.cpp.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "inflight/detail/http_message.hpp"

namespace inflight::bench::runtime_api {

namespace wire = ::inflight::detail::http;

/// One parsed request. Header names keep their case; look them up with header().
struct http_request {
  std::string method;
  std::string target;
  wire::header_list headers;
  std::string body;
  bool keep_alive = true;

  /// The value of header `name` (case-insensitive), or empty.
  std::string_view header(std::string_view name) const { return wire::find_header(headers, name); }
};

/// Limits of one request; a request over them is refused (431 for the head, 413 for the body).
using http_limits = wire::limits;

/// Parses requests from a connection's bytes, one at a time.
class request_parser {
 public:
  enum class result { incomplete, complete, bad };

  explicit request_parser(http_limits limits = {}) : limits_(limits) {}

  /// Parses from `in`, which holds the connection's unconsumed bytes (those from a previous call
  /// first). On `complete`, request() holds the request and consumed() says how many bytes of
  /// `in` it took; the caller drops them and calls again for a pipelined next request. On `bad`,
  /// status() and reason() say what to answer; the connection must then be closed.
  result parse(std::string_view in) {
    if (state_ == state::head) {
      bool fits = true;
      const auto end = wire::find_head_end(in, limits_.max_head, fits);
      if (!fits) return fail(431, "request head too large");
      if (end == std::string_view::npos) return result::incomplete;
      if (!parse_head(in.substr(0, end + 2))) return result::bad;
      pos_ = end + 4;
      state_ = state::body;
    }
    if (state_ == state::body) {
      wire::error err;
      switch (body_.feed(in, pos_, req_.body, err)) {
        case wire::body_decoder::result::incomplete:
          return result::incomplete;
        case wire::body_decoder::result::bad:
          return fail(err.status, std::move(err.reason));
        case wire::body_decoder::result::complete:
          consumed_ = pos_;
          state_ = state::done;
          return result::complete;
      }
    }
    return result::incomplete;
  }

  http_request& request() { return req_; }
  std::size_t consumed() const { return consumed_; }
  int status() const { return status_; }
  const std::string& reason() const { return reason_; }

  /// Makes the parser ready for the next request (after `complete`).
  void reset() {
    req_ = http_request{};
    body_ = {};
    state_ = state::head;
    pos_ = consumed_ = 0;
  }

 private:
  enum class state { head, body, done };

  result fail(int status, std::string reason) {
    status_ = status;
    reason_ = std::move(reason);
    return result::bad;
  }
  bool reject(int status, std::string reason) {
    fail(status, std::move(reason));
    return false;
  }

  // `head` is the request line and header lines, each ended by CRLF.
  bool parse_head(std::string_view head) {
    const auto eol = head.find("\r\n");
    const std::string_view line = head.substr(0, eol);
    const auto sp1 = line.find(' ');
    const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
      return reject(400, "malformed request line");
    }
    const auto method = line.substr(0, sp1);
    const auto target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const auto version = line.substr(sp2 + 1);
    if (!wire::is_token(method)) return reject(400, "bad method");
    if (target.empty() || target.front() != '/' ||
        std::any_of(target.begin(), target.end(),
                    [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; })) {
      return reject(400, "bad request target");
    }
    if (version == "HTTP/1.1") {
      req_.keep_alive = true;
    } else if (version == "HTTP/1.0") {
      req_.keep_alive = false;
    } else {
      return reject(version.rfind("HTTP/", 0) == 0 ? 505 : 400, "unsupported HTTP version");
    }
    req_.method.assign(method);
    req_.target.assign(target);
    wire::framing f;
    wire::error err;
    if (!wire::parse_header_lines(head.substr(eol + 2), limits_.max_headers, req_.headers, f,
                                  err)) {
      return reject(err.status, std::move(err.reason));
    }
    if (f.close) req_.keep_alive = false;
    if (f.keep_alive) req_.keep_alive = true;
    if (f.chunked) {
      body_.start_chunked(limits_.max_body, limits_.max_head);
    } else if (!body_.start_length(f.have_length ? f.length : 0, limits_.max_body, err)) {
      return reject(err.status, std::move(err.reason));
    }
    return true;
  }

  http_limits limits_;
  http_request req_;
  wire::body_decoder body_;
  state state_ = state::head;
  std::size_t pos_ = 0, consumed_ = 0;
  int status_ = 0;
  std::string reason_;
};

}  // namespace inflight::bench::runtime_api
