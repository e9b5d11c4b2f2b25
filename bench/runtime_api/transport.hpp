#pragma once
// The Runtime API server's transport: an HTTP/1.1 server on 127.0.0.1 on one epoll thread, with
// the loop's wake-up (post) and timer (wake_at), that hands each parsed request to on_request()
// and leaves its meaning to the class above it (server.hpp). Nothing here blocks.
//
// Bounded against any peer: a connection's requests are parsed as each read arrives, at most 64
// a round (the rest wait for the next round, after the other connections); a connection whose
// replies back up past max_output is not read until they drain; after a bad request nothing more
// is parsed, after end of file nothing more is read (connection.hpp); past max_buffered in all,
// the connection holding the most unparsed input is closed; out of descriptors, a reserved one
// accepts and closes the newcomer. The last two are reported by trouble(). A connection closed
// by the server shuts its side first and drops what still arrives (for at most 2 s), so its last
// replies are not lost to a reset.

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

#include "runtime_api/connection.hpp"
#include "runtime_api/http_request.hpp"
#include "runtime_api/invocations.hpp"
#include "runtime_api/listener.hpp"
#include "runtime_api/replies.hpp"

namespace inflight::bench::runtime_api {

/// Listens on an ephemeral loopback port from construction; run() serves until stop(). Raises
/// the process's soft RLIMIT_NOFILE to its hard limit (each connection is a descriptor). Throws
/// std::system_error when it cannot listen.
class http_transport {
 public:
  /// `max_output` and `max_buffered` as server_config describes them.
  http_transport(std::size_t max_output, std::size_t max_buffered);
  virtual ~http_transport();
  http_transport(const http_transport&) = delete;
  http_transport& operator=(const http_transport&) = delete;

  std::uint16_t port() const { return port_; }
  /// "127.0.0.1:PORT", what AWS_LAMBDA_RUNTIME_API holds.
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  /// Ends run() (from any thread).
  void stop() {
    stopping_ = true;
    poke();
  }
  /// Runs `f` on the loop's thread (from any thread).
  void post(std::function<void()> f) {
    {
      std::lock_guard<std::mutex> lock(posted_mutex_);
      posted_.push_back(std::move(f));
    }
    poke();
  }
  /// Loop thread: on_timer() runs at `t` (one at a time; a later call replaces it).
  void wake_at(steady::time_point t);
  /// Connections open now.
  std::size_t connections() const { return conns_.size(); }
  /// Requests refused as malformed (400, 413, 431, 501, 505) since the start; from any thread.
  std::size_t bad_requests() const { return bad_requests_.load(std::memory_order_relaxed); }
  /// Bytes held for all connections (input not yet dropped, output not yet sent); from any
  /// thread.
  std::size_t buffered() const { return held_.load(std::memory_order_relaxed); }
  /// Rounds of the loop so far (each ends in one epoll_wait): a loop that spins shows here; from
  /// any thread.
  std::size_t rounds() const { return rounds_.load(std::memory_order_relaxed); }
  /// Why a connection was refused or cut by the transport's own limits (descriptors, memory),
  /// or empty; from any thread.
  std::string trouble() const {
    std::lock_guard<std::mutex> lock(trouble_mutex_);
    return trouble_;
  }

 protected:
  /// Serves until stop(); on_tick() runs every 50 ms.
  void serve();
  /// A request arrived on `c`; append the reply (or park it) to c.out().
  virtual void on_request(connection& c, const http_request& req) = 0;
  /// A malformed request arrived on `c` (the 4xx reply is the transport's).
  virtual void on_bad_request(connection& /*c*/) {}
  virtual void on_tick(steady::time_point) {}
  virtual void on_timer(steady::time_point) {}

  /// The open connection on `fd`, or nullptr.
  connection* find(int fd) {
    auto it = conns_.find(fd);
    return it == conns_.end() ? nullptr : &it->second;
  }
  /// After `c` changed outside a request (an answer to its parked poll): sends, re-counts, and
  /// closes it when it must.
  void changed(connection& c) {
    if (c.unparsed() != 0) queue(c);  // what it sent behind its /next waited for this answer
    if (!settle(c)) close_conn(c.fd());
  }

 private:
  enum class kind : std::uint8_t { listener, wake, timer, conn };
  [[noreturn]] static void fail(const char* what) {
    throw std::system_error(errno, std::generic_category(),
                            std::string("runtime API server: ") + what);
  }
  void poke() {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto w = ::write(wake_fd_, &one, sizeof one);
  }
  void note_trouble(const std::string& why) {
    std::lock_guard<std::mutex> lock(trouble_mutex_);
    if (trouble_.empty()) trouble_ = why;
  }
  std::uint64_t tag(int fd, kind k) const {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(fd)) << 8) |
           static_cast<std::uint64_t>(k);
  }
  void queue(connection& c) {
    if (c.queued || c.broken || c.polling) return;
    c.queued = true;
    backlog_.push_back(c.fd());
  }
  void watch(int fd, std::uint32_t events, kind k);
  void dispatch(const epoll_event& ev);
  void accept_all();
  void close_conn(int fd);
  void read_conn(connection& c);
  void process(connection& c);
  bool settle(connection& c);
  bool over_budget();

  connection_limits limits_;
  const std::size_t max_buffered_;
  int listen_fd_ = -1, epoll_ = -1, wake_fd_ = -1, timer_fd_ = -1, reserve_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex posted_mutex_;
  std::vector<std::function<void()>> posted_;
  std::unordered_map<int, connection> conns_;
  std::vector<int> backlog_;  // connections with parseable input left for the next round
  std::deque<std::pair<int, steady::time_point>> lingering_;  // shut, closed by then at the latest
  std::size_t buffered_ = 0;                                  // connection::held() summed
  std::atomic<std::size_t> bad_requests_{0}, held_{0}, rounds_{0};
  mutable std::mutex trouble_mutex_;
  std::string trouble_;
};

inline http_transport::http_transport(std::size_t max_output, std::size_t max_buffered)
    : max_buffered_(max_buffered) {
  limits_.max_output = max_output;
  raise_open_file_limit();
  listen_fd_ = listen_on_loopback(port_);
  epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  timer_fd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);  // spent to refuse when out of them
  if (epoll_ < 0 || wake_fd_ < 0 || timer_fd_ < 0) fail("epoll");
  watch(listen_fd_, EPOLLIN, kind::listener);
  watch(wake_fd_, EPOLLIN, kind::wake);
  watch(timer_fd_, EPOLLIN, kind::timer);
}

inline http_transport::~http_transport() {
  for (auto& [fd, c] : conns_) ::close(fd);
  for (int fd : {listen_fd_, epoll_, wake_fd_, timer_fd_, reserve_fd_}) {
    if (fd >= 0) ::close(fd);
  }
}

inline void http_transport::serve() {
  std::vector<epoll_event> events(256);
  auto next_tick = steady::now();
  while (!stopping_) {
    const auto now = steady::now();
    if (now >= next_tick) {
      on_tick(now);
      next_tick = now + std::chrono::milliseconds(50);
      // A lingering peer that neither reads nor closes is given 2 s.
      while (!lingering_.empty() && lingering_.front().second <= now) {
        connection* c = find(lingering_.front().first);
        if (c != nullptr && c->lingering) close_conn(c->fd());
        lingering_.pop_front();
      }
    }
    // Connections that had more to parse than one round allows go again, after the others.
    std::vector<int> again;
    again.swap(backlog_);
    for (int fd : again) {
      connection* c = find(fd);
      if (c == nullptr) continue;
      c->queued = false;
      process(*c);
      if (!settle(*c)) close_conn(fd);
    }
    const auto wait_ms = std::chrono::ceil<std::chrono::milliseconds>(next_tick - now);
    const int n = ::epoll_wait(
        epoll_, events.data(), static_cast<int>(events.size()),
        backlog_.empty() ? static_cast<int>(std::max<std::int64_t>(0, wait_ms.count())) : 0);
    for (int i = 0; i < n; ++i) dispatch(events[static_cast<std::size_t>(i)]);
    // Here, where no connection is being handled, one may be closed for the memory bound.
    while (buffered_ > max_buffered_ && !conns_.empty()) {
      if (!over_budget()) break;
    }
    held_.store(buffered_, std::memory_order_relaxed);
    rounds_.store(rounds_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
}

inline void http_transport::wake_at(steady::time_point t) {
  itimerspec spec{};
  const auto ns = t.time_since_epoch().count();
  spec.it_value.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
  spec.it_value.tv_nsec = static_cast<long>(ns % 1'000'000'000);
  if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) spec.it_value.tv_nsec = 1;
  ::timerfd_settime(timer_fd_, TFD_TIMER_ABSTIME, &spec, nullptr);
}

inline void http_transport::watch(int fd, std::uint32_t events, kind k) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = tag(fd, k);
  ::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
}

inline void http_transport::dispatch(const epoll_event& ev) {
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
      if (::read(timer_fd_, &v, sizeof v) > 0) on_timer(steady::now());
      return;
    }
    case kind::conn: {
      connection* c = find(fd);
      if (c == nullptr) return;
      if (ev.events & EPOLLERR) return close_conn(fd);
      if (c->lingering) {
        if (!c->drop_input() || (ev.events & EPOLLHUP)) close_conn(fd);
        return;
      }
      if (c->wants_input(limits_) && (ev.events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP))) {
        read_conn(*c);
        if ((c = find(fd)) == nullptr) return;
      }
      // Both ways shut: nothing more arrives and nothing can be delivered (and a hang-up is
      // reported whatever the interest, so keeping the connection would spin).
      if (ev.events & EPOLLHUP) return close_conn(fd);
      if (!settle(*c)) close_conn(fd);
      return;
    }
  }
}

inline void http_transport::accept_all() {
  for (int accepted = 0; accepted < 256; ++accepted) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if ((errno != EMFILE && errno != ENFILE) || reserve_fd_ < 0) return;
      // Level-triggered, a listener that cannot accept would wake the loop for ever: spend the
      // reserved descriptor to take the newcomer and close it, and say so.
      ::close(reserve_fd_);
      const int refused = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (refused >= 0) ::close(refused);
      reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      rlimit l{};
      ::getrlimit(RLIMIT_NOFILE, &l);
      note_trouble("the Runtime API server ran out of descriptors at " +
                   std::to_string(conns_.size()) + " connections (RLIMIT_NOFILE " +
                   std::to_string(l.rlim_cur) + ") and refused a runtime connection");
      continue;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    connection& c = conns_.try_emplace(fd, fd).first->second;
    c.watched = EPOLLIN | EPOLLRDHUP;
    watch(fd, c.watched, kind::conn);
  }
}

inline void http_transport::close_conn(int fd) {
  auto it = conns_.find(fd);
  if (it == conns_.end()) return;
  buffered_ -= it->second.accounted;
  ::epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
  ::close(fd);
  conns_.erase(it);  // a parked poller's or a backlog entry is skipped when its turn comes
}

inline void http_transport::read_conn(connection& c) {
  std::size_t budget = limits_.read_per_wakeup;
  while (c.wants_input(limits_)) {
    const std::size_t before = c.unparsed();
    const auto r = c.read();
    budget -= std::min(budget, c.unparsed() - before);
    process(c);  // each read's requests at once: the buffer never holds a flood
    if (r != connection::read_result::more || budget == 0) break;
  }
  // What is still unread stays in the socket: level-triggered, it wakes the loop again.
}

// Parses and handles what `c` holds, up to one round's worth.
inline void http_transport::process(connection& c) {
  int budget = limits_.requests_per_wakeup;
  http_request req;
  for (;;) {
    const auto r = c.next(req, limits_, budget);
    if (r == connection::next_result::none) break;
    if (r == connection::next_result::later) {
      queue(c);
      break;
    }
    if (r == connection::next_result::bad) {
      bad_requests_.fetch_add(1, std::memory_order_relaxed);
      on_bad_request(c);
      append_reply(c.out(), c.status(), "InvalidRequest", c.reason(), true);
      break;
    }
    on_request(c, req);
  }
  c.compact();
}

// After `c` changed: sends what it can, closes it when done, queues what it may parse again,
// counts what it holds, keeps its epoll interest current. False when it must close.
inline bool http_transport::settle(connection& c) {
  if (!c.flush()) return false;
  if (c.eof && c.polling) return false;  // parked on /next with nobody left to read the answer
  if (c.pending_out() == 0 && c.close_after_write && !c.polling && !c.queued && !c.lingering) {
    if (!c.linger()) return false;
    lingering_.push_back({c.fd(), steady::now() + std::chrono::seconds(2)});
  }
  if (c.stalled && c.pending_out() < limits_.max_output) {  // drained: parse what waited
    c.stalled = false;
    queue(c);
  }
  buffered_ = buffered_ - c.accounted + c.held();
  c.accounted = c.held();
  const std::uint32_t want = c.interest(limits_);
  if (want != c.watched) {
    c.watched = want;
    epoll_event ev{};
    ev.events = want;
    ev.data.u64 = tag(c.fd(), kind::conn);
    ::epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd(), &ev);
  }
  return true;
}

// Past max_buffered in all: the connection holding the most unparsed input goes, so peers that
// each hold part of a body cannot together starve the one that would finish its own.
inline bool http_transport::over_budget() {
  int worst = -1;
  std::size_t most = 0;
  for (const auto& [fd, c] : conns_) {
    if (c.unparsed() > most) {
      most = c.unparsed();
      worst = fd;
    }
  }
  if (worst < 0) return false;  // what is held is output: it drains as peers read
  note_trouble("the Runtime API server held over " + std::to_string(max_buffered_ >> 20) +
               " MiB for its connections and closed the one holding " + std::to_string(most >> 10) +
               " KiB of unparsed input");
  close_conn(worst);
  return true;
}

}  // namespace inflight::bench::runtime_api
