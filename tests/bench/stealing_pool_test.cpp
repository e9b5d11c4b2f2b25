// The work-stealing pool of the dotnet and rust models: fibers spread to idle threads, and a pool
// that cannot start all its threads ends the ones it started and throws.
#include "models/stealing_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <system_error>

#include "support/emulation.hpp"
#include "support/faults.hpp"

namespace {

using namespace std::chrono_literals;

// Two fibers take turns (yielding) until both have started, then spin without yielding until both
// get past that point: the second can only get there if the idle thread steals it from the busy
// one. A thread going idle just as the fiber was queued must still take it (the missed-steal
// window: it announced itself after the busy thread had looked, and slept with work queued).
TEST(StealingPool, AnIdleThreadStealsWorkQueuedAsItWentToSleep) {
  for (int round = 0; round < 200; ++round) {
    inflight::test::finishes_within(20s, "two spinning fibers meeting on two threads", [] {
      std::atomic<int> started{0}, met{0}, done{0};
      {
        inflight::bench::stealing_pool pool(2, {});
        for (int i = 0; i < 2; ++i) {
          pool.spawn([&] {
            started.fetch_add(1);
            while (started.load() < 2) boost::this_fiber::yield();
            met.fetch_add(1);
            while (met.load() < 2) {
            }
            done.fetch_add(1);
          });
        }
        while (done.load() < 2) std::this_thread::sleep_for(100us);
      }
      EXPECT_EQ(done.load(), 2);
    });
  }
}

TEST(StealingPool, AThreadThatCannotStartIsAnErrorNotATerminate) {
  if (!inflight::test::address_space_limits_apply())
    GTEST_SKIP() << "RLIMIT_AS is not enforced here (qemu-user ignores it)";
  // No room for one more 8 MiB thread stack.
  inflight::test::address_space_limit limit(std::size_t{2} << 20);
  EXPECT_THROW(inflight::bench::stealing_pool(4, {}), std::system_error);
}

}  // namespace
