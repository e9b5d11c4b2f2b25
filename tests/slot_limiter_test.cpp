#include "inflight/slot_limiter.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <boost/fiber/fiber.hpp>
#include <boost/fiber/operations.hpp>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;

TEST(SlotLimiter, RejectsWhenFullAndCountsExactly) {
  inflight::slot_limiter limiter(2);
  auto a = limiter.try_acquire();
  auto b = limiter.try_acquire();
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_EQ(limiter.in_use(), 2u);
  auto c = limiter.try_acquire();
  EXPECT_FALSE(c);
  EXPECT_EQ(limiter.rejected(), 1u);
  a.reset();
  EXPECT_EQ(limiter.in_use(), 1u);
  auto d = limiter.try_acquire();
  EXPECT_TRUE(d);
  EXPECT_FALSE(limiter.try_acquire());
  EXPECT_FALSE(limiter.try_acquire());
  EXPECT_EQ(limiter.rejected(), 3u);
  EXPECT_EQ(limiter.acquired(), 3u);
  EXPECT_EQ(limiter.peak(), 2u);
  EXPECT_EQ(limiter.capacity(), 2u);
}

TEST(SlotLimiter, SlotsReleaseOnDestructionAndMove) {
  inflight::slot_limiter limiter(1);
  {
    auto s = limiter.try_acquire();
    ASSERT_TRUE(s);
    inflight::slot_limiter::slot moved(std::move(s));
    EXPECT_FALSE(s);  // NOLINT(bugprone-use-after-move): a moved-from slot is empty by contract
    EXPECT_TRUE(moved);
    EXPECT_EQ(limiter.in_use(), 1u);
    inflight::slot_limiter::slot assigned;
    assigned = std::move(moved);
    EXPECT_EQ(limiter.in_use(), 1u);
  }
  EXPECT_EQ(limiter.in_use(), 0u);
  EXPECT_EQ(limiter.acquired(), 1u);
}

TEST(SlotLimiter, RefusesCapacityZero) {
  try {
    inflight::slot_limiter limiter(0);
    FAIL() << "capacity 0 was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "slot_limiter capacity is 0; valid range is 1..4294967295");
  }
}

TEST(SlotLimiter, AcquireForTimesOut) {
  inflight::slot_limiter limiter(1);
  auto held = limiter.acquire();
  const auto start = std::chrono::steady_clock::now();
  auto late = limiter.acquire_for(20ms);
  EXPECT_FALSE(late);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 20ms);
  EXPECT_EQ(limiter.rejected(), 0u) << "a timeout is not a throttle";
  EXPECT_EQ(limiter.in_use(), 1u);
}

TEST(SlotLimiter, AcquireForGetsASlotFreedByAnotherThread) {
  inflight::slot_limiter limiter(1);
  auto held = limiter.acquire();
  std::thread releaser([&] {
    std::this_thread::sleep_for(5ms);
    held.reset();
  });
  auto got = limiter.acquire_for(10s);
  releaser.join();
  EXPECT_TRUE(got);
  EXPECT_EQ(limiter.acquired(), 2u);
}

// Plain threads on the lock-free path only (try_acquire never waits), so that ThreadSanitizer,
// which cannot follow fiber stack switches, can check it: the tsan preset runs this suite.
TEST(SlotLimiterThreads, TryAcquireFromPlainThreadsNeverExceedsCapacity) {
  constexpr std::size_t cap = 3;
  constexpr int threads = 4, tries = 20'000;
  inflight::slot_limiter limiter(cap);
  std::atomic<int> inside{0}, most{0};
  std::atomic<std::uint64_t> held{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = 0; i < tries; ++i) {
        if (auto slot = limiter.try_acquire()) {
          const int now = inside.fetch_add(1) + 1;
          int seen = most.load();
          while (now > seen && !most.compare_exchange_weak(seen, now)) {
          }
          inside.fetch_sub(1);
          held.fetch_add(1);
        }
      }
    });
  }
  for (auto& t : pool) t.join();
  EXPECT_LE(most.load(), static_cast<int>(cap));
  EXPECT_EQ(limiter.in_use(), 0u);
  EXPECT_EQ(limiter.acquired(), held.load());
  EXPECT_EQ(limiter.acquired() + limiter.rejected(), static_cast<std::uint64_t>(threads) * tries);
  EXPECT_LE(limiter.peak(), cap);
}

// Threads x fibers per thread, all hammering one limiter with blocking and non-blocking acquires.
class SlotLimiterContention : public ::testing::TestWithParam<int> {};

TEST_P(SlotLimiterContention, NeverExceedsCapacityAndConservesCounts) {
  constexpr std::size_t cap = 16;
  constexpr int fibers_per_thread = 64;
  constexpr int rounds = 50;
  const int threads = GetParam();
  inflight::slot_limiter limiter(cap);
  std::atomic<int> inside{0};
  std::atomic<int> most_inside{0};
  std::atomic<std::uint64_t> tries{0};
  std::atomic<std::uint64_t> held{0};
  auto enter = [&] {
    const int now = inside.fetch_add(1) + 1;
    int seen = most_inside.load();
    while (now > seen && !most_inside.compare_exchange_weak(seen, now)) {
    }
    boost::this_fiber::yield();  // let the other fibers of this thread pile up on the limiter
    inside.fetch_sub(1);
    held.fetch_add(1);
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      std::vector<boost::fibers::fiber> fibers;
      for (int f = 0; f < fibers_per_thread; ++f) {
        fibers.emplace_back([&, f] {
          for (int r = 0; r < rounds; ++r) {
            if ((f + r) % 2 == 0) {
              auto s = limiter.acquire();
              enter();
            } else {
              tries.fetch_add(1);
              if (auto s = limiter.try_acquire()) enter();
            }
          }
        });
      }
      for (auto& f : fibers) f.join();
    });
  }
  for (auto& t : pool) t.join();
  EXPECT_LE(most_inside.load(), static_cast<int>(cap));
  EXPECT_LE(limiter.peak(), cap);
  EXPECT_EQ(limiter.in_use(), 0u);
  EXPECT_EQ(limiter.acquired(), held.load());
  const std::uint64_t blocking =
      static_cast<std::uint64_t>(threads) * fibers_per_thread * rounds / 2;
  EXPECT_EQ(limiter.acquired() + limiter.rejected(), blocking + tries.load());
}

INSTANTIATE_TEST_SUITE_P(Threads, SlotLimiterContention, ::testing::Values(1, 2, 8));

// A clock whose now() throws on demand: a wait that throws must not leave a waiter counted.
struct throwing_clock {
  using rep = std::int64_t;
  using period = std::nano;
  using duration = std::chrono::nanoseconds;
  using time_point = std::chrono::time_point<throwing_clock>;
  static constexpr bool is_steady = false;
  static inline std::atomic<bool> armed{false};
  static time_point now() {
    if (armed.load()) throw std::runtime_error("clock failed");
    return time_point(std::chrono::steady_clock::now().time_since_epoch());
  }
};

TEST(SlotLimiterLimits, AWaitThatThrowsLeavesNoWaiterBehind) {
  inflight::slot_limiter limiter(1);
  auto held = limiter.acquire();
  throwing_clock::armed = true;
  EXPECT_THROW(limiter.acquire_until(throwing_clock::time_point(std::chrono::hours(1))),
               std::runtime_error);
  throwing_clock::armed = false;
  EXPECT_EQ(limiter.waiting(), 0u);
  EXPECT_EQ(limiter.in_use(), 1u);
}

TEST(SlotLimiterLimits, AcquireUntilAnyClockTimesOutAndSucceeds) {
  inflight::slot_limiter limiter(1);
  auto held = limiter.acquire();
  EXPECT_FALSE(limiter.acquire_until(std::chrono::system_clock::now() + 5ms));
  EXPECT_FALSE(limiter.acquire_until(std::chrono::system_clock::time_point::min()));
  EXPECT_EQ(limiter.rejected(), 0u) << "a timeout is not a throttle";
  held.reset();
  EXPECT_TRUE(limiter.acquire_until(std::chrono::system_clock::time_point::max()));
}

TEST(SlotLimiterLimits, AcquireForeverWaitsForTheSlotInsteadOfGivingUp) {
  inflight::slot_limiter limiter(1);
  auto held = limiter.acquire();
  std::atomic<int> got{-1};
  std::thread waiter([&] { got = limiter.acquire_for(std::chrono::hours::max()) ? 1 : 0; });
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(got.load(), -1) << "acquire_for(hours::max()) gave up early";
  held.reset();
  waiter.join();
  EXPECT_EQ(got.load(), 1);
  std::thread waiter2([&] { got = limiter.acquire_for(std::chrono::nanoseconds::max()) ? 1 : 0; });
  waiter2.join();
  EXPECT_EQ(got.load(), 1);
}

}  // namespace

namespace inflight::detail {
// Starts a limiter's acquired count at `n`, as 2^31 real acquires would.
struct slot_limiter_access {
  static void set_acquired(slot_limiter& l, std::uint64_t n) {
    l.acquired_wraps_.store(n >> 31);
    l.state_.store(((n & ((1ull << 31) - 1)) << 32) |
                   (l.state_.load() & slot_limiter::in_use_mask_));
  }
};
}  // namespace inflight::detail

namespace {

TEST(SlotLimiterLimits, AcquiredIsExactAcrossTheWrapOfItsPackedCount) {
  for (std::uint64_t start : {(1ull << 31) - 3, (1ull << 32) - 3, (5ull << 31) - 1}) {
    inflight::slot_limiter limiter(4);
    inflight::detail::slot_limiter_access::set_acquired(limiter, start);
    ASSERT_EQ(limiter.acquired(), start);
    for (int i = 0; i < 10; ++i) {
      auto s = limiter.try_acquire();
      ASSERT_TRUE(s);
      EXPECT_EQ(limiter.acquired(), start + static_cast<std::uint64_t>(i) + 1);
    }
    EXPECT_EQ(limiter.in_use(), 0u);
  }
}

// Readers never see the total go backwards or jump while writers cross a wrap.
TEST(SlotLimiterLimits, AcquiredNeverTearsWhileWritersCrossAWrap) {
  constexpr std::uint64_t per_thread = 200'000;
  for (int round = 0; round < 5; ++round) {
    inflight::slot_limiter limiter(8);
    const std::uint64_t start = (1ull << 31) - per_thread;
    inflight::detail::slot_limiter_access::set_acquired(limiter, start);
    std::atomic<bool> done{false};
    std::atomic<std::uint64_t> bad{0};
    std::thread reader([&] {
      std::uint64_t last = start;
      while (!done.load()) {
        const std::uint64_t now = limiter.acquired();
        if (now < last || now > start + 2 * per_thread) bad.fetch_add(1);
        last = now;
      }
    });
    std::vector<std::thread> writers;
    for (int t = 0; t < 2; ++t) {
      writers.emplace_back([&] {
        for (std::uint64_t i = 0; i < per_thread; ++i) limiter.try_acquire();
      });
    }
    for (auto& w : writers) w.join();
    done = true;
    reader.join();
    EXPECT_EQ(bad.load(), 0u);
    EXPECT_EQ(limiter.acquired(), start + 2 * per_thread);
  }
}

}  // namespace
