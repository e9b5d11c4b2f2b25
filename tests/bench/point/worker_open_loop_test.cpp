// The dispatcher models' open loop: every worker generates its share of the arrivals, the
// environment-wide limiter throttles beyond the cap, and an admitted arrival never waits for a
// slot while one is free on any worker.
#include "point/worker_open_loop.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>

#include "inflight/dispatcher.hpp"

namespace {

using namespace std::chrono_literals;
using namespace inflight::bench;

struct run_result {
  point_result r;
  std::size_t most_at_once = 0;
  std::set<std::size_t> workers;  // the workers that ran an invocation
};

// One open-loop point straight through the loop and a 2-worker dispatcher, every invocation
// waiting `hold` and noting the most invocations at once.
run_result run(point_spec spec, std::chrono::nanoseconds hold) {
  run_result out;
  std::atomic<std::size_t> now{0};
  std::mutex m;
  const point_handler handler = [&](std::mt19937_64&) {
    const std::size_t n = ++now;
    {
      std::lock_guard<std::mutex> lock(m);
      out.most_at_once = std::max(out.most_at_once, n);
      out.workers.insert(inflight::current_worker());
    }
    inflight::io_wait(hold);
    --now;
  };
  inflight::dispatcher_options o;
  o.vcpus = spec.vcpus;
  inflight::dispatcher d(o);
  detail::point_context ctx(spec, handler, d.workers());
  detail::worker_open_loop loop(ctx, d.workers());
  d.run_slots(loop.slots(), [&](std::size_t i) { loop.run(i); });
  std::this_thread::sleep_until(ctx.window_end);
  loop.finish(out.r);
  d.stop_slots();
  ctx.collect(out.r);
  return out;
}

point_spec open_spec(std::size_t per_vcpu, double rate) {
  point_spec s;
  s.vcpus = 2;
  s.per_vcpu = per_vcpu;
  s.mode = loop_mode::open;
  s.rate = rate;
  s.warmup = 50ms;
  s.duration = 1s;
  return s;
}

TEST(WorkerOpenLoop, EveryArrivalIsServedOrThrottledAndBothWorkersGenerate) {
  const auto out = run(open_spec(8, 2000), 1ms);
  // 2000 expected (sd 45); every one admitted (16 slots, about 2 in use) and completed.
  EXPECT_NEAR(static_cast<double>(out.r.arrivals), 2000, 5 * 45);
  EXPECT_EQ(out.r.completed + out.r.throttled, out.r.arrivals);
  EXPECT_EQ(out.r.failed, 0u);
  EXPECT_EQ(out.workers, (std::set<std::size_t>{0, 1}));
  EXPECT_EQ(out.r.arrival_lag.count(), out.r.arrivals) << "each arrival's lag, once";
}

TEST(WorkerOpenLoop, TheCapHoldsForTheWholeEnvironmentAndThrottlesBeyondIt) {
  // 4 slots, invocations of 100 ms at 100/s: 10 wanted at once, at most 4 run, the rest are 429s.
  const auto out = run(open_spec(2, 100), 100ms);
  EXPECT_LE(out.most_at_once, 4u);
  EXPECT_GT(out.r.throttled, 0u);
  EXPECT_EQ(out.r.completed + out.r.throttled, out.r.arrivals);
}

TEST(WorkerOpenLoop, AnArrivalGoesToAnotherWorkersFreeSlotRatherThanWait) {
  // 2 slots per worker, invocations of 200 ms at 12/s: about 2.4 at once, so a worker often gets an
  // arrival while both its slots are busy. Handed to the other worker's free slot, it completes
  // 200 ms after it was due; made to wait for its own worker, 200 ms later than that.
  const auto out = run(open_spec(2, 12), 200ms);
  ASSERT_GT(out.r.completed, 5u);
  EXPECT_LT(out.r.latency.max(), 350'000'000u)
      << "an admitted arrival waited for a slot; throttled: " << out.r.throttled;
}

}  // namespace
