#pragma once
// One HTTP/1.1 response as the lambda runtime's client reads it, and its incremental parser:
// Content-Length, chunked, or a body that runs to the end of the connection, within limits
// (http_message.hpp). Fuzzed by tests/fuzz/http_response_fuzz.cpp.

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "http_message.hpp"

namespace inflight::detail::http {

/// One response. Header names keep their case; look them up with header().
struct response {
  int status = 0;
  header_list headers;
  std::string body;
  bool keep_alive = true;

  std::string_view header(std::string_view name) const noexcept {
    return find_header(headers, name);
  }
};

/// Parses one response from a connection's bytes as they arrive. A body framed by neither
/// Content-Length nor chunked runs to the end of the connection (finish_at_eof()).
class response_parser {
 public:
  enum class result { incomplete, complete, bad };

  explicit response_parser(limits bounds = {}) : limits_(bounds) {}

  /// Parses from `in`, the connection's unconsumed bytes (those given before first). On
  /// `complete`, get() holds the response and consumed() says how many bytes of `in` it took. On
  /// `bad`, reason() says what was wrong; the connection cannot be used again.
  result parse(std::string_view in) {
    if (state_ == state::head) {
      bool fits = true;
      const auto end = find_head_end(in, limits_.max_head, fits);
      if (!fits) return fail("response head too large");
      if (end == std::string_view::npos) return result::incomplete;
      if (!parse_head(in.substr(0, end + 2))) return result::bad;
      pos_ = end + 4;
    }
    if (state_ == state::to_eof) {
      if (in.size() - pos_ > limits_.max_body) return fail("body too large");
      return result::incomplete;
    }
    if (state_ == state::body) {
      error err;
      switch (body_.feed(in, pos_, res_.body, err)) {
        case body_decoder::result::incomplete:
          return result::incomplete;
        case body_decoder::result::bad:
          return fail(std::move(err.reason));
        case body_decoder::result::complete:
          state_ = state::done;
          break;
      }
    }
    return state_ == state::done ? result::complete : result::incomplete;
  }

  /// The connection ended: a body that runs to its end is complete with the bytes of `in` after
  /// the head; any other unfinished response is `bad` ("connection closed mid-response").
  result finish_at_eof(std::string_view in) {
    if (state_ == state::to_eof) {
      res_.body.assign(in.substr(pos_));
      pos_ = in.size();
      state_ = state::done;
      return result::complete;
    }
    if (state_ == state::done) return result::complete;
    return fail("connection closed mid-response");
  }

  response& get() noexcept { return res_; }
  /// Whether the status line and headers were parsed (get() holds them, even when the body then
  /// turns out bad).
  bool has_head() const noexcept { return head_parsed_; }
  std::size_t consumed() const noexcept { return pos_; }
  const std::string& reason() const noexcept { return reason_; }

  /// Makes the parser ready for the next response.
  void reset() {
    res_ = response{};
    body_ = {};
    state_ = state::head;
    pos_ = 0;
    head_parsed_ = false;
    reason_.clear();
  }

 private:
  enum class state { head, body, to_eof, done };

  result fail(std::string reason) {
    reason_ = std::move(reason);
    return result::bad;
  }
  bool reject(std::string reason) {
    reason_ = std::move(reason);
    return false;
  }

  // `head` is the status line and header lines, each ended by CRLF.
  bool parse_head(std::string_view head) {
    const auto eol = head.find("\r\n");
    const std::string_view line = head.substr(0, eol);
    // "HTTP/1.1 200 OK": the reason phrase may be empty or hold spaces.
    if (line.size() < 12 || line.substr(0, 5) != "HTTP/" || line[8] != ' ' ||
        (line.size() > 12 && line[12] != ' ') || !is_digits(line.substr(9, 3))) {
      return reject("malformed status line");
    }
    const auto version = line.substr(0, 8);
    if (version == "HTTP/1.1") {
      res_.keep_alive = true;
    } else if (version == "HTTP/1.0") {
      res_.keep_alive = false;
    } else {
      return reject("unsupported HTTP version");
    }
    if (std::any_of(line.begin() + 12, line.end(), [](char c) {
          return (static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f;
        })) {
      return reject("control character in the reason phrase");
    }
    res_.status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
    if (res_.status < 100) return reject("status code below 100");
    framing f;
    error err;
    if (!parse_header_lines(head.substr(eol + 2), limits_.max_headers, res_.headers, f, err)) {
      return reject(std::move(err.reason));
    }
    if (f.close) res_.keep_alive = false;
    if (f.keep_alive) res_.keep_alive = true;
    if (res_.status < 200) return reject("interim (1xx) response");
    head_parsed_ = true;  // a body that turns out bad still leaves a readable head
    if (res_.status == 204 || res_.status == 304) {
      state_ = state::done;
    } else if (f.chunked) {
      body_.start_chunked(limits_.max_body, limits_.max_head);
      state_ = state::body;
    } else if (f.have_length) {
      if (!body_.start_length(f.length, limits_.max_body, err)) return reject(err.reason);
      state_ = state::body;
    } else {
      res_.keep_alive = false;  // the body runs to the end of the connection
      state_ = state::to_eof;
    }
    return true;
  }

  limits limits_;
  response res_;
  body_decoder body_;
  state state_ = state::head;
  std::size_t pos_ = 0;
  bool head_parsed_ = false;
  std::string reason_;
};

}  // namespace inflight::detail::http
