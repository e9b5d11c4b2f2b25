#include "inflight/io_wait.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>  // getrusage

#include <atomic>
#include <chrono>
#include <cmath>
#include <memory>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include "inflight/dispatcher.hpp"

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

std::chrono::nanoseconds process_cpu() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return std::chrono::seconds(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         std::chrono::microseconds(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

TEST(IoWait, NeverReturnsEarlyOnAPlainThread) {
  std::mt19937_64 rng(1);
  std::uniform_int_distribution<int> us(1, 3000);
  for (int i = 0; i < 50; ++i) {
    const auto d = std::chrono::microseconds(us(rng));
    const auto start = clock_type::now();
    inflight::io_wait(d);
    ASSERT_GE(clock_type::now() - start, d) << "waited " << d.count() << " us";
  }
}

TEST(IoWait, NeverReturnsEarlyInDispatcherFibers) {
  inflight::dispatcher_options o;
  o.vcpus = 2;
  inflight::dispatcher d(o);
  std::atomic<int> early{0};
  for (int i = 0; i < 400; ++i) {
    d.submit([&, i] {
      const auto want = std::chrono::microseconds(50 + (i * 37) % 3000);
      const auto start = clock_type::now();
      inflight::io_wait(want);
      if (clock_type::now() - start < want) early.fetch_add(1);
    });
  }
  d.drain();
  EXPECT_EQ(early.load(), 0);
  EXPECT_EQ(d.completed(), 400u);
}

TEST(IoWait, ManyWaitingFibersBurnAlmostNoCpu) {
  inflight::dispatcher_options o;
  o.vcpus = 1;
  inflight::dispatcher d(o);
  const auto cpu0 = process_cpu();
  const auto wall0 = clock_type::now();
  for (int i = 0; i < 256; ++i) {
    d.submit([] {
      for (int k = 0; k < 4; ++k) inflight::io_wait(50ms);
    });
  }
  d.drain();
  const auto wall = clock_type::now() - wall0;
  const auto cpu = process_cpu() - cpu0;
  EXPECT_GE(wall, 200ms);
  // A worker that spun while its fibers wait would use a whole CPU; one that sleeps uses the few
  // percent that starting 256 fibers costs (about 12% under ASan). The bound separates the two
  // on any machine; how little it really is belongs to a benchmark.
  const double share = std::chrono::duration<double>(cpu) / std::chrono::duration<double>(wall);
  EXPECT_LT(share, 0.50) << "256 waiting fibers used " << share * 100 << "% of one CPU";
}

TEST(IoWait, RejectsANegativeDuration) {
  try {
    inflight::io_wait(-1ns);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "io_wait duration is -1 ns; valid range is 0 ns or more");
  }
}

TEST(TimerSlack, SetsAndReadsTheThreadsSlack) {
  std::thread t([] {
    inflight::set_timer_slack(1ns);
    EXPECT_EQ(inflight::timer_slack(), 1ns);
    inflight::set_timer_slack(50us);
    EXPECT_EQ(inflight::timer_slack(), 50us);
    EXPECT_THROW(inflight::set_timer_slack(0ns), std::invalid_argument);
  });
  t.join();
}

TEST(TimerFloor, ReportsOrderedStatisticsAndLeavesTheCallerAlone) {
  const auto before = inflight::timer_slack();
  const auto floor = inflight::measure_timer_floor(200us, 50);
  EXPECT_EQ(floor.samples, 50u);
  EXPECT_GE(floor.p50.count(), 0);
  EXPECT_LE(floor.p50, floor.p99);
  EXPECT_LE(floor.p99, floor.max);
  EXPECT_LE(floor.mean, floor.max);
  EXPECT_EQ(inflight::timer_slack(), before);
  EXPECT_THROW(inflight::measure_timer_floor(1ms, 0), std::invalid_argument);
  EXPECT_THROW(inflight::measure_timer_floor(0ms, 10), std::invalid_argument);
}

// "Wait forever" idioms saturate instead of overflowing <chrono> (UBSan caught the overflow).
TEST(IoWaitLimits, LongDurationsSaturate) {
  const auto now = clock_type::now();
  EXPECT_EQ(inflight::detail::deadline_after(now, std::chrono::nanoseconds::max()),
            clock_type::time_point::max());
  EXPECT_EQ(inflight::detail::saturating_ns(std::chrono::hours(1ll << 40), "d"),
            std::chrono::nanoseconds::max());
  EXPECT_EQ(inflight::detail::saturating_ns(std::chrono::hours::max(), "d"),
            std::chrono::nanoseconds::max());
  EXPECT_EQ(inflight::detail::saturating_ns(std::chrono::hours::min(), "d"),
            std::chrono::nanoseconds::min());
  EXPECT_EQ(inflight::detail::saturating_ns(std::chrono::milliseconds(2), "d"), 2ms);
  EXPECT_EQ(inflight::detail::saturating_ns(std::chrono::duration<double>(1.5e-3), "d"), 1500us);
  EXPECT_EQ(inflight::detail::saturating_add(std::chrono::nanoseconds(5),
                                             std::chrono::nanoseconds::max()),
            std::chrono::nanoseconds::max());
}

TEST(IoWaitLimits, ForeverOnAThreadDoesNotReturnEarly) {
  for (auto wait : {+[] { inflight::io_wait(std::chrono::nanoseconds::max()); },
                    +[] { inflight::io_wait(std::chrono::hours(1ll << 40)); },
                    +[] { inflight::io_wait(std::chrono::hours::max()); }}) {
    auto returned = std::make_shared<std::atomic<bool>>(false);
    std::thread([wait, returned] {
      wait();
      returned->store(true);
    }).detach();  // it waits until the process ends
    std::this_thread::sleep_for(20ms);
    EXPECT_FALSE(returned->load()) << "a forever wait returned: its deadline overflowed";
  }
}

TEST(IoWaitLimits, NegativeAndNanDurationsThrow) {
  EXPECT_THROW(inflight::io_wait(std::chrono::hours::min()), std::invalid_argument);
  EXPECT_THROW(inflight::io_wait(std::chrono::duration<double>(std::nan(""))),
               std::invalid_argument);
}

}  // namespace
