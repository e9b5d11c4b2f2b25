#pragma once
// inflight_runtime_api_bench's floor: loopback sockets, and one keep-alive round trip of
// 300-byte messages between two threads that block between messages (ping_pong).
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

#include "support/affinity.hpp"
#include "support/cpu_accounting.hpp"

namespace inflight::bench::api_bench {

using steady = std::chrono::steady_clock;

inline double cpu_seconds_of(pid_t tid) {
  return std::chrono::duration<double>(thread_cpu_time_of(tid)).count();
}

inline int listen_loopback(std::uint16_t& port) {
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

inline int connect_loopback(std::uint16_t port, bool nonblocking) {
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

inline bool read_exactly(int fd, char* p, std::size_t n) {
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
inline floor_result ping_pong(int cpu_a, int cpu_b, double seconds,
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

}  // namespace inflight::bench::api_bench
