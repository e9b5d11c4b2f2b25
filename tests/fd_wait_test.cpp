// fd_wait.hpp: readiness waits on a plain thread and on dispatcher fibers, timeouts, bad
// descriptors, a busy worker that must not starve a waiting fiber, and timers that keep working
// while fibers wait for descriptors.
#include "inflight/fd_wait.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "inflight/dispatcher.hpp"
#include "inflight/io_wait.hpp"
#include "support/faults.hpp"

namespace {

using namespace std::chrono_literals;
using inflight::fd_status;

struct pipe_pair {
  int r = -1, w = -1;
  pipe_pair() {
    int fds[2];
    EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    r = fds[0];
    w = fds[1];
  }
  ~pipe_pair() {
    ::close(r);
    ::close(w);
  }
  void poke() const { EXPECT_EQ(::write(w, "x", 1), 1); }
};

TEST(FdWait, OnAPlainThreadItBlocksUntilReadyOrTimeout) {
  pipe_pair p;
  EXPECT_EQ(inflight::wait_readable(p.r, 1ms), fd_status::timed_out);
  EXPECT_EQ(inflight::wait_writable(p.w, 1s), fd_status::ready);
  p.poke();
  EXPECT_EQ(inflight::wait_readable(p.r, 0ms), fd_status::ready);
}

TEST(FdWait, BadDescriptorsAreRefused) {
  EXPECT_THROW(inflight::wait_readable(-1, 1ms), std::invalid_argument);
  pipe_pair p;
  EXPECT_THROW(inflight::wait_readable(p.r, -1ms), std::invalid_argument);
  const int closed = ::dup(p.r);
  ::close(closed);
  EXPECT_THROW(inflight::wait_readable(closed, 1ms), std::system_error) << "plain thread";
  inflight::dispatcher_options o;
  o.vcpus = 1;
  inflight::dispatcher d(o);
  std::atomic<int> refused{0};
  FILE* f = std::tmpfile();
  const int regular = ::fileno(f);
  d.submit([&] {
    try {
      inflight::wait_readable(closed, 1ms);
    } catch (const std::system_error&) {
      ++refused;
    }
    try {
      inflight::wait_readable(regular, 1ms);  // epoll refuses regular files (EPERM)
    } catch (const std::system_error&) {
      ++refused;
    }
  });
  d.drain();
  std::fclose(f);
  EXPECT_EQ(refused, 2);
}

TEST(FdWait, FibersWaitWithoutBlockingTheirWorkerAndEachWakesOnItsOwnDescriptor) {
  constexpr int n = 64;
  std::vector<pipe_pair> pipes(n);
  inflight::dispatcher_options o;
  o.vcpus = 1;  // one worker: 64 fibers waiting at once must not block it
  inflight::dispatcher d(o);
  std::atomic<int> ready{0}, timed_out{0}, waiting{0};
  for (int i = 0; i < n; ++i) {
    d.submit([&, i] {
      ++waiting;
      const auto s = inflight::wait_readable(pipes[static_cast<std::size_t>(i)].r, 60s);
      (s == fd_status::ready ? ready : timed_out)++;
    });
  }
  inflight::test::finishes_within(60s, "64 fibers waiting for their pipes", [&] {
    while (waiting < n) std::this_thread::sleep_for(1ms);
    for (auto& p : pipes) p.poke();
    d.drain();
  });
  EXPECT_EQ(ready, n);
  EXPECT_EQ(timed_out, 0);
}

TEST(FdWait, AFiberTimesOutWhileOthersWaitAndTimersStillFire) {
  pipe_pair quiet, later;
  inflight::dispatcher_options o;
  o.vcpus = 1;
  inflight::dispatcher d(o);
  std::atomic<int> timed_out{0}, ready{0};
  std::atomic<bool> slept_long_enough{false};
  d.submit([&] {
    if (inflight::wait_readable(quiet.r, 5ms) == fd_status::timed_out) ++timed_out;
  });
  d.submit([&] {
    if (inflight::wait_readable(later.r, 60s) == fd_status::ready) ++ready;
  });
  d.submit([&] {
    // A timer while a descriptor wait holds the idle path in epoll: never early.
    const auto t0 = std::chrono::steady_clock::now();
    inflight::io_wait(3ms);
    slept_long_enough = std::chrono::steady_clock::now() - t0 >= 3ms;
    later.poke();
  });
  inflight::test::finishes_within(60s, "timeouts and timers beside descriptor waits",
                                  [&] { d.drain(); });
  EXPECT_EQ(timed_out, 1);
  EXPECT_EQ(ready, 1);
  EXPECT_TRUE(slept_long_enough);
}

TEST(FdWait, OneDescriptorWaitedForAgainAndAgainAfterTimeoutsAndWakeUps) {
  pipe_pair p;
  inflight::dispatcher_options o;
  o.vcpus = 1;
  inflight::dispatcher d(o);
  std::vector<fd_status> seen;
  d.submit([&] {
    char c;
    seen.push_back(inflight::wait_readable(p.r, 1ms));  // times out: leaves the set
    p.poke();
    seen.push_back(inflight::wait_readable(p.r, 60s));  // added again, fires
    EXPECT_EQ(::read(p.r, &c, 1), 1);
    p.poke();
    seen.push_back(inflight::wait_readable(p.r, 60s));  // re-armed, fires
    EXPECT_EQ(::read(p.r, &c, 1), 1);
    seen.push_back(inflight::wait_readable(p.r, 1ms));  // re-armed, times out
  });
  inflight::test::finishes_within(60s, "repeated waits on one pipe", [&] { d.drain(); });
  EXPECT_EQ(seen, (std::vector<fd_status>{fd_status::timed_out, fd_status::ready, fd_status::ready,
                                          fd_status::timed_out}));
}

TEST(FdWait, ABusyWorkerDoesNotStarveAWaitingFiber) {
  pipe_pair p;
  inflight::dispatcher_options o;
  o.vcpus = 1;
  inflight::dispatcher d(o);
  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> spins{0};
  // Slot 0 never suspends (it gives way between calls, as every slot does); slot 1 waits for the
  // pipe, which is written only once the spinner has run, and then stops the spinner.
  d.run_slots(2, [&](std::size_t slot) {
    if (slot == 0) {
      if (!done) ++spins;
      return;
    }
    if (done) return inflight::io_wait(1ms);
    if (inflight::wait_readable(p.r, 60s) == fd_status::ready) done = true;
  });
  inflight::test::finishes_within(60s, "a waiting fiber beside a spinning one", [&] {
    while (spins < 1000) std::this_thread::sleep_for(1ms);
    p.poke();
    while (!done) std::this_thread::sleep_for(1ms);
    d.stop_slots();
  });
  EXPECT_TRUE(done);
}

TEST(FdWait, ASecondWaiterOnOneDescriptorIsRefusedNotTakenOver) {
  pipe_pair p;
  inflight::dispatcher_options o;
  o.vcpus = 1;  // both fibers on one worker, so both would share its epoll registration
  inflight::dispatcher d(o);
  std::atomic<int> first{-1}, second_refused{0}, waiting{0};
  d.submit([&] {
    ++waiting;
    first = inflight::wait_readable(p.r, 60s) == fd_status::ready ? 1 : 0;
  });
  d.submit([&] {
    while (waiting == 0) inflight::io_wait(1ms);
    try {
      inflight::wait_readable(p.r, 60s);
    } catch (const std::logic_error& e) {
      if (std::string(e.what()).find("waited for by another fiber") != std::string::npos) {
        ++second_refused;
      }
    }
    p.poke();  // the first waiter must still be the one the descriptor wakes
  });
  inflight::test::finishes_within(60s, "the first waiter woken by its descriptor",
                                  [&] { d.drain(); });
  EXPECT_EQ(second_refused, 1);
  EXPECT_EQ(first, 1);
}

}  // namespace
