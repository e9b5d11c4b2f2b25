#pragma once
// The Runtime API server's HTTP/1.1 request parser: incremental (bytes arrive in any pieces),
// bounded (head, header count and body have limits), and strict (anything it does not understand
// is a 400, never a guess). Content-Length and chunked bodies; keep-alive by HTTP/1.1's rules.
// Used by server.hpp; fuzzed by tests/fuzz/http_request_fuzz.cpp.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace inflight::bench::runtime_api {

/// One parsed request. Header names keep their case; look them up with header().
struct http_request {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool keep_alive = true;

  /// The value of header `name` (case-insensitive), or empty.
  std::string_view header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k.size() == name.size() &&
          std::equal(k.begin(), k.end(), name.begin(),
                     [](char a, char b) { return (a | 0x20) == (b | 0x20); })) {
        return v;
      }
    }
    return {};
  }
};

/// Limits of one request; a request over them is refused (431 for the head, 413 for the body).
struct http_limits {
  std::size_t max_head = 16 * 1024;                // request line + headers, bytes
  std::size_t max_headers = 64;                    // header lines
  std::size_t max_body = 6 * 1024 * 1024 + 65536;  // Lambda's 6 MB response, plus room
};

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
      const auto end = in.find("\r\n\r\n");
      if (end == std::string_view::npos) {
        if (in.size() > limits_.max_head) return fail(431, "request head too large");
        return result::incomplete;
      }
      if (end + 4 > limits_.max_head) return fail(431, "request head too large");
      if (!parse_head(in.substr(0, end + 2))) return result::bad;
      pos_ = end + 4;
      if (state_ == state::done) return finish();
    }
    if (state_ == state::body) {
      if (in.size() - pos_ < remaining_) return result::incomplete;
      req_.body.assign(in.substr(pos_, remaining_));
      pos_ += remaining_;
      return finish();
    }
    while (state_ == state::chunk_size || state_ == state::chunk_data || state_ == state::trailer) {
      if (state_ == state::chunk_size) {
        const auto eol = in.find("\r\n", pos_);
        if (eol == std::string_view::npos) {
          if (in.size() - pos_ > 1024) return fail(400, "chunk size line too long");
          return result::incomplete;
        }
        std::string_view line = in.substr(pos_, eol - pos_);
        if (const auto semi = line.find(';'); semi != std::string_view::npos) {
          line = line.substr(0, semi);  // chunk extensions are ignored
        }
        std::uint64_t size = 0;
        if (line.empty() || line.size() > 8) return fail(400, "bad chunk size");
        for (char c : line) {
          const int d = hex_digit(c);
          if (d < 0) return fail(400, "bad chunk size");
          size = size * 16 + static_cast<unsigned>(d);
        }
        pos_ = eol + 2;
        if (size == 0) {
          state_ = state::trailer;
          continue;
        }
        if (req_.body.size() + size > limits_.max_body) return fail(413, "body too large");
        remaining_ = static_cast<std::size_t>(size);
        state_ = state::chunk_data;
      } else if (state_ == state::chunk_data) {
        if (in.size() - pos_ < remaining_ + 2) return result::incomplete;
        if (in.substr(pos_ + remaining_, 2) != "\r\n") return fail(400, "chunk not ended by CRLF");
        req_.body.append(in.substr(pos_, remaining_));
        pos_ += remaining_ + 2;
        state_ = state::chunk_size;
      } else {  // trailer lines, ignored, up to an empty line
        const auto eol = in.find("\r\n", pos_);
        if (eol == std::string_view::npos) {
          if (in.size() - pos_ > limits_.max_head) return fail(431, "trailer too large");
          return result::incomplete;
        }
        const bool last = eol == pos_;
        pos_ = eol + 2;
        if (last) return finish();
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
    state_ = state::head;
    pos_ = remaining_ = consumed_ = 0;
  }

 private:
  enum class state { head, body, chunk_size, chunk_data, trailer, done };

  static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  static bool is_token(std::string_view s) {
    if (s.empty()) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    });
  }
  static std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  }
  static bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return (x | 0x20) == (y | 0x20);
           });
  }

  result fail(int status, std::string reason) {
    status_ = status;
    reason_ = std::move(reason);
    return result::bad;
  }
  bool reject(int status, std::string reason) {
    fail(status, std::move(reason));
    return false;
  }
  result finish() {
    consumed_ = pos_;
    state_ = state::done;
    return result::complete;
  }

  // `head` is the request line and header lines, each ended by CRLF.
  bool parse_head(std::string_view head) {
    auto eol = head.find("\r\n");
    const std::string_view line = head.substr(0, eol);
    const auto sp1 = line.find(' ');
    const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
      return reject(400, "malformed request line");
    }
    const auto method = line.substr(0, sp1);
    const auto target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const auto version = line.substr(sp2 + 1);
    if (!is_token(method)) return reject(400, "bad method");
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
    bool have_length = false, chunked = false;
    std::uint64_t length = 0;
    std::size_t start = eol + 2;
    while (start < head.size()) {
      eol = head.find("\r\n", start);
      const std::string_view h = head.substr(start, eol - start);
      start = eol + 2;
      if (req_.headers.size() == limits_.max_headers) {
        return reject(431, "too many headers");
      }
      const auto colon = h.find(':');
      if (colon == std::string_view::npos || !is_token(h.substr(0, colon))) {
        return reject(400, "malformed header line");
      }
      const auto name = h.substr(0, colon);
      const auto value = trim(h.substr(colon + 1));
      if (std::any_of(value.begin(), value.end(), [](char c) {
            return (static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f;
          })) {
        return reject(400, "control character in a header value");
      }
      if (iequals(name, "content-length")) {
        if (value.empty() || value.size() > 12 ||
            !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
          return reject(400, "bad Content-Length");
        }
        std::uint64_t v = 0;
        for (char c : value) v = v * 10 + static_cast<unsigned>(c - '0');
        if (have_length && v != length) {
          return reject(400, "conflicting Content-Length headers");
        }
        have_length = true;
        length = v;
      } else if (iequals(name, "transfer-encoding")) {
        if (!iequals(value, "chunked")) {
          return reject(501, "unsupported Transfer-Encoding");
        }
        chunked = true;
      } else if (iequals(name, "connection")) {
        if (iequals(value, "close")) req_.keep_alive = false;
        if (iequals(value, "keep-alive")) req_.keep_alive = true;
      }
      req_.headers.emplace_back(name, value);
    }
    if (chunked && have_length) {
      return reject(400, "both Content-Length and Transfer-Encoding");
    }
    if (chunked) {
      state_ = state::chunk_size;
    } else if (have_length && length > 0) {
      if (length > limits_.max_body) return reject(413, "body too large");
      remaining_ = static_cast<std::size_t>(length);
      state_ = state::body;
    } else {
      state_ = state::done;
    }
    return true;
  }

  http_limits limits_;
  http_request req_;
  state state_ = state::head;
  std::size_t pos_ = 0, remaining_ = 0, consumed_ = 0;
  int status_ = 0;
  std::string reason_;
};

}  // namespace inflight::bench::runtime_api
