// inflight_runtime_api_bench: what the local Runtime API costs, beside the physical floor under
// it, measured in one run on this machine.
//
//   1. The floor: one keep-alive TCP loopback round trip of 300-byte messages between two
//      threads that block between messages, on one CPU and across two, back to back (the CPUs
//      stay awake: the floor at high concurrency) and with 2 ms between round trips (each wake
//      comes from idle: the floor at low concurrency). CPU per side per round trip; an
//      invocation through the Runtime API is two round trips (/next, then the response).
//   2. The server: runtime_api::server on one core (pinned), driven closed-loop by a minimal C++
//      keep-alive client on another core with 64 pollers (64 connections, one epoll thread),
//      each looping GET /next -> POST response. Invocations per second and the server's CPU per
//      invocation.
//   3. The baseline: the same request loop over plain sockets without HTTP (a 64-byte "next",
//      a 300-byte "invocation", a 300-byte "response", a 16-byte "accepted"), with a minimal
//      epoll server, so the HTTP layer's cost is a ratio.
//
//   inflight_runtime_api_bench [--seconds=S]   (default 3 per measurement)
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "inflight/topology.hpp"
#include "runtime_api/server.hpp"
#include "support/affinity.hpp"
#include "support/cpu_accounting.hpp"

namespace {

using namespace inflight::bench;
using steady = std::chrono::steady_clock;

double cpu_seconds_of(pid_t tid) {
  return std::chrono::duration<double>(thread_cpu_time_of(tid)).count();
}

int listen_loopback(std::uint16_t& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(fd, 1024) != 0) {
    std::perror("listen");
    std::exit(1);
  }
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
  return fd;
}

int connect_loopback(std::uint16_t port, bool nonblocking) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    std::perror("connect");
    std::exit(1);
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (nonblocking) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

bool read_exactly(int fd, char* p, std::size_t n) {
  while (n != 0) {
    const ssize_t r = ::read(fd, p, n);
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

struct floor_result {
  double round_trips_per_s = 0;
  double client_us = 0, server_us = 0;  // CPU per side per round trip
};

// (1) One keep-alive round trip of 300-byte messages, each side blocking between messages.
floor_result ping_pong(int cpu_a, int cpu_b, double seconds,
                       std::chrono::microseconds gap = std::chrono::microseconds(0)) {
  std::uint16_t port = 0;
  const int lfd = listen_loopback(port);
  std::atomic<pid_t> server_tid{0};
  double server_cpu = 0;
  std::thread server([&] {
    pin_current_thread({cpu_b});
    server_tid = current_tid();
    const int fd = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char buf[300];
    const double c0 = cpu_seconds_of(server_tid);
    while (read_exactly(fd, buf, sizeof buf)) {
      if (::write(fd, buf, sizeof buf) != static_cast<ssize_t>(sizeof buf)) break;
    }
    server_cpu = cpu_seconds_of(server_tid) - c0;
    ::close(fd);
  });
  pin_current_thread({cpu_a});
  const int fd = connect_loopback(port, false);
  char buf[300];
  std::memset(buf, 'x', sizeof buf);
  const pid_t me = current_tid();
  const double c0 = cpu_seconds_of(me);
  const auto t0 = steady::now();
  const auto end = t0 + std::chrono::duration<double>(seconds);
  std::uint64_t n = 0;
  while (steady::now() < end) {
    if (::write(fd, buf, sizeof buf) != static_cast<ssize_t>(sizeof buf)) break;
    if (!read_exactly(fd, buf, sizeof buf)) break;
    ++n;
    if (gap.count() > 0) std::this_thread::sleep_for(gap);  // a handler's wait: both sides idle
  }
  const double wall = std::chrono::duration<double>(steady::now() - t0).count();
  const double client_cpu = cpu_seconds_of(me) - c0;
  ::shutdown(fd, SHUT_WR);
  server.join();
  ::close(fd);
  ::close(lfd);
  pin_current_thread({});
  floor_result r;
  r.round_trips_per_s = static_cast<double>(n) / wall;
  r.client_us = client_cpu / static_cast<double>(n) * 1e6;
  r.server_us = server_cpu / static_cast<double>(n) * 1e6;
  return r;
}

// A closed-loop client of 64 keep-alive connections on one epoll thread. `next` and `answer`
// build each connection's two requests; a reply is complete when `complete` says so (it returns
// the reply's length, 0 while incomplete) and `id_of` pulls the invocation id from the first.
struct client_protocol {
  std::string (*next)();
  std::string (*answer)(const std::string& id);
  std::size_t (*complete)(const std::string& in);
  std::string (*id_of)(const std::string& reply);
};

std::uint64_t run_client(std::uint16_t port, int cpu, std::size_t pollers, double seconds,
                         const client_protocol& p, std::atomic<bool>& go) {
  pin_current_thread({cpu});
  struct conn {
    int fd;
    std::string in;
    bool answering = false;  // waiting for the answer's reply, not the invocation
  };
  std::vector<conn> conns;
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  for (std::size_t i = 0; i < pollers; ++i) {
    conns.push_back({connect_loopback(port, true), {}, false});
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, conns.back().fd, &ev);
  }
  auto send_all = [](int fd, const std::string& s) {
    std::size_t sent = 0;
    while (sent < s.size()) {
      const ssize_t n = ::send(fd, s.data() + sent, s.size() - sent, MSG_NOSIGNAL);
      if (n > 0) sent += static_cast<std::size_t>(n);
    }
  };
  while (!go) std::this_thread::yield();
  for (auto& c : conns) send_all(c.fd, p.next());
  std::uint64_t done = 0;
  const auto t0 = steady::now();
  const auto end = t0 + std::chrono::duration<double>(seconds);
  std::vector<epoll_event> events(256);
  char buf[65536];
  while (steady::now() < end) {
    const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
    for (int k = 0; k < n; ++k) {
      conn& c = conns[events[static_cast<std::size_t>(k)].data.u64];
      for (;;) {
        const ssize_t r = ::read(c.fd, buf, sizeof buf);
        if (r <= 0) break;
        c.in.append(buf, static_cast<std::size_t>(r));
      }
      for (std::size_t len; (len = p.complete(c.in)) != 0;) {
        const std::string reply = c.in.substr(0, len);
        c.in.erase(0, len);
        if (!c.answering) {
          send_all(c.fd, p.answer(p.id_of(reply)));
        } else {
          ++done;
          send_all(c.fd, p.next());
        }
        c.answering = !c.answering;
      }
    }
  }
  for (auto& c : conns) ::close(c.fd);
  ::close(ep);
  pin_current_thread({});
  return done;
}

// HTTP: the Runtime API.
std::size_t http_complete(const std::string& in) {
  const auto head = in.find("\r\n\r\n");
  if (head == std::string::npos) return 0;
  const auto cl = in.find("Content-Length: ");
  const std::size_t len = cl < head ? std::strtoull(in.c_str() + cl + 16, nullptr, 10) : 0;
  return in.size() >= head + 4 + len ? head + 4 + len : 0;
}
const client_protocol http_protocol = {
    [] {
      return std::string("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n");
    },
    [](const std::string& id) {
      return "POST /2018-06-01/runtime/invocation/" + id +
             "/response HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n{\"ok\":true}";
    },
    http_complete,
    [](const std::string& reply) {
      const auto at = reply.find("Lambda-Runtime-Aws-Request-Id: ");
      return reply.substr(at + 31, 36);
    }};

// The server's driver for the benchmark: every ended invocation is replaced at once.
class closed_loop final : public runtime_api::driver {
 public:
  void ended(runtime_api::server& s, const runtime_api::finished&) override {
    ended_.fetch_add(1, std::memory_order_relaxed);
    s.submit(steady::now(), true);
  }
  std::atomic<std::uint64_t> ended_{0};
};

struct server_result {
  double per_s = 0;
  double server_us = 0;  // server CPU per invocation
};

server_result http_server(int server_cpu, int client_cpu, std::size_t pollers, double seconds) {
  runtime_api::server srv({});
  closed_loop load;
  std::atomic<pid_t> tid{0};
  std::thread t([&] {
    pin_current_thread({server_cpu});
    tid = current_tid();
    srv.run(load);
  });
  srv.post([&] {
    for (std::size_t i = 0; i < pollers; ++i) srv.submit(steady::now(), true);
  });
  while (tid == 0) std::this_thread::yield();
  std::atomic<bool> go{false};
  std::uint64_t done = 0;
  double c0 = 0, c1 = 0;
  std::thread client(
      [&] { done = run_client(srv.port(), client_cpu, pollers, seconds, http_protocol, go); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // connections made
  c0 = cpu_seconds_of(tid);
  const auto t0 = steady::now();
  go = true;
  client.join();
  c1 = cpu_seconds_of(tid);
  const double wall = std::chrono::duration<double>(steady::now() - t0).count();
  srv.stop();
  t.join();
  return {static_cast<double>(done) / wall, (c1 - c0) / static_cast<double>(done) * 1e6};
}

// Raw: the same loop without HTTP.
constexpr std::size_t raw_next = 64, raw_invocation = 300, raw_response = 300, raw_ack = 16;
const client_protocol raw_protocol = {
    [] { return std::string(raw_next, 'N'); },
    [](const std::string& id) { return id + std::string(raw_response - id.size(), 'R'); },
    [](const std::string& in) -> std::size_t {
      // Replies alternate: an invocation (300 bytes) then an ack (16); the caller tracks which,
      // so accept either size from the front: an ack begins with 'A'.
      if (!in.empty() && in[0] == 'A') return in.size() >= raw_ack ? raw_ack : 0;
      return in.size() >= raw_invocation ? raw_invocation : 0;
    },
    [](const std::string& reply) { return reply.substr(0, 36); }};

server_result raw_server(int server_cpu, int client_cpu, std::size_t pollers, double seconds) {
  std::uint16_t port = 0;
  const int lfd = listen_loopback(port);
  ::fcntl(lfd, F_SETFL, ::fcntl(lfd, F_GETFL) | O_NONBLOCK);
  std::atomic<bool> stop{false};
  std::atomic<pid_t> tid{0};
  std::thread t([&] {
    pin_current_thread({server_cpu});
    tid = current_tid();
    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    epoll_event lev{};
    lev.events = EPOLLIN;
    lev.data.fd = lfd;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);
    struct conn {
      std::string in;
      bool next = true;  // expecting a "next", else a response
    };
    std::vector<conn> conns(65536);
    std::uint64_t seq = 0;
    std::vector<epoll_event> events(256);
    char buf[65536];
    while (!stop) {
      const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 50);
      for (int k = 0; k < n; ++k) {
        const int fd = events[static_cast<std::size_t>(k)].data.fd;
        if (fd == lfd) {
          for (int c; (c = ::accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0;) {
            const int one = 1;
            ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            epoll_event ev{};
            ev.events = EPOLLIN;
            ev.data.fd = c;
            ::epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
          }
          continue;
        }
        conn& c = conns[static_cast<std::size_t>(fd)];
        for (;;) {
          const ssize_t r = ::read(fd, buf, sizeof buf);
          if (r <= 0) break;
          c.in.append(buf, static_cast<std::size_t>(r));
        }
        for (;;) {
          const std::size_t need = c.next ? raw_next : raw_response;
          if (c.in.size() < need) break;
          c.in.erase(0, need);
          std::string out;
          if (c.next) {
            char id[40];
            std::snprintf(id, sizeof id, "%036llu", static_cast<unsigned long long>(++seq));
            out = std::string(id) + std::string(raw_invocation - 36, 'I');
          } else {
            out = std::string(raw_ack, 'A');
          }
          [[maybe_unused]] const auto w = ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
          c.next = !c.next;
        }
      }
    }
    ::close(ep);
  });
  while (tid == 0) std::this_thread::yield();
  std::atomic<bool> go{false};
  std::uint64_t done = 0;
  std::thread client(
      [&] { done = run_client(port, client_cpu, pollers, seconds, raw_protocol, go); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const double c0 = cpu_seconds_of(tid);
  const auto t0 = steady::now();
  go = true;
  client.join();
  const double c1 = cpu_seconds_of(tid);
  const double wall = std::chrono::duration<double>(steady::now() - t0).count();
  stop = true;
  t.join();
  ::close(lfd);
  return {static_cast<double>(done) / wall, (c1 - c0) / static_cast<double>(done) * 1e6};
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 3;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--seconds=", 0) == 0) {
      char* end = nullptr;
      seconds = std::strtod(a.c_str() + 10, &end);
      if (*end != '\0' || !(seconds >= 0.1 && seconds <= 600)) {
        std::fprintf(stderr, "inflight_runtime_api_bench: --seconds=%s: valid range is 0.1..600\n",
                     a.c_str() + 10);
        return 2;
      }
    } else {
      std::fprintf(stderr,
                   "inflight_runtime_api_bench: unknown argument '%s'; valid: --seconds=S\n",
                   a.c_str());
      return 2;
    }
  }
  const auto cpus = inflight::detect_vcpus().cpus;
  const int a = cpus.front(), b = cpus.size() > 1 ? cpus[1] : cpus.front();
  std::printf("inflight_runtime_api_bench: %zu CPUs, %.1f s per measurement\n\n", cpus.size(),
              seconds);
  std::printf(
      "1. the floor: one keep-alive loopback round trip, 300-byte messages, both sides "
      "blocking\n");
  const auto same = ping_pong(a, a, seconds);
  std::printf(
      "   one CPU:     %9.0f round trips/s, CPU per side per round trip: client %.1f us, "
      "server %.1f us\n",
      same.round_trips_per_s, same.client_us, same.server_us);
  floor_result across = same;
  if (b != a) {
    across = ping_pong(a, b, seconds);
    std::printf(
        "   across CPUs: %9.0f round trips/s, CPU per side per round trip: client %.1f us, "
        "server %.1f us\n",
        across.round_trips_per_s, across.client_us, across.server_us);
  }
  const auto idle = ping_pong(a, b, seconds, std::chrono::milliseconds(2));
  std::printf(
      "   across CPUs, 2 ms between round trips (waking from idle): %.0f round trips/s, "
      "client %.1f us, server %.1f us\n",
      idle.round_trips_per_s, idle.client_us, idle.server_us);
  std::printf(
      "   per invocation (2 round trips), server side: %.1f us on one CPU, %.1f us across "
      "back to back, %.1f us across from idle\n",
      2 * same.server_us, 2 * across.server_us, 2 * idle.server_us);
  std::printf(
      "   per invocation (2 round trips), client side: %.1f us on one CPU, %.1f us across "
      "back to back, %.1f us across from idle\n\n",
      2 * same.client_us, 2 * across.client_us, 2 * idle.client_us);
  std::printf(
      "2-3. 64 keep-alive pollers looping next -> response, server on CPU %d, client on "
      "CPU %d\n",
      a, b);
  const auto http = http_server(a, b, 64, seconds);
  const auto raw = raw_server(a, b, 64, seconds);
  std::printf("   Runtime API (HTTP):   %9.0f invocations/s, server CPU %.2f us per invocation\n",
              http.per_s, http.server_us);
  std::printf("   plain sockets (raw):  %9.0f invocations/s, server CPU %.2f us per invocation\n",
              raw.per_s, raw.server_us);
  std::printf("   HTTP / raw: throughput x%.3f, server CPU per invocation x%.3f\n",
              http.per_s / raw.per_s, http.server_us / raw.server_us);
  std::printf("   server CPU per invocation against the across-CPU floor of %.1f us: x%.3f\n",
              2 * across.server_us, http.server_us / (2 * across.server_us));
  return 0;
}
