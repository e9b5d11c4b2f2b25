#pragma once
// The lambda runtime's HTTP/1.1 client: just what the Lambda Runtime API needs. One keep-alive
// connection over a non-blocking socket, Content-Length and chunked response bodies, limits on
// the head, the header count and the body, a deadline on every request, and every wait a
// readiness wait (fd_wait.hpp), so on a dispatcher worker only the calling fiber waits. Not a
// general HTTP library: no TLS, no redirects, no host names but "localhost" (the Runtime API is
// a numeric address; a resolver would need glibc's NSS, which a static bootstrap cannot load).
// Its response parser is fuzzed by tests/fuzz/http_response_fuzz.cpp.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "../fd_wait.hpp"
#include "../io_wait.hpp"
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
  std::size_t consumed() const noexcept { return pos_; }
  const std::string& reason() const noexcept { return reason_; }

  /// Makes the parser ready for the next response.
  void reset() {
    res_ = response{};
    body_ = {};
    state_ = state::head;
    pos_ = 0;
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
  std::string reason_;
};

/// Where the server listens: "HOST:PORT" with a numeric IPv4 host, "[IPV6]:PORT", or
/// "localhost:PORT".
struct endpoint {
  sockaddr_storage addr{};
  socklen_t len = 0;
  std::string text;
};

/// Parses "HOST:PORT" as endpoint describes; empty with `why` set when it cannot.
inline std::optional<endpoint> parse_endpoint(std::string_view text, std::string& why) {
  endpoint e;
  e.text.assign(text);
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == text.size()) {
    why = "no port (want HOST:PORT, a numeric address or localhost)";
    return std::nullopt;
  }
  const auto port_text = text.substr(colon + 1);
  unsigned port = 0;
  if (!is_digits(port_text) || port_text.size() > 5) {
    why = "port is not a number in 1..65535";
    return std::nullopt;
  }
  for (char c : port_text) port = port * 10 + static_cast<unsigned>(c - '0');
  if (port == 0 || port > 65535) {
    why = "port is not a number in 1..65535";
    return std::nullopt;
  }
  std::string host(text.substr(0, colon));
  if (host == "localhost") host = "127.0.0.1";
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    auto* a = reinterpret_cast<sockaddr_in6*>(&e.addr);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<std::uint16_t>(port));
    if (::inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &a->sin6_addr) != 1) {
      why = "host is not an IPv6 address";
      return std::nullopt;
    }
    e.len = sizeof(sockaddr_in6);
    return e;
  }
  auto* a = reinterpret_cast<sockaddr_in*>(&e.addr);
  a->sin_family = AF_INET;
  a->sin_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET, host.c_str(), &a->sin_addr) != 1) {
    why = "host is not a numeric IPv4 address, [IPv6] or localhost";
    return std::nullopt;
  }
  e.len = sizeof(sockaddr_in);
  return e;
}

/// How a request ended.
enum class failure {
  none,       ///< a whole response arrived
  connect,    ///< no connection could be opened before the connect deadline
  closed,     ///< the connection failed or was closed before the whole response arrived
  timeout,    ///< the request deadline passed
  malformed,  ///< the response was not HTTP this client accepts
  stopped     ///< the stop flag was set while waiting
};

/// What a request left: `error` and, for anything but none, a line that says why.
struct outcome {
  failure error = failure::none;
  std::string what;
};

/// How the client retries a connection: delays from `first_backoff`, doubling up to
/// `max_backoff`, until `connect_timeout` has passed since the first try.
struct connect_policy {
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds first_backoff{10};
  std::chrono::milliseconds max_backoff{1000};
};

/// One keep-alive connection to `endpoint`, opened on first use and again after any failure.
/// Not thread-safe: one fiber or thread uses it at a time.
class client {
 public:
  client(endpoint where, connect_policy policy, limits bounds)
      : where_(std::move(where)), policy_(policy), parser_(bounds) {}
  ~client() { close(); }
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /// Sends one request (`extra_headers` are whole "Name: value\r\n" lines) and reads its response
  /// into `out`, connecting first when there is no connection. Waits end at `deadline` and, when
  /// `stop` is given, within `stop_check` of it becoming true. Any failure closes the connection.
  outcome request(std::string_view method, std::string_view target, std::string_view extra_headers,
                  std::string_view body, response& out,
                  std::chrono::steady_clock::time_point deadline,
                  const std::atomic<bool>* stop = nullptr,
                  std::chrono::milliseconds stop_check = std::chrono::milliseconds(250)) {
    stop_ = stop;
    stop_check_ = stop_check;
    outcome o;
    if (fd_ < 0) {
      o = connect(deadline);
      if (o.error != failure::none) return o;
    }
    head_.clear();
    head_.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ");
    head_.append(where_.text).append("\r\n").append(extra_headers);
    if (!body.empty() || method == "POST") {
      head_.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
    }
    head_.append("\r\n");
    o = send_all(body, deadline);
    if (o.error != failure::none) return broken(o);
    o = read_response(deadline);
    if (o.error != failure::none) return broken(o);
    out = std::move(parser_.get());
    in_.erase(0, parser_.consumed());
    if (!out.keep_alive) close();
    return o;
  }

  /// Closes the connection (the next request opens a new one).
  void close() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    in_.clear();
  }
  bool connected() const noexcept { return fd_ >= 0; }

 private:
  using steady = std::chrono::steady_clock;
  static constexpr const char* timed_out = "connect timed out";

  outcome fail(failure f, std::string what) const { return outcome{f, std::move(what)}; }
  outcome broken(outcome o) {
    close();
    return o;
  }
  bool stopped() const noexcept { return stop_ != nullptr && stop_->load(); }
  // strerror's text without its shared buffer (workers fail at once).
  static std::string error_text(int err) { return std::generic_category().message(err); }

  // Waits for readiness until `deadline`, in slices of stop_check_ when a stop flag is given.
  failure wait(bool write, steady::time_point deadline) {
    for (;;) {
      if (stopped()) return failure::stopped;
      auto until = deadline;
      if (stop_ != nullptr && steady::now() + stop_check_ < deadline) {
        until = steady::now() + stop_check_;
      }
      const auto s = write ? wait_writable_until(fd_, until) : wait_readable_until(fd_, until);
      if (s == fd_status::ready) return failure::none;
      if (until == deadline) return failure::timeout;
    }
  }

  outcome connect(steady::time_point request_deadline) {
    const auto start = steady::now();
    const auto give_up = std::min(request_deadline, start + policy_.connect_timeout);
    auto backoff = policy_.first_backoff;
    int attempts = 0;
    std::string last;
    for (;;) {
      ++attempts;
      std::string why = try_connect(give_up);
      if (why.empty()) return outcome{};
      // The last try, at give_up, has no time left to wait: keep the reason an earlier one saw.
      if (last.empty() || why != timed_out) last = std::move(why);
      if (stopped()) return fail(failure::stopped, "stopped");
      const auto now = steady::now();
      if (now >= give_up) break;
      io_wait_until(std::min(now + backoff, give_up));  // the last try comes at give_up
      backoff = std::min(backoff * 2, policy_.max_backoff);
    }
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - start).count();
    return fail(failure::connect, "cannot connect to " + where_.text + " after " +
                                      std::to_string(attempts) + " attempts over " +
                                      std::to_string(ms) + " ms: " + last);
  }

  // One attempt; empty on success, else why it failed.
  std::string try_connect(steady::time_point deadline) {
    fd_ = ::socket(where_.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return "socket: " + error_text(errno);
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int err = 0;
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&where_.addr), where_.len) != 0) {
      err = errno;
      if (err == EINPROGRESS) {
        const failure w = wait(true, deadline);
        if (w != failure::none) {
          close();
          return w == failure::stopped ? "stopped" : timed_out;
        }
        socklen_t len = sizeof err;
        ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
      }
    }
    if (err != 0) {
      close();
      return error_text(err);
    }
    return {};
  }

  outcome send_all(std::string_view body, steady::time_point deadline) {
    std::size_t done = 0;
    const std::size_t total = head_.size() + body.size();
    while (done < total) {
      iovec v[2];
      int n = 0;
      if (done < head_.size()) {
        v[n++] = {head_.data() + done, head_.size() - done};
        if (!body.empty()) v[n++] = {const_cast<char*>(body.data()), body.size()};
      } else {
        const std::size_t off = done - head_.size();
        v[n++] = {const_cast<char*>(body.data()) + off, body.size() - off};
      }
      msghdr m{};
      m.msg_iov = v;
      m.msg_iovlen = static_cast<std::size_t>(n);
      const ssize_t w = ::sendmsg(fd_, &m, MSG_NOSIGNAL);
      if (w > 0) {
        done += static_cast<std::size_t>(w);
        continue;
      }
      if (w < 0 && errno == EINTR) continue;
      if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        const failure f = wait(true, deadline);
        if (f == failure::timeout) return fail(f, "timed out sending the request");
        if (f != failure::none) return fail(f, "stopped");
        continue;
      }
      return fail(failure::closed, w < 0 ? "send: " + error_text(errno) : "send: nothing sent");
    }
    return outcome{};
  }

  outcome read_response(steady::time_point deadline) {
    parser_.reset();
    // The reply cannot be here yet right after the request went out: wait before the first
    // read rather than pay for a read that finds nothing.
    if (in_.empty()) {
      const failure f = wait(false, deadline);
      if (f == failure::timeout) return fail(f, "timed out waiting for the response");
      if (f != failure::none) return fail(f, "stopped");
    }
    for (;;) {
      if (!in_.empty()) {
        const auto r = parser_.parse(in_);
        if (r == response_parser::result::complete) return outcome{};
        if (r == response_parser::result::bad) {
          return fail(failure::malformed, "malformed response: " + parser_.reason());
        }
      }
      const std::size_t have = in_.size();
      in_.resize(have + 16384);
      const ssize_t n = ::recv(fd_, in_.data() + have, 16384, MSG_DONTWAIT);
      in_.resize(have + static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
      if (n > 0) continue;
      if (n == 0) {
        if (parser_.finish_at_eof(in_) == response_parser::result::complete) {
          parser_.get().keep_alive = false;
          return outcome{};
        }
        return fail(failure::closed, have == 0 ? "connection closed before a response"
                                               : "connection closed mid-response");
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        return fail(failure::closed, "recv: " + error_text(errno));
      }
      const failure f = wait(false, deadline);
      if (f == failure::timeout) return fail(f, "timed out waiting for the response");
      if (f != failure::none) return fail(f, "stopped");
    }
  }

  endpoint where_;
  connect_policy policy_;
  response_parser parser_;
  int fd_ = -1;
  std::string head_;  // the request head, reused
  std::string in_;    // received bytes not yet consumed
  const std::atomic<bool>* stop_ = nullptr;
  std::chrono::milliseconds stop_check_{250};
};

}  // namespace inflight::detail::http
