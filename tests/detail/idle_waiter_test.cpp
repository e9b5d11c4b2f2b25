// The one place a worker sleeps: a notify before the sleep is not lost, a deadline ends the
// sleep, and a notify from another thread wakes a sleep without a deadline.
#include "inflight/detail/idle_waiter.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

TEST(IdleWaiter, ANotifyBeforeTheSleepIsNotLost) {
  inflight::detail::idle_waiter w;
  w.notify();
  EXPECT_TRUE(w.notify_pending());
  w.sleep_until(steady::time_point::max());  // returns at once: the notify came first
  EXPECT_FALSE(w.notify_pending());
}

TEST(IdleWaiter, ADeadlineEndsTheSleepNeverEarly) {
  inflight::detail::idle_waiter w;
  const auto deadline = steady::now() + 5ms;
  do {
    w.sleep_until(deadline);  // spurious returns are allowed; the caller loops
  } while (steady::now() < deadline);
  EXPECT_GE(steady::now(), deadline);
}

TEST(IdleWaiter, ANotifyFromAnotherThreadWakesASleepWithoutDeadline) {
  inflight::detail::idle_waiter w;
  std::atomic<bool> woke{false};
  std::thread sleeper([&] {
    w.sleep_until(steady::time_point::max());
    woke = true;
  });
  while (!woke.load()) {
    w.notify();
    std::this_thread::sleep_for(1ms);
  }
  sleeper.join();
  EXPECT_TRUE(woke.load());
}

}  // namespace
