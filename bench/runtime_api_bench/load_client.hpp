#pragma once
// inflight_runtime_api_bench's load: a closed-loop client of keep-alive connections on one
// epoll thread, speaking whichever protocol it is given (HTTP or the raw baseline).
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

#include "runtime_api_bench/loopback.hpp"
#include "support/affinity.hpp"

namespace inflight::bench::api_bench {

using steady = std::chrono::steady_clock;

// A closed-loop client of 64 keep-alive connections on one epoll thread. `next` and `answer`
// build each connection's two requests; a reply is complete when `complete` says so (it returns
// the reply's length, 0 while incomplete) and `id_of` pulls the invocation id from the first.
struct client_protocol {
  std::string (*next)();
  std::string (*answer)(const std::string& id);
  std::size_t (*complete)(const std::string& in);
  std::string (*id_of)(const std::string& reply);
};

inline std::uint64_t run_client(std::uint16_t port, int cpu, std::size_t pollers, double seconds,
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

}  // namespace inflight::bench::api_bench
