// inflight_fd_wait_bench: real IO on the fibers against simulated IO, side by side in one run.
// A loopback echo server (its own thread, on a CPU outside the dispatcher's where there is one)
// answers every 16-byte message 2 ms after it arrives. The same closed loop of 64 slots per vCPU
// runs twice, alternating: each call io_wait(2ms); and each call sends a message on its slot's
// keep-alive connection, waits for the reply with wait_readable, and reads it. Prints both
// throughputs and their ratio.
//
// Then P1, io_wait's overshoot over the OS floor for 2 ms and 2 s waits, with the worker's idle
// path in its futex (no descriptor waited for) and in epoll_wait (a fiber waiting on a pipe).
//
//   inflight_fd_wait_bench [--seconds=S] [--rounds=N] [--version]   (defaults 3 s, 3 rounds)
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>
#include <thread>
#include <vector>

#include "inflight/inflight.hpp"
#include "support/affinity.hpp"
#include "support/build_info.hpp"

namespace {

using steady = std::chrono::steady_clock;
constexpr std::size_t message = 16;

// The echo server: replies to each message 2 ms after it arrived, in arrival order.
class delayed_echo {
 public:
  explicit delayed_echo(int cpu) {
    listen_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listen_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listen_, 4096) != 0) {
      std::perror("echo: listen");
      std::exit(1);
    }
    socklen_t len = sizeof a;
    ::getsockname(listen_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this, cpu] { run(cpu); });
  }
  ~delayed_echo() {
    stop_ = true;
    thread_.join();
    ::close(listen_);
  }
  std::uint16_t port() const { return port_; }

 private:
  void run(int cpu) {
    if (cpu >= 0) inflight::bench::pin_current_thread({cpu});
    inflight::set_timer_slack(std::chrono::nanoseconds(1));
    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    const int timer = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = listen_;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, listen_, &ev);
    ev.data.fd = timer;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, timer, &ev);
    struct due {
      steady::time_point at;
      int fd;
    };
    std::deque<due> replies;  // in arrival order, so in due order
    bool armed = false;
    std::vector<epoll_event> events(256);
    char buf[4096];
    while (!stop_) {
      const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 50);
      const auto now = steady::now();
      for (int i = 0; i < n; ++i) {
        const int fd = events[static_cast<std::size_t>(i)].data.fd;
        if (fd == listen_) {
          for (int c;
               (c = ::accept4(listen_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0;) {
            const int one = 1;
            ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            epoll_event cev{};
            cev.events = EPOLLIN;
            cev.data.fd = c;
            ::epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
          }
        } else if (fd == timer) {
          std::uint64_t v;
          [[maybe_unused]] const auto r = ::read(timer, &v, sizeof v);
          armed = false;
        } else {
          const ssize_t got = ::read(fd, buf, sizeof buf);
          if (got <= 0) {
            ::close(fd);
            continue;
          }
          for (ssize_t k = 0; k + static_cast<ssize_t>(message) <= got;
               k += static_cast<ssize_t>(message)) {
            replies.push_back({now + std::chrono::milliseconds(2), fd});
          }
        }
      }
      const auto t = steady::now();
      while (!replies.empty() && replies.front().at <= t) {
        [[maybe_unused]] const auto w =
            ::send(replies.front().fd, buf, message, MSG_NOSIGNAL | MSG_DONTWAIT);
        replies.pop_front();
      }
      if (!replies.empty() && !armed) {
        itimerspec spec{};
        const auto ns = replies.front().at.time_since_epoch().count();
        spec.it_value.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
        spec.it_value.tv_nsec = static_cast<long>(ns % 1'000'000'000);
        ::timerfd_settime(timer, TFD_TIMER_ABSTIME, &spec, nullptr);
        armed = true;
      }
    }
    ::close(timer);
    ::close(ep);
  }

  int listen_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

int connect_to(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    std::perror("connect");
    std::exit(1);
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

// One closed loop of `slots` fibers for `seconds`; calls per second.
template <class Call>
double closed_loop(std::size_t vcpus, std::size_t slots, double seconds, Call call) {
  inflight::dispatcher_options o;
  o.vcpus = vcpus;
  o.pin = true;
  inflight::dispatcher d(o);
  std::atomic<std::uint64_t> calls{0};
  std::atomic<bool> counting{false};
  d.run_slots(slots, [&](std::size_t slot) {
    if (call(slot) && counting.load(std::memory_order_relaxed)) {
      calls.fetch_add(1, std::memory_order_relaxed);
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // warm-up
  counting = true;
  const auto t0 = steady::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  counting = false;
  const double wall = std::chrono::duration<double>(steady::now() - t0).count();
  d.stop_slots();
  return static_cast<double>(calls.load()) / wall;
}

// P1: io_wait's overshoot on a one-worker dispatcher, one waiter (median of `samples` waits of
// `wait`) over the OS floor measured in alternating blocks; with `fd_waiting` another fiber waits
// on a pipe the whole time, so the worker's idle path is epoll_wait with a timerfd deadline.
struct p1_result {
  double overshoot_us = 0, floor_us = 0;
};
p1_result p1(std::chrono::nanoseconds wait, int samples, bool fd_waiting) {
  inflight::dispatcher_options o;
  o.vcpus = 1;
  o.pin = true;
  inflight::dispatcher d(o);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) std::exit(1);
  if (fd_waiting) {
    d.submit([&] { inflight::wait_readable(fds[0], std::chrono::hours(1)); });
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::vector<double> late, floor;
  for (int i = 0; i < samples; ++i) {
    std::atomic<bool> done{false};
    d.submit([&] {
      const auto deadline = steady::now() + wait;
      inflight::io_wait_until(deadline);
      late.push_back(std::chrono::duration<double, std::micro>(steady::now() - deadline).count());
      done = true;
    });
    while (!done) std::this_thread::sleep_for(std::chrono::microseconds(200));
    floor.push_back(
        std::chrono::duration<double, std::micro>(inflight::measure_timer_floor(wait, 1).p50)
            .count());
  }
  [[maybe_unused]] const auto w = ::write(fds[1], "x", 1);
  d.drain();
  ::close(fds[0]);
  ::close(fds[1]);
  std::sort(late.begin(), late.end());
  std::sort(floor.begin(), floor.end());
  return {late[late.size() / 2], floor[floor.size() / 2]};
}

}  // namespace

int main(int argc, char** argv) {
  if (const auto stop = inflight::bench::program_start(argc, argv, "inflight_fd_wait_bench")) {
    return *stop;
  }
  double seconds = 3;
  int rounds = 3;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    char* end = nullptr;
    if (a.rfind("--seconds=", 0) == 0) {
      seconds = std::strtod(a.c_str() + 10, &end);
      if (*end != '\0' || !(seconds >= 0.1 && seconds <= 600)) {
        std::fprintf(stderr, "inflight_fd_wait_bench: --seconds=%s: valid range is 0.1..600\n",
                     a.c_str() + 10);
        return 2;
      }
    } else if (a.rfind("--rounds=", 0) == 0) {
      const long r = std::strtol(a.c_str() + 9, &end, 10);
      if (*end != '\0' || r < 1 || r > 100) {
        std::fprintf(stderr, "inflight_fd_wait_bench: --rounds=%s: valid range is 1..100\n",
                     a.c_str() + 9);
        return 2;
      }
      rounds = static_cast<int>(r);
    } else {
      std::fprintf(stderr,
                   "inflight_fd_wait_bench: unknown argument '%s'; valid: --seconds=S --rounds=N\n",
                   a.c_str());
      return 2;
    }
  }
  const auto cpus = inflight::detect_vcpus().cpus;
  // The dispatcher on all CPUs but the last, the echo server on the last (on one CPU: shared).
  const std::size_t vcpus = cpus.size() > 1 ? cpus.size() - 1 : 1;
  const int echo_cpu = cpus.size() > 1 ? cpus.back() : -1;
  const std::size_t slots = 64 * vcpus;
  std::printf(
      "inflight_fd_wait_bench: %zu vCPU(s), %zu slots, echo server on %s, %.1f s x %d "
      "rounds\n",
      vcpus, slots, echo_cpu >= 0 ? ("CPU " + std::to_string(echo_cpu)).c_str() : "the same CPU",
      seconds, rounds);
  delayed_echo echo(echo_cpu);
  std::vector<int> conns;
  for (std::size_t i = 0; i < slots; ++i) conns.push_back(connect_to(echo.port()));
  std::vector<double> sim, real;
  std::atomic<std::uint64_t> errors{0};
  for (int r = 0; r < rounds; ++r) {
    sim.push_back(closed_loop(vcpus, slots, seconds, [](std::size_t) {
      inflight::io_wait(std::chrono::milliseconds(2));
      return true;
    }));
    real.push_back(closed_loop(vcpus, slots, seconds, [&](std::size_t slot) {
      const int fd = conns[slot];
      char buf[message] = {};
      if (::send(fd, buf, message, MSG_NOSIGNAL) != static_cast<ssize_t>(message)) {
        ++errors;
        return false;
      }
      std::size_t got = 0;
      while (got < message) {
        if (inflight::wait_readable(fd, std::chrono::seconds(5)) != inflight::fd_status::ready) {
          ++errors;
          return false;
        }
        const ssize_t n = ::read(fd, buf + got, message - got);
        if (n <= 0) {
          if (n < 0 && errno == EAGAIN) continue;
          ++errors;
          return false;
        }
        got += static_cast<std::size_t>(n);
      }
      return true;
    }));
    std::printf(
        "  round %d: io_wait(2ms) %.0f calls/s, echo over loopback %.0f calls/s, ratio %.3f\n",
        r + 1, sim.back(), real.back(), real.back() / sim.back());
  }
  std::sort(sim.begin(), sim.end());
  std::sort(real.begin(), real.end());
  std::printf("median: io_wait(2ms) %.0f calls/s, real IO %.0f calls/s, ratio %.3f; %llu errors\n",
              sim[sim.size() / 2], real[real.size() / 2],
              real[real.size() / 2] / sim[sim.size() / 2],
              static_cast<unsigned long long>(errors.load()));
  for (int fd : conns) ::close(fd);
  std::printf(
      "\nP1, io_wait overshoot / OS floor (medians, 1 waiter on 1 worker, blocks "
      "alternating with the floor):\n");
  for (auto [wait, samples] :
       {std::pair{std::chrono::nanoseconds(std::chrono::milliseconds(2)), 200},
        std::pair{std::chrono::nanoseconds(std::chrono::seconds(2)), 3}}) {
    for (bool fd_waiting : {false, true}) {
      const auto r = p1(wait, samples, fd_waiting);
      std::printf("  %4s waits x%3d, %-34s overshoot %7.1f us, floor %7.1f us, P1 %.2f\n",
                  wait >= std::chrono::seconds(1) ? "2 s" : "2 ms", samples,
                  fd_waiting ? "a fiber waiting on a descriptor:" : "no descriptor waits:",
                  r.overshoot_us, r.floor_us, r.overshoot_us / r.floor_us);
    }
  }
  return errors.load() == 0 ? 0 : 1;
}
