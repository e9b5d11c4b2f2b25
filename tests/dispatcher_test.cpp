#include "inflight/dispatcher.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "inflight/io_wait.hpp"
#include "inflight/slot_limiter.hpp"

namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

// Each scenario runs with several worker counts (vCPUs at one worker each).
class Dispatcher : public ::testing::TestWithParam<std::size_t> {
 protected:
  inflight::dispatcher_options options() const {
    inflight::dispatcher_options o;
    o.vcpus = GetParam();
    return o;
  }
};

TEST_P(Dispatcher, CountsEveryInvocationEvenWhenOnePercentThrow) {
  inflight::dispatcher d(options());
  ASSERT_EQ(d.workers(), GetParam());
  constexpr int n = 100'000;
  std::atomic<int> ran{0};
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(d.submit([i, &ran] {
      ran.fetch_add(1, std::memory_order_relaxed);
      if (i % 100 == 0) throw std::runtime_error("handler failure");
    }));
  }
  d.drain();
  EXPECT_EQ(d.submitted(), static_cast<std::uint64_t>(n));
  EXPECT_EQ(d.completed() + d.failed(), d.submitted());
  EXPECT_EQ(d.failed(), static_cast<std::uint64_t>(n / 100));
  EXPECT_EQ(ran.load(), n);
}

TEST_P(Dispatcher, StopWithInvocationsWaitingInIoLosesNone) {
  std::atomic<int> finished{0};
  inflight::dispatcher d(options());
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(d.submit([&] {
      inflight::io_wait(50ms);
      finished.fetch_add(1);
    }));
  }
  d.stop();
  EXPECT_EQ(finished.load(), 1000);
  EXPECT_EQ(d.completed(), 1000u);
  EXPECT_FALSE(d.submit([] {})) << "submit after stop must be refused";
  d.stop();  // idempotent
}

TEST_P(Dispatcher, SlotCountsAddUpAndSlotsStayOnTheirWorker) {
  inflight::dispatcher d(options());
  constexpr std::size_t slots = 37;
  std::vector<std::atomic<std::uint64_t>> calls(slots);
  std::vector<std::atomic<std::thread::id>> thread_of(slots);
  std::atomic<bool> moved{false};
  d.run_slots(slots, [&](std::size_t slot) {
    const auto me = std::this_thread::get_id();
    auto before = thread_of[slot].exchange(me);
    if (before != std::thread::id() && before != me) moved.store(true);
    const auto n = calls[slot].fetch_add(1) + 1;
    inflight::io_wait(100us);
    if (n % 10 == 0) throw std::runtime_error("every tenth call fails");
  });
  std::this_thread::sleep_for(100ms);
  d.stop_slots();
  EXPECT_EQ(d.slots_running(), 0u);
  std::uint64_t total = 0, throws = 0;
  for (auto& c : calls) {
    EXPECT_GE(c.load(), 1u);
    total += c.load();
    throws += c.load() / 10;
  }
  EXPECT_EQ(d.completed() + d.failed(), total);
  EXPECT_EQ(d.failed(), throws);
  EXPECT_FALSE(moved.load()) << "a slot fiber migrated between workers";
  // Slot i lives on worker i mod workers().
  std::map<std::size_t, std::set<std::thread::id>> by_worker;
  for (std::size_t i = 0; i < slots; ++i) by_worker[i % d.workers()].insert(thread_of[i].load());
  std::set<std::thread::id> all;
  for (auto& [w, ids] : by_worker) {
    EXPECT_EQ(ids.size(), 1u) << "worker " << w;
    all.insert(ids.begin(), ids.end());
  }
  EXPECT_EQ(all.size(), d.workers());
  // Stopped slots stay stopped, and slots can run again.
  const auto after = d.completed() + d.failed();
  std::this_thread::sleep_for(10ms);
  EXPECT_EQ(d.completed() + d.failed(), after);
  std::atomic<int> second{0};
  d.run_slots(3, [&](std::size_t) {
    second.fetch_add(1);
    inflight::io_wait(100us);
  });
  std::this_thread::sleep_for(10ms);
  d.stop_slots();
  EXPECT_GT(second.load(), 0);
}

TEST_P(Dispatcher, SlotsShareALimiterAcrossWorkers) {
  inflight::dispatcher d(options());
  inflight::slot_limiter limiter(8);
  std::atomic<int> inside{0}, most{0};
  d.run_slots(64, [&](std::size_t) {
    auto slot = limiter.acquire();
    const int now = inside.fetch_add(1) + 1;
    int seen = most.load();
    while (now > seen && !most.compare_exchange_weak(seen, now)) {
    }
    inflight::io_wait(200us);
    inside.fetch_sub(1);
  });
  std::this_thread::sleep_for(100ms);
  d.stop_slots();
  EXPECT_LE(most.load(), 8);
  EXPECT_EQ(limiter.in_use(), 0u);
  EXPECT_EQ(limiter.acquired(), d.completed());
}

TEST_P(Dispatcher, EightWorkersPerVcpu) {
  auto o = options();
  o.workers_per_vcpu = 8;
  inflight::dispatcher d(o);
  EXPECT_EQ(d.workers(), 8 * GetParam());
  EXPECT_EQ(d.vcpus(), GetParam());
  std::mutex m;
  std::set<std::thread::id> threads;
  d.run_slots(d.workers(), [&](std::size_t) {
    {
      std::lock_guard<std::mutex> lock(m);
      threads.insert(std::this_thread::get_id());
    }
    inflight::io_wait(1ms);
  });
  std::this_thread::sleep_for(50ms);
  d.stop_slots();
  EXPECT_EQ(threads.size(), d.workers());
}

INSTANTIATE_TEST_SUITE_P(Workers, Dispatcher, ::testing::Values(1, 2, 4));

TEST(DispatcherOptions, RejectsBadValuesWithTheirRange) {
  inflight::dispatcher_options o;
  o.workers_per_vcpu = 0;
  try {
    inflight::dispatcher d(o);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "dispatcher_options.workers_per_vcpu is 0; valid range is 1..64");
  }
  o = {};
  o.stack_size = 1024;
  EXPECT_THROW(inflight::dispatcher{o}, std::invalid_argument);
  o = {};
  o.pin = true;
  o.vcpus = inflight::detect_vcpus().cpus.size() + 1;
  try {
    inflight::dispatcher d(o);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("dispatcher_options.vcpus is"));
    EXPECT_THAT(e.what(), HasSubstr("valid range is 0.."));
  }
}

TEST(DispatcherOptions, PinsWorkersToTheAffinityMask) {
  inflight::dispatcher_options o;
  o.vcpus = 1;
  o.pin = true;
  o.workers_per_vcpu = 2;
  inflight::dispatcher d(o);
  const int first = inflight::detect_vcpus().cpus.front();
  EXPECT_EQ(d.pinned_cpus(), (std::vector<int>{first, first}));
  std::atomic<int> cpu{-1};
  d.submit([&] { cpu.store(sched_getcpu()); });
  d.drain();
  EXPECT_EQ(cpu.load(), first);
}

TEST(DispatcherOptions, RunSlotsTwiceIsALogicError) {
  inflight::dispatcher_options o;
  o.vcpus = 1;
  inflight::dispatcher d(o);
  d.run_slots(1, [](std::size_t) { inflight::io_wait(100us); });
  EXPECT_THROW(d.run_slots(1, [](std::size_t) {}), std::logic_error);
  d.stop();
  EXPECT_THROW(d.run_slots(1, [](std::size_t) {}), std::logic_error);
}

}  // namespace
