// --rate: a constant rate or stages (ramps, steps), their mean, their name in a point's name, the
// window they set, and one line for each kind of bad profile.
#include "sweep/rate_profile.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "support/usage_errors.hpp"
#include "sweep/parse.hpp"

namespace {

using namespace std::chrono_literals;
using namespace inflight::bench;

TEST(RateProfile, AConstantRateHasNoStages) {
  const auto p = parse_rate_profile("2500");
  EXPECT_DOUBLE_EQ(p.mean, 2500);
  EXPECT_TRUE(p.stages.empty());
  EXPECT_EQ(rate_name(p.mean, p.stages), "2500");
}

TEST(RateProfile, StagesAreRampsAndStepsBackToBack) {
  const auto p = parse_rate_profile("1000..3000/2s,3000/1s,500/1s");
  ASSERT_EQ(p.stages.size(), 3u);
  EXPECT_EQ(p.stages[0], (rate_stage{1000, 3000, 2s}));
  EXPECT_EQ(p.stages[1], (rate_stage{3000, 3000, 1s}));
  EXPECT_EQ(p.stages[2], (rate_stage{500, 500, 1s}));
  EXPECT_EQ(p.length, 4s);
  // 4000 + 3000 + 500 arrivals over 4 s.
  EXPECT_DOUBLE_EQ(p.mean, 7500.0 / 4);
  EXPECT_EQ(rate_name(p.mean, p.stages), "1000..3000:2s+3000:1s+500:1s");
}

TEST(RateProfile, StagesSetTheWindowAndTheRateIsTheirMean) {
  const inflight::vcpu_info two{2, "affinity", {0, 1}};
  const auto o = parse_sweep_options({"--mode=open", "--rate=0..2000/1500ms,2000/500ms"}, two);
  EXPECT_EQ(o.duration, 2s);
  EXPECT_DOUBLE_EQ(o.rate, 1250);  // 1500 + 1000 arrivals over 2 s
  EXPECT_EQ(o.stages.size(), 2u);
}

TEST(RateProfile, TheDoublingScenarioIsThreeStagesFromTheRate) {
  const inflight::vcpu_info two{2, "affinity", {0, 1}};
  const auto o = parse_sweep_options({"--scenario=doubling", "--rate=400"}, two);
  EXPECT_EQ(o.mode, loop_mode::open);
  ASSERT_EQ(o.stages.size(), 3u);
  EXPECT_EQ(o.stages[0], (rate_stage{400, 400, 5s}));
  EXPECT_EQ(o.stages[1], (rate_stage{400, 800, 10s}));
  EXPECT_EQ(o.stages[2], (rate_stage{800, 800, 5s}));
  EXPECT_EQ(o.duration, 20s);
  EXPECT_DOUBLE_EQ(o.rate, 600) << "2000 + 6000 + 4000 arrivals over 20 s";
}

TEST(RateProfile, BadProfilesAreOneLineEach) {
  const std::string valid =
      "valid: 0.001..10000000 arrivals per second, or stages A/D or A..B/D (rates 0..10000000, A "
      "< B, each stage 10ms..1h, 1h in all)";
  const std::vector<inflight::test::invalid_case> cases = {
      {{"--rate=20000..1000/30s"},
       "--rate=20000..1000/30s: the ramp '20000..1000' goes down; a ramp goes up (A..B with A < "
       "B), a drop is a step (20000/D,1000/D); " +
           valid},
      {{"--rate=1000/0s"},
       "--rate=1000/0s: stage '1000/0s' lasts under 10ms; each stage lasts 10ms..1h; " + valid},
      {{"--rate=1000..2000"}, "--rate=1000..2000: valid range is " + valid.substr(7)},
      {{"--rate=1000/10s,x/1s"},
       "--rate=1000/10s,x/1s: stage rate 'x' is not a number in 0..10000000; " + valid},
      {{"--rate=-5/1s"}, "--rate=-5/1s: stage rate '-5' is not a number in 0..10000000; " + valid},
      {{"--rate=0/1s,0..0/1s"}, "--rate=0/1s,0..0/1s: no stage has arrivals; " + valid},
      {{"--rate=1000/abc"}, "--rate=1000/abc: stage length 'abc' is not a duration; " + valid},
      {{"--rate=1000/3000s,1000/3000s"},
       "--rate=1000/3000s,1000/3000s: the stages last over 1h in all; " + valid},
      {{"--rate=1000/1s,"}, "--rate=1000/1s,: stage '' has no length (RATE/DURATION); " + valid},
      {{"--rate=0.0001"}, "--rate=0.0001: valid range is " + valid.substr(7)},
      {{"--rate=1000/1s", "--duration=2s"},
       "--duration=2s: cannot be used with --rate=1000/1s (its stages are the window)"},
      {{"--mode=closed", "--seconds_csv=x.csv"},
       "--seconds_csv=x.csv: needs --mode=open (a closed loop has no arrivals per second)"},
      {{"--scenario=doubling"}, "--scenario=doubling: needs --rate=R, the rate it doubles from"},
      {{"--scenario=doubling", "--rate=100/1s"},
       "--rate=100/1s: --scenario=doubling: doubles one constant rate"},
      {{"--scenario=doubling", "--rate=6000000"},
       "--rate=6000000: --scenario=doubling doubles it: valid up to 5000000"},
      {{"--scenario=doubling", "--rate=100", "--duration=5s"},
       "--duration=5s: cannot be used with --scenario=doubling (its stages are the window)"},
      {{"--scenario=doubling", "--rate=100", "--mode=closed"},
       "--scenario=doubling: needs --mode=open (it is an arrival profile)"},
      {{"--seconds_svg=x.svg"},
       "--seconds_svg=x.svg: needs --mode=open (a closed loop has no arrivals per second)"},
  };
  const inflight::vcpu_info two{2, "affinity", {0, 1}};
  inflight::test::expect_usage_errors<usage_error>(cases, [&](std::vector<std::string> args) {
    if (args[0].rfind("--rate", 0) == 0) args.insert(args.begin(), "--mode=open");
    parse_sweep_options(args, two);
  });
}

}  // namespace
