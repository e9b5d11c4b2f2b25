#pragma once
// A local Lambda Runtime API (2018-06-01) with LMI's multi-concurrent semantics: any number of
// runtime connections long-poll GET /runtime/invocation/next at once, each gets its own
// invocation, and answers it with POST /runtime/invocation/{id}/response or /error, in any order,
// on any connection (HTTP/1.1 keep-alive). One thread runs it on epoll, and with it the load: a
// `load` object (models/exec.hpp) submits invocations from the loop's timer and hears each one
// end. Nothing here blocks; nothing here allocates per byte.
//
// Errors as the real API gives them: an unknown path 404, a wrong method 405, a response for an
// unknown or already finished id 400 {"errorType":"InvalidRequestID"}, a body over 6 MB 413,
// malformed HTTP 400 and the connection closed.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

#include "runtime_api/http_request.hpp"

namespace inflight::bench::runtime_api {

using steady = std::chrono::steady_clock;

/// What the server hands out with every invocation.
struct server_config {
  /// Payloads, used round robin; empty: every invocation gets "{}".
  std::vector<std::string> events;
  /// Lambda-Runtime-Deadline-Ms is the invocation's availability plus this. Default 3 s.
  std::chrono::milliseconds deadline{3000};
  std::string function_arn = "arn:aws:lambda:us-east-1:000000000000:function:inflight";
  /// Largest response body accepted (Lambda's 6 MB: 6291556 bytes); above it 413 and an error.
  std::size_t max_response = 6291556;
};

/// How an invocation ended.
enum class outcome { response, error, timeout };

/// One invocation that ended, as the load hears it.
struct finished {
  outcome how = outcome::response;
  bool counted = false;         // submitted as counted (inside the measured window)
  steady::time_point from;      // when it became available, or its scheduled arrival
  steady::time_point done;      // when its response or error arrived, or it timed out
  bool after_deadline = false;  // its response or error came after its deadline
  std::string error_type;       // outcome::error: the runtime's errorType
};

class server;

/// The load the server drives; every call comes on the server's thread.
class load {
 public:
  virtual ~load() = default;
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
/// runtime, then run() on a thread of its own; stop() from any thread ends run().
/// Throws std::system_error when it cannot listen.
class server {
 public:
  explicit server(server_config config) : config_(std::move(config)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) fail("socket");
    const int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) fail("bind");
    if (::listen(listen_fd_, 1024) != 0) fail("listen");
    socklen_t len = sizeof a;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    timer_fd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (epoll_ < 0 || wake_fd_ < 0 || timer_fd_ < 0) fail("epoll");
    watch(listen_fd_, EPOLLIN, kind::listener);
    watch(wake_fd_, EPOLLIN, kind::wake);
    watch(timer_fd_, EPOLLIN, kind::timer);
  }
  ~server() {
    for (auto& [fd, c] : conns_) ::close(fd);
    for (int fd : {listen_fd_, epoll_, wake_fd_, timer_fd_}) {
      if (fd >= 0) ::close(fd);
    }
  }
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  std::uint16_t port() const { return port_; }
  /// "127.0.0.1:PORT", what AWS_LAMBDA_RUNTIME_API holds.
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  /// Runs the loop until stop(), driving `l`.
  void run(load& l) {
    load_ = &l;
    std::vector<epoll_event> events(256);
    auto next_expiry = steady::now();  // timeouts are checked every 50 ms
    while (!stopping_) {
      const auto now = steady::now();
      if (now >= next_expiry) {
        expire(now);
        next_expiry = now + std::chrono::milliseconds(50);
      }
      const auto wait_ms = std::chrono::ceil<std::chrono::milliseconds>(next_expiry - now);
      const int n = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()),
                                 static_cast<int>(std::max<std::int64_t>(0, wait_ms.count())));
      for (int i = 0; i < n; ++i) dispatch(events[static_cast<std::size_t>(i)]);
    }
    load_ = nullptr;
  }

  /// Ends run() (from any thread).
  void stop() {
    stopping_ = true;
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto w = ::write(wake_fd_, &one, sizeof one);
  }

  /// Runs `f` on the server's thread (from any thread).
  void post(std::function<void()> f) {
    {
      std::lock_guard<std::mutex> lock(posted_mutex_);
      posted_.push_back(std::move(f));
    }
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto w = ::write(wake_fd_, &one, sizeof one);
  }

  /// Server thread: makes an invocation available from `from` (its availability or scheduled
  /// arrival); the next waiting /next poll gets it.
  void submit(steady::time_point from, bool counted) {
    invocation inv;
    inv.id = next_id();
    inv.from = from;
    inv.counted = counted;
    inv.deadline = from + config_.deadline;
    inv.payload = config_.events.empty() ? 0 : next_event_++ % config_.events.size();
    ++outstanding_;
    while (!pollers_.empty()) {
      const int fd = pollers_.front();
      pollers_.pop_front();
      auto it = conns_.find(fd);
      // Closed while it waited (its descriptor may since belong to a new connection).
      if (it == conns_.end() || !it->second.polling) continue;
      it->second.polling = false;
      hand_out(it->second, std::move(inv));
      if (!flush(it->second)) close_conn(fd);
      return;
    }
    pending_.push_back(std::move(inv));
  }

  /// Server thread: the timer fires at `t` (one at a time; a later call replaces it).
  void wake_at(steady::time_point t) {
    itimerspec spec{};
    const auto ns = t.time_since_epoch().count();
    spec.it_value.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
    spec.it_value.tv_nsec = static_cast<long>(ns % 1'000'000'000);
    if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) spec.it_value.tv_nsec = 1;
    ::timerfd_settime(timer_fd_, TFD_TIMER_ABSTIME, &spec, nullptr);
  }

  /// Invocations submitted and not yet ended (available or handed out).
  std::size_t outstanding() const { return outstanding_; }
  /// /next polls waiting for an invocation.
  std::size_t waiting_polls() const { return pollers_.size(); }
  /// Connections open now.
  std::size_t connections() const { return conns_.size(); }
  /// Requests refused as malformed (400, 413, 431, 501, 505) since the start; from any thread.
  std::size_t bad_requests() const { return bad_requests_.load(std::memory_order_relaxed); }

 private:
  enum class kind : std::uint8_t { listener, wake, timer, conn };
  struct invocation {
    std::string id;
    steady::time_point from, deadline;
    std::size_t payload = 0;
    bool counted = false;
  };
  struct connection {
    int fd = -1;
    std::string in, out;
    std::size_t out_sent = 0;
    request_parser parser;
    bool polling = false;       // parked on /next
    bool watching_out = false;  // EPOLLOUT is in its epoll interest
    bool close_after_write = false;
  };

  [[noreturn]] static void fail(const char* what) {
    throw std::system_error(errno, std::generic_category(),
                            std::string("runtime API server: ") + what);
  }

  void watch(int fd, std::uint32_t events, kind k) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = (static_cast<std::uint64_t>(static_cast<std::uint32_t>(fd)) << 8) |
                  static_cast<std::uint64_t>(k);
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
  }
  // Asks for EPOLLOUT only while output waits, with one epoll_ctl when that changes (never per
  // request: a syscall per request would cost as much as the request's own read).
  void rewatch(connection& c) {
    const bool want_out = c.out_sent < c.out.size();
    if (want_out == c.watching_out) return;
    c.watching_out = want_out;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | (want_out ? EPOLLOUT : 0u);
    ev.data.u64 = (static_cast<std::uint64_t>(static_cast<std::uint32_t>(c.fd)) << 8) |
                  static_cast<std::uint64_t>(kind::conn);
    ::epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &ev);
  }

  void dispatch(const epoll_event& ev) {
    const int fd = static_cast<int>(ev.data.u64 >> 8);
    switch (static_cast<kind>(ev.data.u64 & 0xff)) {
      case kind::listener:
        accept_all();
        return;
      case kind::wake: {
        std::uint64_t v;
        [[maybe_unused]] const auto r = ::read(wake_fd_, &v, sizeof v);
        std::vector<std::function<void()>> todo;
        {
          std::lock_guard<std::mutex> lock(posted_mutex_);
          todo.swap(posted_);
        }
        for (auto& f : todo) f();
        return;
      }
      case kind::timer: {
        std::uint64_t v;
        if (::read(timer_fd_, &v, sizeof v) > 0 && load_) load_->woke(*this, steady::now());
        return;
      }
      case kind::conn: {
        auto it = conns_.find(fd);
        if (it == conns_.end()) return;
        if (ev.events & EPOLLOUT) {
          if (!flush(it->second)) return close_conn(fd);
        }
        if (ev.events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) read_conn(it->second);
        return;
      }
    }
  }

  void accept_all() {
    for (;;) {
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      connection& c = conns_[fd];
      c.fd = fd;
      watch(fd, EPOLLIN | EPOLLRDHUP, kind::conn);
    }
  }

  void close_conn(int fd) {
    ::epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    conns_.erase(fd);  // a parked poller's entry is skipped when its turn comes
  }

  void read_conn(connection& c) {
    const int fd = c.fd;
    char buf[65536];
    bool peer_gone = false;
    for (;;) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n > 0) {
        c.in.append(buf, static_cast<std::size_t>(n));
        if (static_cast<std::size_t>(n) < sizeof buf) break;
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) break;
      peer_gone = true;  // closed, or an error: what it sent is still served, then it closes
      c.close_after_write = true;
      break;
    }
    // One request at a time: a poller parked on /next sends nothing until it is answered.
    bool done = false;
    while (!done && !c.polling && !c.in.empty()) {
      const auto r = c.parser.parse(c.in);
      if (r == request_parser::result::incomplete) break;
      if (r == request_parser::result::bad) {
        ++bad_requests_;
        if (c.parser.status() == 413) too_large(c.parser.request().target);
        c.close_after_write = true;
        reply(c, c.parser.status(), "InvalidRequest", c.parser.reason());
        break;
      }
      http_request req = std::move(c.parser.request());
      c.in.erase(0, c.parser.consumed());
      c.parser.reset();
      done = !req.keep_alive;
      if (done) c.close_after_write = true;
      handle(c, req);
    }
    if (peer_gone && c.polling) return close_conn(fd);  // nobody to answer the poll
    // A parked poller may not send ahead (no pipelining past /next); one that floods is cut off.
    if (c.polling && c.in.size() > 65536) return close_conn(fd);
    if (!flush(c)) return close_conn(fd);
  }

  // Writes what it can; false when the connection must close.
  bool flush(connection& c) {
    while (c.out_sent < c.out.size()) {
      const ssize_t n =
          ::send(c.fd, c.out.data() + c.out_sent, c.out.size() - c.out_sent, MSG_NOSIGNAL);
      if (n > 0) {
        c.out_sent += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        rewatch(c);
        return true;
      }
      return false;
    }
    c.out.clear();
    c.out_sent = 0;
    if (c.close_after_write && !c.polling) return false;
    rewatch(c);
    return true;
  }

  static constexpr std::string_view prefix = "/2018-06-01/runtime/";

  void handle(connection& c, const http_request& req) {
    std::string_view path = req.target;
    if (const auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
    if (path.rfind(prefix, 0) != 0) return reply(c, 404, "NotFound", "unknown path");
    path.remove_prefix(prefix.size());
    if (path == "invocation/next") {
      if (req.method != "GET") return reply(c, 405, "MethodNotAllowed", "use GET");
      if (load_) load_->polled(*this, steady::now());
      if (!pending_.empty()) {
        invocation inv = std::move(pending_.front());
        pending_.pop_front();
        return hand_out(c, std::move(inv));
      }
      c.polling = true;
      pollers_.push_back(c.fd);
      return;
    }
    if (path == "init/error") {
      if (req.method != "POST") return reply(c, 405, "MethodNotAllowed", "use POST");
      if (load_) load_->init_error(*this, error_type_of(req));
      return reply(c, 202, "", "");
    }
    constexpr std::string_view inv_prefix = "invocation/";
    if (path.rfind(inv_prefix, 0) == 0) {
      path.remove_prefix(inv_prefix.size());
      const auto slash = path.find('/');
      if (slash != std::string_view::npos) {
        const auto id = path.substr(0, slash);
        const auto what = path.substr(slash + 1);
        if (what == "response" || what == "error") {
          if (req.method != "POST") return reply(c, 405, "MethodNotAllowed", "use POST");
          auto it = in_flight_.find(std::string(id));
          if (it == in_flight_.end()) {
            return reply(c, 400, "InvalidRequestID", "Invalid request ID");
          }
          if (what == "response" && req.body.size() > config_.max_response) {
            end(it, outcome::error, "Function.ResponseSizeTooLarge");
            return reply(c, 413, "RequestEntityTooLarge", "response over 6 MB");
          }
          if (what == "response") {
            end(it, outcome::response, {});
          } else {
            end(it, outcome::error, error_type_of(req));
          }
          return reply(c, 202, "", "");
        }
      }
    }
    reply(c, 404, "NotFound", "unknown path");
  }

  // A body over the parser's limit: if it was a response, its invocation ends as an error.
  void too_large(const std::string& target) {
    const std::string head = std::string(prefix) + "invocation/";
    if (target.rfind(head, 0) != 0) return;
    const auto slash = target.find('/', head.size());
    if (slash == std::string::npos) return;
    auto it = in_flight_.find(target.substr(head.size(), slash - head.size()));
    if (it != in_flight_.end()) end(it, outcome::error, "Function.ResponseSizeTooLarge");
  }

  static std::string error_type_of(const http_request& req) {
    std::string t(req.header("Lambda-Runtime-Function-Error-Type"));
    if (!t.empty()) return t;
    // The body's "errorType": the first string value after that key.
    const auto key = req.body.find("\"errorType\"");
    if (key != std::string::npos) {
      auto q = req.body.find('"', req.body.find(':', key + 11));
      if (q != std::string::npos) {
        const auto e = req.body.find('"', q + 1);
        if (e != std::string::npos && e - q - 1 <= 200) return req.body.substr(q + 1, e - q - 1);
      }
    }
    return "Unknown";
  }

  void end(std::unordered_map<std::string, invocation>::iterator it, outcome how,
           std::string error_type) {
    finished f;
    f.how = how;
    f.counted = it->second.counted;
    f.from = it->second.from;
    f.done = steady::now();
    f.after_deadline = f.done > it->second.deadline;
    f.error_type = std::move(error_type);
    in_flight_.erase(it);
    --outstanding_;
    if (load_) load_->ended(*this, f);
  }

  // Invocations with no answer by their deadline + 1 s time out; so do those never polled for.
  void expire(steady::time_point now) {
    const auto grace = std::chrono::seconds(1);
    // Ending one may submit another (a closed loop), which may rehash in_flight_: collect first.
    std::vector<std::string> expired;
    for (const auto& [id, inv] : in_flight_) {
      if (now > inv.deadline + grace) expired.push_back(id);
    }
    for (const auto& id : expired) {
      auto it = in_flight_.find(id);
      if (it != in_flight_.end()) end(it, outcome::timeout, {});
    }
    while (!pending_.empty() && now > pending_.front().deadline + grace) {
      invocation inv = std::move(pending_.front());
      pending_.pop_front();
      --outstanding_;
      finished f;
      f.how = outcome::timeout;
      f.counted = inv.counted;
      f.from = inv.from;
      f.done = now;
      f.after_deadline = true;
      if (load_) load_->ended(*this, f);
    }
  }

  std::string next_id() {
    // UUID-shaped, unique within the process: a per-server random half and a counter.
    char buf[40];
    const std::uint64_t n = ++id_counter_;
    std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-8%03x-%012llx",
                  static_cast<unsigned>(id_base_ >> 32),
                  static_cast<unsigned>(id_base_ >> 16) & 0xffff,
                  static_cast<unsigned>(id_base_) & 0xfff, static_cast<unsigned>(n >> 48) & 0xfff,
                  static_cast<unsigned long long>(n & 0xffffffffffffull));
    return buf;
  }

  void hand_out(connection& c, invocation inv) {
    const auto deadline_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(
            (std::chrono::system_clock::now() + (inv.deadline - steady::now())).time_since_epoch())
            .count();
    static const std::string empty_event = "{}";
    const std::string& body = config_.events.empty() ? empty_event : config_.events[inv.payload];
    std::string& o = c.out;
    o += "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: ";
    o += inv.id;
    o += "\r\nLambda-Runtime-Deadline-Ms: ";
    o += std::to_string(deadline_ms);
    o += "\r\nLambda-Runtime-Invoked-Function-Arn: ";
    o += config_.function_arn;
    o += "\r\nLambda-Runtime-Trace-Id: Root=1-";
    o += inv.id.substr(0, 8);
    o += "-";
    o += inv.id.substr(24);
    o += "000000000000;Sampled=0\r\nContent-Length: ";
    o += std::to_string(body.size());
    o += "\r\n\r\n";
    o += body;
    in_flight_.emplace(inv.id, std::move(inv));
  }

  void reply(connection& c, int status, std::string_view type, std::string_view message) {
    std::string body;
    if (status == 202) {
      body = "{\"status\":\"OK\"}";
    } else {
      body = "{\"errorMessage\":\"" + std::string(message) + "\",\"errorType\":\"" +
             std::string(type) + "\"}";
    }
    const char* text = status == 202   ? "Accepted"
                       : status == 400 ? "Bad Request"
                       : status == 404 ? "Not Found"
                       : status == 405 ? "Method Not Allowed"
                       : status == 413 ? "Payload Too Large"
                       : status == 431 ? "Request Header Fields Too Large"
                       : status == 501 ? "Not Implemented"
                       : status == 505 ? "HTTP Version Not Supported"
                                       : "Error";
    c.out +=
        "HTTP/1.1 " + std::to_string(status) + " " + text +
        "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\n";
    if (c.close_after_write) c.out += "Connection: close\r\n";
    c.out += "\r\n" + body;
  }

  server_config config_;
  int listen_fd_ = -1, epoll_ = -1, wake_fd_ = -1, timer_fd_ = -1;
  std::uint16_t port_ = 0;
  load* load_ = nullptr;
  std::atomic<bool> stopping_{false};
  std::mutex posted_mutex_;
  std::vector<std::function<void()>> posted_;
  std::unordered_map<int, connection> conns_;
  std::deque<int> pollers_;
  std::deque<invocation> pending_;
  std::unordered_map<std::string, invocation> in_flight_;
  std::size_t outstanding_ = 0, next_event_ = 0;
  std::atomic<std::size_t> bad_requests_{0};  // read from other threads
  std::uint64_t id_counter_ = 0;
  const std::uint64_t id_base_ = static_cast<std::uint64_t>(
      std::chrono::steady_clock::now().time_since_epoch().count() * 0x9e3779b97f4a7c15ull);
};

}  // namespace inflight::bench::runtime_api
