#pragma once
// The lambda runtime's HTTP/1.1 client: just what the Lambda Runtime API needs. One keep-alive
// connection over a non-blocking socket, Content-Length and chunked response bodies, limits on
// the head, the header count and the body, a deadline on every request, and every wait a
// readiness wait (fd_wait.hpp), so on a dispatcher worker only the calling fiber waits. Not a
// general HTTP library: no TLS, no redirects, no host names but "localhost" (the Runtime API is
// a numeric address; a resolver would need glibc's NSS, which a static bootstrap cannot load).
// Its response parser (http_response.hpp) is fuzzed by tests/fuzz/http_response_fuzz.cpp.

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
#include "http_response.hpp"

namespace inflight::detail::http {

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
  local,      ///< this process lacks the descriptor or memory for a socket (not the server)
  closed,     ///< the connection failed or was closed before the whole response arrived
  timeout,    ///< the request deadline passed
  malformed,  ///< the response was not HTTP this client accepts
  stopped     ///< the stop flag was set while waiting
};

/// What a request left: `error` and, for anything but none, a line that says why; whether the
/// whole request went out (`sent`: the server may have it) and whether any byte of a reply came
/// back (`replied`).
struct outcome {
  failure error = failure::none;
  std::string what;
  bool sent = false;
  bool replied = false;
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
  /// `stop` is given, within `stop_check` of it becoming true. Any failure, and any exception
  /// (which propagates), closes the connection. A kept-alive connection that the server closed
  /// while idle, or that holds bytes nobody asked for, is replaced before the request; one that
  /// fails before any byte of the reply comes back is replaced and the request sent once more.
  /// On `malformed` with a parsed head, `out` holds the status and headers.
  outcome request(std::string_view method, std::string_view target, std::string_view extra_headers,
                  std::string_view body, response& out,
                  std::chrono::steady_clock::time_point deadline,
                  const std::atomic<bool>* stop = nullptr,
                  std::chrono::milliseconds stop_check = std::chrono::milliseconds(250));

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
  bool stopped() const noexcept { return stop_ != nullptr && stop_->load(); }
  // strerror's text without its shared buffer (workers fail at once).
  static std::string error_text(int err) { return std::generic_category().message(err); }

  outcome exchange(std::string_view body, response& out, steady::time_point deadline);
  bool stale();
  failure wait(bool write, steady::time_point deadline);
  outcome connect(steady::time_point request_deadline);
  std::string try_connect(steady::time_point deadline, bool& local);
  outcome send_all(std::string_view body, steady::time_point deadline);
  outcome read_response(steady::time_point deadline);

  endpoint where_;
  connect_policy policy_;
  response_parser parser_;
  int fd_ = -1;
  std::string head_;  // the request head, reused
  std::string in_;    // received bytes not yet consumed
  const std::atomic<bool>* stop_ = nullptr;
  std::chrono::milliseconds stop_check_{250};
};

inline outcome client::request(std::string_view method, std::string_view target,
                               std::string_view extra_headers, std::string_view body, response& out,
                               steady::time_point deadline, const std::atomic<bool>* stop,
                               std::chrono::milliseconds stop_check) {
  stop_ = stop;
  stop_check_ = stop_check;
  try {
    head_.clear();
    head_.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ");
    head_.append(where_.text).append("\r\n").append(extra_headers);
    if (!body.empty() || method == "POST") {
      head_.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
    }
    head_.append("\r\n");
    // The Runtime API never sends unasked: anything waiting on an idle connection (a 408 before
    // a close, the close itself) means it is no longer in step with this client.
    if (fd_ >= 0 && stale()) close();
    const bool reused = fd_ >= 0;
    if (!reused) {
      const outcome o = connect(deadline);
      if (o.error != failure::none) return o;
    }
    outcome o = exchange(body, out, deadline);
    if (reused && o.error == failure::closed && !o.replied) {
      // Closed by the server while it was idle, before it read this request: send it again on a
      // new connection (once; a new connection that fails the same way is the server's answer).
      const outcome c = connect(deadline);
      if (c.error != failure::none) return c;
      o = exchange(body, out, deadline);
    }
    return o;
  } catch (...) {
    close();  // whatever was sent, the next reply on this connection would not be this one's
    throw;
  }
}

// Sends the request in head_ and `body`, reads the reply into `out`; closes on failure.
inline outcome client::exchange(std::string_view body, response& out, steady::time_point deadline) {
  outcome o = send_all(body, deadline);
  if (o.error == failure::none) {
    o = read_response(deadline);
    o.sent = true;
  }
  if (o.error == failure::none) {
    out = std::move(parser_.get());
    in_.erase(0, parser_.consumed());
    // The Runtime API never pipelines: bytes behind the reply are not an answer to anything.
    if (!out.keep_alive || !in_.empty()) close();
    return o;
  }
  if (o.error == failure::malformed && parser_.has_head()) out = std::move(parser_.get());
  close();
  return o;
}

// Whether the open connection holds unread bytes, or its end, or an error: one non-blocking peek.
inline bool client::stale() {
  if (!in_.empty()) return true;
  char c;
  const ssize_t n = ::recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT);
  return n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

// Waits for readiness until `deadline`, in slices of stop_check_ when a stop flag is given.
inline failure client::wait(bool write, steady::time_point deadline) {
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

inline outcome client::connect(steady::time_point request_deadline) {
  const auto start = steady::now();
  const auto give_up = std::min(request_deadline, start + policy_.connect_timeout);
  auto backoff = policy_.first_backoff;
  int attempts = 0;
  std::string last;
  for (;;) {
    ++attempts;
    bool local = false;
    std::string why = try_connect(give_up, local);
    if (why.empty()) return outcome{};
    // Out of descriptors or memory here: no retry makes the Runtime API answer; the caller
    // decides (the runtime backs off and says so).
    if (local) return fail(failure::local, why);
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

// One attempt; empty on success, else why it failed (`local` when this process lacks the
// descriptor or the memory for a socket).
inline std::string client::try_connect(steady::time_point deadline, bool& local) {
  fd_ = ::socket(where_.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    const int err = errno;
    local = err == EMFILE || err == ENFILE || err == ENOMEM || err == ENOBUFS;
    return "socket: " + error_text(err);
  }
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  // A long poll may wait for hours: keep-alive probes find a peer that vanished (30 s idle, then
  // 3 probes 10 s apart), while a server that merely has no invocation is waited for forever.
  const int idle = 30, interval = 10, count = 3;
  ::setsockopt(fd_, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
  ::setsockopt(fd_, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  ::setsockopt(fd_, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
  ::setsockopt(fd_, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
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
    local = err == ENOMEM || err == ENOBUFS;
    return error_text(err);
  }
  return {};
}

inline outcome client::send_all(std::string_view body, steady::time_point deadline) {
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

inline outcome client::read_response(steady::time_point deadline) {
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
        return outcome{failure::malformed, "malformed response: " + parser_.reason(), true, true};
      }
    }
    const std::size_t have = in_.size();
    in_.resize(have + 16384);
    const ssize_t n = ::recv(fd_, in_.data() + have, 16384, MSG_DONTWAIT);
    const int err = errno;
    in_.resize(have + static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
    if (n > 0) continue;
    const bool replied = !in_.empty();
    if (n == 0) {
      if (parser_.finish_at_eof(in_) == response_parser::result::complete) {
        parser_.get().keep_alive = false;
        return outcome{};
      }
      return outcome{
          failure::closed,
          replied ? "connection closed mid-response" : "connection closed before a response", true,
          replied};
    }
    if (err == EINTR) continue;
    if (err != EAGAIN && err != EWOULDBLOCK) {
      return outcome{failure::closed, "recv: " + error_text(err), true, replied};
    }
    const failure f = wait(false, deadline);
    if (f == failure::timeout) {
      return outcome{f, "timed out waiting for the response", true, replied};
    }
    if (f != failure::none) return outcome{f, "stopped", true, replied};
  }
}

}  // namespace inflight::detail::http
