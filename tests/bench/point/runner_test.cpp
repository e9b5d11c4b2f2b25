// The point runner owns the window: it starts the subject, holds the warm-up and the window,
// samples an open loop's occupancy, ends early when the subject fails, and stops it once.
#include "point/runner.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using namespace inflight::bench;

// A subject that runs no slots and says what the runner asked of it, in order.
class scripted_subject final : public subject {
 public:
  std::vector<std::string> calls;
  bool fail_at_start = false;
  steady::time_point fail_after = steady::time_point::max();
  double slots_in_use = 3;

  std::size_t shards(const point_spec&) const override { return 1; }
  void start(detail::point_context& ctx, point_result&) override {
    calls.push_back("start");
    if (fail_at_start) throw std::runtime_error("cannot start");
    ctx.record(0, true, steady::now(), steady::now() + 1ms);  // one latency, through the context
  }
  double occupancy() const override { return slots_in_use; }
  bool failing() override { return steady::now() >= fail_after; }
  void window_opened(point_result&) override { calls.push_back("opened"); }
  void window_closed(point_result&) override { calls.push_back("closed"); }
  void stop(point_result& r) override {
    calls.push_back("stop");
    r.completed += 7;
  }
};

point_spec short_spec() {
  point_spec s;
  s.vcpus = 2;
  s.per_vcpu = 3;
  s.warmup = 20ms;
  s.duration = 100ms;
  return s;
}

TEST(PointRunner, StartsHoldsTheWindowAndStopsOnce) {
  scripted_subject s;
  std::vector<double> ticks;
  const auto t0 = steady::now();
  const auto r = run_point(short_spec(), s, {}, [&](double f) { ticks.push_back(f); });
  EXPECT_GE(steady::now() - t0, 120ms) << "the warm-up and the window, both held";
  EXPECT_THAT(s.calls, ::testing::ElementsAre("start", "opened", "closed", "stop"));
  EXPECT_EQ(r.in_flight, 6u);
  EXPECT_DOUBLE_EQ(r.window_s, 0.1);
  EXPECT_EQ(r.completed, 8u) << "the subject's 7, then the context's one recorded";
  ASSERT_FALSE(ticks.empty());
  EXPECT_LE(ticks.back(), 1.0);
  EXPECT_TRUE(std::is_sorted(ticks.begin(), ticks.end()));
  EXPECT_EQ(r.mean_occupancy, 0) << "a closed loop's occupancy is its cap, never sampled";
}

TEST(PointRunner, SamplesAnOpenLoopsOccupancy) {
  scripted_subject s;
  auto spec = short_spec();
  spec.mode = loop_mode::open;
  spec.rate = 100;
  EXPECT_DOUBLE_EQ(run_point(spec, s, {}).mean_occupancy, 3);
}

TEST(PointRunner, AFailingSubjectEndsTheWindowEarly) {
  scripted_subject s;
  auto spec = short_spec();
  spec.duration = 10s;
  s.fail_after = steady::now() + 50ms;
  const auto t0 = steady::now();
  run_point(spec, s, {});
  EXPECT_LT(steady::now() - t0, 5s);
  EXPECT_EQ(s.calls.back(), "stop");
}

TEST(PointRunner, WhatStartThrowsReachesTheCaller) {
  scripted_subject s;
  s.fail_at_start = true;
  EXPECT_THROW(run_point(short_spec(), s, {}), std::runtime_error);
  EXPECT_THAT(s.calls, ::testing::ElementsAre("start"));
}

}  // namespace
