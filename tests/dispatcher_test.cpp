#include "inflight/dispatcher.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "inflight/cpu_work.hpp"
#include "inflight/histogram.hpp"
#include "inflight/io_wait.hpp"
#include "inflight/slot_limiter.hpp"
#include "support/allocation_counter.hpp"
#include "support/emulation.hpp"
#include "support/faults.hpp"

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

TEST(DispatcherOptions, WorkerThreadsAreNamedForTopAndProc) {
  inflight::dispatcher_options o;
  o.vcpus = 2;
  inflight::dispatcher d(o);
  std::mutex m;
  std::set<std::string> names;
  d.run_slots(8, [&](std::size_t) {
    char name[16] = {};
    pthread_getname_np(pthread_self(), name, sizeof(name));
    std::lock_guard<std::mutex> lock(m);
    names.insert(name);
  });
  std::this_thread::sleep_for(10ms);
  d.stop_slots();
  EXPECT_EQ(names, (std::set<std::string>{"inflight-w0", "inflight-w1"}));
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

// ---- faults: what review and attack found (issue "Nothing crashes, hangs, orphans or lies") ----

namespace faults {

using inflight::test::address_space_limit;
using inflight::test::finishes_within;

constexpr std::size_t big_stack = std::size_t{512} << 20;
constexpr std::size_t headroom = std::size_t{256} << 20;

TEST(DispatcherFaults, SubmitWhoseStackCannotBeMappedFailsOnceAndDrainReturns) {
  if (!inflight::test::address_space_limits_apply())
    GTEST_SKIP() << "RLIMIT_AS is not enforced here (qemu-user ignores it)";
  inflight::dispatcher_options o;
  o.vcpus = 1;
  o.stack_size = big_stack;
  inflight::dispatcher d(o);
  std::atomic<bool> ran{false};
  {
    address_space_limit limit(headroom);
    ASSERT_TRUE(d.submit([&] { ran = true; }));
    finishes_within(30s, "drain() after a submit with no stack", [&] { d.drain(); });
  }
  EXPECT_FALSE(ran.load());
  EXPECT_EQ(d.submitted(), 1u);
  EXPECT_EQ(d.failed(), 1u);
  EXPECT_EQ(d.unstarted(), 1u);
  EXPECT_EQ(d.completed(), 0u);
  EXPECT_EQ(d.slots_running(), 0u);
  // With memory back, the same dispatcher runs calls again.
  ASSERT_TRUE(d.submit([&] { ran = true; }));
  finishes_within(30s, "drain() after memory came back", [&] { d.drain(); });
  EXPECT_TRUE(ran.load());
  finishes_within(30s, "stop()", [&] { d.stop(); });
}

TEST(DispatcherFaults, SlotsWithoutStacksNeverRunAndStopSlotsReturns) {
  if (!inflight::test::address_space_limits_apply())
    GTEST_SKIP() << "RLIMIT_AS is not enforced here (qemu-user ignores it)";
  inflight::dispatcher_options o;
  o.vcpus = 2;
  o.stack_size = big_stack;
  inflight::dispatcher d(o);
  std::atomic<int> calls{0};
  {
    address_space_limit limit(headroom);
    d.run_slots(3, [&](std::size_t) {
      calls.fetch_add(1);
      inflight::io_wait(1ms);
    });
    finishes_within(30s, "stop_slots() with unstarted slots", [&] { d.stop_slots(); });
  }
  EXPECT_EQ(calls.load(), 0);
  EXPECT_EQ(d.unstarted(), 3u);
  EXPECT_EQ(d.failed(), 3u);
  EXPECT_EQ(d.slots_running(), 0u);
}

TEST(DispatcherFaults, StackSizeHasAnUpperBound) {
  inflight::dispatcher_options o;
  o.stack_size = SIZE_MAX - 100;
  try {
    inflight::dispatcher d(o);
    FAIL() << "a stack size that wraps was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("valid range is 16384..1073741824"));
  }
}

// A body that never suspends, more slots than an inbox holds: run_slots and stop_slots still
// return, every slot gets turns, and a submit() meanwhile still runs.
TEST(DispatcherFaults, CpuOnlySlotsTakeTurnsAndControlCallsProgress) {
  inflight::dispatcher_options o;
  o.vcpus = 1;
  o.stack_size = 16 * 1024;
  inflight::dispatcher d(o);
  constexpr std::size_t slots = 3000;
  std::vector<std::atomic<std::uint64_t>> calls(slots);
  finishes_within(30s, "run_slots() of CPU-only slots", [&] {
    d.run_slots(slots, [&](std::size_t i) { calls[i].fetch_add(1, std::memory_order_relaxed); });
  });
  std::atomic<bool> submitted_ran{false};
  ASSERT_TRUE(d.submit([&] { submitted_ran = true; }));
  finishes_within(30s, "drain() beside CPU-only slots", [&] { d.drain(); });
  EXPECT_TRUE(submitted_ran.load());
  // Every slot has had a turn once a full round has passed.
  const auto give_up = std::chrono::steady_clock::now() + 20s;
  auto starved = [&] {
    for (auto& c : calls) {
      if (c.load() == 0) return true;
    }
    return false;
  };
  while (starved() && std::chrono::steady_clock::now() < give_up) std::this_thread::sleep_for(1ms);
  EXPECT_FALSE(starved()) << "a slot never ran: slots of one worker do not take turns";
  finishes_within(30s, "stop_slots() of CPU-only slots", [&] { d.stop_slots(); });
  std::uint64_t total = 0;
  for (auto& c : calls) total += c.load();
  EXPECT_EQ(d.completed(), total + 1);
}

// One slot burns CPU without suspending; the other waits on a timer on the same worker. The
// timer still fires.
TEST(DispatcherFaults, ATimerFiresBesideASlotThatNeverSuspends) {
  inflight::dispatcher_options o;
  o.vcpus = 1;
  inflight::dispatcher d(o);
  std::atomic<std::uint64_t> spins{0}, waits{0};
  d.run_slots(2, [&](std::size_t i) {
    if (i == 0) {
      spins.fetch_add(1, std::memory_order_relaxed);
    } else {
      inflight::io_wait(1ms);
      waits.fetch_add(1);
    }
  });
  const auto give_up = std::chrono::steady_clock::now() + 20s;
  while (waits.load() < 3 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(1ms);
  }
  finishes_within(30s, "stop_slots()", [&] { d.stop_slots(); });
  EXPECT_GE(waits.load(), 3u) << "the waiting slot starved";
  EXPECT_GT(spins.load(), 0u);
}

TEST(DispatcherFaults, ControlCallsFromAWorkerThrowInsteadOfHanging) {
  inflight::dispatcher_options o;
  o.vcpus = 1;
  inflight::dispatcher d(o);
  std::vector<std::string> errors;
  d.submit([&] {
    for (auto call :
         {+[](inflight::dispatcher& x) { x.drain(); }, +[](inflight::dispatcher& x) { x.stop(); },
          +[](inflight::dispatcher& x) { x.stop_slots(); },
          +[](inflight::dispatcher& x) { x.run_slots(1, [](std::size_t) {}); }}) {
      try {
        call(d);
        errors.push_back("returned");
      } catch (const std::logic_error& e) {
        errors.push_back(e.what());
      }
    }
  });
  finishes_within(30s, "drain()", [&] { d.drain(); });
  ASSERT_EQ(errors.size(), 4u);
  for (const char* call : {"drain", "stop", "stop_slots", "run_slots"}) {
    EXPECT_THAT(errors, ::testing::Contains(std::string("dispatcher::") + call +
                                            " on one of the dispatcher's own workers would wait "
                                            "for itself"));
  }
  EXPECT_EQ(d.completed(), 1u);
}

TEST(DispatcherFaults, AcquireForeverOnAFiberWaitsForTheSlot) {
  inflight::dispatcher_options o;
  o.vcpus = 1;
  inflight::dispatcher d(o);
  inflight::slot_limiter limiter(1);
  auto held = limiter.acquire();
  std::atomic<int> got{-1};
  d.submit([&] { got = limiter.acquire_for(std::chrono::hours::max()) ? 1 : 0; });
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(got.load(), -1) << "acquire_for(hours::max()) gave up early";
  held.reset();
  finishes_within(30s, "drain()", [&] { d.drain(); });
  EXPECT_EQ(got.load(), 1);
}

}  // namespace faults

}  // namespace

namespace stress {

// Mixed submit (from two outside threads), run_slots, limiter waits across workers, random
// stop_slots, stop and destruction with calls in flight, 1% throwing calls. Whatever the
// interleaving: every accepted submit runs exactly once, every call that starts finishes, every
// call is counted once as completed or failed, and the limiter ends empty with no waiter. Sized
// to run in seconds, under ASan + UBSan too.
TEST(DispatcherStress, CountsAreConservedUnderRandomControl) {
  std::mt19937_64 rng(20261128);
  for (int round = 0; round < 24; ++round) {
    inflight::dispatcher_options o;
    o.vcpus = 1 + rng() % 3;
    o.workers_per_vcpu = 1 + rng() % 2;
    o.stack_size = (rng() % 2 == 0) ? 16 * 1024 : 64 * 1024;
    auto d = std::make_unique<inflight::dispatcher>(o);
    inflight::slot_limiter limiter(1 + rng() % 8);
    std::atomic<std::uint64_t> entered{0}, finished{0}, threw{0}, accepted{0}, submits_ran{0};
    const std::uint64_t seed = rng();
    // One call: maybe waits on the limiter (some with a timeout), on IO, burns CPU; 1% throw.
    auto body = [&](std::uint64_t salt) {
      entered.fetch_add(1, std::memory_order_relaxed);
      std::mt19937_64 r(seed ^ salt);
      const auto kind = r() % 4;
      {
        inflight::slot_limiter::slot held;
        if (kind == 0) held = limiter.acquire();
        if (kind == 1) held = limiter.acquire_for(std::chrono::microseconds(r() % 300));
        if (kind != 3) inflight::io_wait(std::chrono::microseconds(r() % 200));
        if (kind == 3) inflight::cpu_work(std::chrono::microseconds(r() % 20));
      }
      if (r() % 100 == 0) {
        threw.fetch_add(1, std::memory_order_relaxed);
        throw std::runtime_error("one in a hundred");
      }
      finished.fetch_add(1, std::memory_order_relaxed);
    };
    auto submit = [&](std::uint64_t salt) {
      if (d->submit([&, salt] {
            submits_ran.fetch_add(1, std::memory_order_relaxed);
            body(salt);
          })) {
        accepted.fetch_add(1);
      }
    };
    std::atomic<bool> stop_submitting{false};
    std::vector<std::thread> submitters;
    for (std::uint64_t t = 0; t < 2; ++t) {
      submitters.emplace_back([&, t] {
        for (std::uint64_t i = 0; !stop_submitting.load() && i < 3000; ++i) submit(i * 2 + t);
      });
    }
    const auto slots = static_cast<std::size_t>(rng() % 200);
    if (slots != 0) d->run_slots(slots, [&](std::size_t i) { body(1'000'000 + i); });
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 20));
    const auto ending = rng() % 3;
    if (ending == 0) d->stop_slots();  // then stop() below
    if (ending <= 1) d->stop();        // with submits still arriving: they are refused
    stop_submitting = true;
    for (auto& t : submitters) t.join();
    if (ending == 2) {
      // Destroyed with slots and calls in flight: the destructor finishes every one of them.
      for (std::uint64_t i = 0; i < 100; ++i) submit(2'000'000 + i);
      d.reset();
    } else {
      EXPECT_EQ(d->submitted(), accepted.load()) << "round " << round;
      EXPECT_EQ(d->completed() + d->failed(), entered.load()) << "round " << round;
      EXPECT_EQ(d->completed(), finished.load()) << "round " << round;
      EXPECT_EQ(d->failed(), threw.load()) << "round " << round;
      EXPECT_EQ(d->unstarted(), 0u);
      EXPECT_EQ(d->slots_running(), 0u);
      d.reset();
    }
    EXPECT_EQ(submits_ran.load(), accepted.load()) << "round " << round;
    EXPECT_EQ(finished.load() + threw.load(), entered.load()) << "round " << round;
    EXPECT_EQ(limiter.in_use(), 0u) << "round " << round;
    EXPECT_EQ(limiter.waiting(), 0u) << "round " << round;
  }
}

}  // namespace stress

// ---- the API for handler code --------------------------------------------------------------

namespace handler_api {

using namespace std::chrono_literals;

TEST(DispatcherHandlerApi, TheTryAcquirePatternMovesTheSlotIntoTheCall) {
  inflight::dispatcher_options o;
  o.vcpus = 2;
  inflight::dispatcher d(o);
  inflight::slot_limiter limiter(4);
  std::atomic<int> handled{0}, throttled{0};
  for (int i = 0; i < 1000; ++i) {
    if (auto slot = limiter.try_acquire()) {
      ASSERT_TRUE(d.submit([slot = std::move(slot), &handled] {
        inflight::io_wait(100us);
        handled.fetch_add(1);
      }));
    } else {
      throttled.fetch_add(1);  // LMI's 429
    }
  }
  d.drain();
  EXPECT_EQ(handled.load() + throttled.load(), 1000);
  EXPECT_EQ(static_cast<std::uint64_t>(throttled.load()), limiter.rejected());
  EXPECT_EQ(limiter.in_use(), 0u) << "every slot went back when its call ended";
}

TEST(DispatcherHandlerApi, ACallThatThrowsReleasesWhatItHoldsBeforeDrainReturns) {
  inflight::dispatcher_options o;
  o.vcpus = 1;
  inflight::dispatcher d(o);
  inflight::slot_limiter limiter(8);
  for (int i = 0; i < 8; ++i) {
    d.submit([slot = limiter.try_acquire()] { throw std::runtime_error("handler failed"); });
  }
  d.drain();
  EXPECT_EQ(limiter.in_use(), 0u);
  EXPECT_EQ(d.failed(), 8u);
}

TEST(DispatcherHandlerApi, MoveOnlyCallablesAndSlotBodies) {
  inflight::dispatcher_options o;
  o.vcpus = 1;
  inflight::dispatcher d(o);
  std::promise<int> promise;
  auto answer = promise.get_future();
  d.submit(
      [p = std::move(promise), box = std::make_unique<int>(42)]() mutable { p.set_value(*box); });
  EXPECT_EQ(answer.get(), 42);
  // A move-only slot body; the dispatcher destroys it once the last slot has stopped.
  std::atomic<int> calls{0};
  d.run_slots(2, [step = std::make_unique<int>(1), &calls](std::size_t) {
    calls.fetch_add(*step);
    inflight::io_wait(100us);
  });
  std::this_thread::sleep_for(5ms);
  d.stop_slots();
  EXPECT_GT(calls.load(), 0);
}

TEST(DispatcherHandlerApi, SubmittingASmallCallableAllocatesNothing) {
  inflight::dispatcher_options o;
  o.vcpus = 1;
  inflight::dispatcher d(o);
  inflight::slot_limiter limiter(1);
  std::atomic<int> ran{0};
  // Warm the worker's runner fiber, so the count below is the submit path alone.
  d.submit([&ran] { ran.fetch_add(1); });
  d.drain();
  auto slot = limiter.try_acquire();
  auto call = [slot = std::move(slot), &ran, x = std::uint64_t{7}] { ran.fetch_add(1); };
  static_assert(inflight::detail::unique_function<void()>::fits<decltype(call)>);
  std::size_t allocations = 0;
  bool accepted = false;
  {
    inflight::test::allocation_counter counter;
    accepted = d.submit(std::move(call));
    allocations = counter.count();
  }
  EXPECT_TRUE(accepted);
  EXPECT_EQ(allocations, 0u);
  // The counter sees allocations: a callable too large to store inline takes one.
  auto big = [&ran, pad = std::array<char, 64>{}] { ran.fetch_add(1 + pad[0]); };
  static_assert(!inflight::detail::unique_function<void()>::fits<decltype(big)>);
  {
    inflight::test::allocation_counter counter;
    d.submit(std::move(big));
    EXPECT_GE(counter.count(), 1u);
  }
  d.drain();
  EXPECT_EQ(ran.load(), 3);
}

TEST(DispatcherHandlerApi, CurrentWorkerNamesTheWorkerRunningTheFiber) {
  EXPECT_EQ(inflight::current_worker(), inflight::no_worker);
  inflight::dispatcher_options o;
  o.vcpus = 2;
  o.workers_per_vcpu = 2;
  inflight::dispatcher d(o);
  std::vector<inflight::latency_histogram> per_worker(d.workers());  // no lock: one per worker
  std::atomic<int> wrong{0};
  auto nested = [] { return inflight::current_worker(); };  // anything the call calls
  d.run_slots(16, [&](std::size_t slot) {
    const std::size_t w = nested();
    if (w != slot % 4) wrong.fetch_add(1);
    const auto start = std::chrono::steady_clock::now();
    inflight::io_wait(50us);
    per_worker[w].record(std::chrono::steady_clock::now() - start);
  });
  std::this_thread::sleep_for(20ms);
  d.stop_slots();
  std::atomic<std::size_t> from_submit{inflight::no_worker};
  d.submit([&] { from_submit = inflight::current_worker(); });
  d.drain();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LT(from_submit.load(), d.workers());
  std::uint64_t total = 0;
  for (const auto& h : per_worker) total += h.count();
  EXPECT_EQ(total, d.completed() - 1);
  EXPECT_EQ(inflight::current_worker(), inflight::no_worker);
}

TEST(DispatcherHandlerApi, OnFailureSeesEachFailedCallsException) {
  if (!inflight::test::address_space_limits_apply())
    GTEST_SKIP() << "RLIMIT_AS is not enforced here (qemu-user ignores it)";
  std::mutex m;
  std::vector<std::string> seen;
  inflight::dispatcher_options o;
  o.vcpus = 1;
  o.stack_size = std::size_t{512} << 20;
  o.on_failure = [&](std::exception_ptr e) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      std::lock_guard<std::mutex> lock(m);
      seen.push_back(x.what());
    }
  };
  inflight::dispatcher d(o);
  d.submit([] { throw std::runtime_error("handler said no"); });
  d.drain();
  {
    // The first call takes the worker's parked runner; the second needs a new fiber, whose
    // stack no longer fits.
    inflight::test::address_space_limit limit(std::size_t{256} << 20);
    d.submit([] { inflight::io_wait(20ms); });
    d.submit([] {});
    d.drain();
  }
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], "handler said no");
  EXPECT_THAT(seen[1], HasSubstr("no fiber could be created for this call"));
  EXPECT_EQ(d.failed(), 2u);
}

}  // namespace handler_api
