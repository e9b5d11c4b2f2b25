#pragma once
// inflight_runtime_api_bench's two servers under the same load: the Runtime API server
// (runtime_api/server.hpp) and a minimal epoll server of the same request loop without HTTP.
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

#include "runtime_api/server.hpp"
#include "runtime_api_bench/load_client.hpp"
#include "runtime_api_bench/loopback.hpp"
#include "support/affinity.hpp"
#include "support/cpu_accounting.hpp"

namespace inflight::bench::api_bench {

using steady = std::chrono::steady_clock;

// HTTP: the Runtime API.
inline std::size_t http_complete(const std::string& in) {
  const auto head = in.find("\r\n\r\n");
  if (head == std::string::npos) return 0;
  const auto cl = in.find("Content-Length: ");
  const std::size_t len = cl < head ? std::strtoull(in.c_str() + cl + 16, nullptr, 10) : 0;
  return in.size() >= head + 4 + len ? head + 4 + len : 0;
}
inline const client_protocol http_protocol = {
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

inline server_result http_server(int server_cpu, int client_cpu, std::size_t pollers,
                                 double seconds) {
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
inline constexpr std::size_t raw_next = 64, raw_invocation = 300, raw_response = 300, raw_ack = 16;
inline const client_protocol raw_protocol = {
    [] { return std::string(raw_next, 'N'); },
    [](const std::string& id) { return id + std::string(raw_response - id.size(), 'R'); },
    [](const std::string& in) -> std::size_t {
      // Replies alternate: an invocation (300 bytes) then an ack (16); the caller tracks which,
      // so accept either size from the front: an ack begins with 'A'.
      if (!in.empty() && in[0] == 'A') return in.size() >= raw_ack ? raw_ack : 0;
      return in.size() >= raw_invocation ? raw_invocation : 0;
    },
    [](const std::string& reply) { return reply.substr(0, 36); }};

inline server_result raw_server(int server_cpu, int client_cpu, std::size_t pollers,
                                double seconds) {
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

}  // namespace inflight::bench::api_bench
