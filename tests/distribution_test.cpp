#include "inflight/distribution.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using inflight::duration_distribution;

TEST(ParseDuration, AcceptsEveryUnit) {
  EXPECT_EQ(inflight::parse_duration("0"), 0ns);
  EXPECT_EQ(inflight::parse_duration("250ns"), 250ns);
  EXPECT_EQ(inflight::parse_duration("200us"), 200us);
  EXPECT_EQ(inflight::parse_duration("1.5ms"), 1500us);
  EXPECT_EQ(inflight::parse_duration("2s"), 2s);
}

TEST(ParseDuration, RejectsMalformedTextNamingTheParameter) {
  for (const std::string bad : {"", "2", "ms", "2 ms", "-1ms", "2min", "1e30s", "+2ms", "nanms",
                                " 2ms", "0x10ms", "infms", "2ms\n", ".ms", "1e9.5s", "2.ms5"}) {
    try {
      inflight::parse_duration(bad, "--io_wait");
      FAIL() << "accepted '" << bad << "'";
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(std::string(e.what()),
                "--io_wait: '" + bad +
                    "' is invalid; valid: a number with a unit ns, us, ms or s, from 0 to "
                    "1000000000s (e.g. 200us, 1.5ms)");
    }
  }
}

TEST(FormatDuration, UsesTheLargestExactUnit) {
  EXPECT_EQ(inflight::format_duration(2ms), "2ms");
  EXPECT_EQ(inflight::format_duration(1500us), "1500us");
  EXPECT_EQ(inflight::format_duration(3s), "3s");
  EXPECT_EQ(inflight::format_duration(7ns), "7ns");
  EXPECT_EQ(inflight::format_duration(0ns), "0");
}

TEST(DurationDistribution, ParsesAndPrintsEveryForm) {
  for (const std::string text : {"2ms", "uniform:1ms..3ms", "exp:2ms", "lognormal:2ms,p99=20ms"}) {
    EXPECT_EQ(duration_distribution::parse(text).to_string(), text);
  }
  EXPECT_EQ(duration_distribution::parse("2ms").type(), duration_distribution::kind::constant);
  EXPECT_EQ(duration_distribution::parse("exp:1ms").mean(), 1ms);
  EXPECT_EQ(duration_distribution::parse("uniform:1ms..3ms").mean(), 2ms);
}

TEST(DurationDistribution, RejectsMalformedFormsWithTheValidOnes) {
  for (const std::string bad : {"uniform:3ms..1ms", "uniform:1ms", "exp:0", "lognormal:2ms",
                                "lognormal:20ms,p99=2ms", "gamma:2ms", "2 ms", "exp:"}) {
    try {
      duration_distribution::parse(bad, "--io_wait");
      FAIL() << "accepted '" << bad << "'";
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(std::string(e.what()), "--io_wait: '" + bad +
                                           "' is invalid; valid: 2ms, uniform:1ms..3ms, exp:2ms or "
                                           "lognormal:2ms,p99=20ms");
    }
  }
}

std::vector<std::chrono::nanoseconds> draw(const duration_distribution& d, std::uint64_t seed,
                                           int n) {
  std::mt19937_64 rng(seed);
  std::vector<std::chrono::nanoseconds> out(n);
  for (auto& x : out) x = d(rng);
  return out;
}

TEST(DurationDistribution, TheSameSeedGivesTheSameWaits) {
  const auto d = duration_distribution::parse("lognormal:2ms,p99=20ms");
  EXPECT_EQ(draw(d, 42, 1000), draw(d, 42, 1000));
  EXPECT_NE(draw(d, 42, 1000), draw(d, 43, 1000));
}

TEST(DurationDistribution, SamplesHaveTheRequestedShape) {
  const int n = 200'000;
  auto sorted = [&](const char* text) {
    auto v = draw(duration_distribution::parse(text), 5, n);
    std::sort(v.begin(), v.end());
    return v;
  };
  const auto ln = sorted("lognormal:2ms,p99=20ms");
  EXPECT_NEAR(static_cast<double>(ln[n / 2].count()), 2e6, 2e6 * 0.02);
  EXPECT_NEAR(static_cast<double>(ln[n * 99 / 100].count()), 20e6, 20e6 * 0.05);
  const auto u = sorted("uniform:1ms..3ms");
  EXPECT_GE(u.front(), 1ms);
  EXPECT_LE(u.back(), 3ms);
  const auto e = sorted("exp:2ms");
  double sum = 0;
  for (auto x : e) sum += static_cast<double>(x.count());
  EXPECT_NEAR(sum / n, 2e6, 2e6 * 0.02);
  EXPECT_EQ(draw(duration_distribution::parse("2ms"), 1, 3),
            (std::vector<std::chrono::nanoseconds>(3, 2ms)));
}

TEST(ParseDuration, AcceptsPlainDecimalForms) {
  EXPECT_EQ(inflight::parse_duration(".5ms"), 500us);
  EXPECT_EQ(inflight::parse_duration("2.ms"), 2ms);
  EXPECT_EQ(inflight::parse_duration("1e3us"), 1ms);
  EXPECT_EQ(inflight::parse_duration("1E-3s"), 1ms);
  EXPECT_EQ(inflight::parse_duration("1000000000s"), std::chrono::seconds(1'000'000'000));
}

TEST(DurationDistribution, TruncationCapsSamplesAndItsMean) {
  std::mt19937_64 rng(3);
  const auto e = duration_distribution::parse("exp:1s").truncated(1s);
  for (int i = 0; i < 10'000; ++i) EXPECT_LE(e(rng), 1s);
  // E[min(X, c)] = m (1 - e^(-c/m)) for an exponential of mean m.
  EXPECT_NEAR(static_cast<double>(e.mean().count()), 1e9 * (1 - std::exp(-1.0)), 1e3);
  EXPECT_EQ(e.to_string(), "exp:1s");
  EXPECT_EQ(e.cap(), 1s);
  const auto u = duration_distribution::parse("uniform:0..4ms").truncated(2ms);
  EXPECT_EQ(u.mean(), 1500us);  // half the mass at 1 ms on average, half exactly 2 ms
  EXPECT_EQ(duration_distribution::parse("5ms").truncated(2ms)(rng), 2ms);
  // A lognormal's truncated mean matches the samples' mean.
  const auto ln = duration_distribution::parse("lognormal:2ms,p99=200ms").truncated(20ms);
  double sum = 0;
  const int n = 200'000;
  for (int i = 0; i < n; ++i) sum += static_cast<double>(ln(rng).count());
  EXPECT_NEAR(sum / n, static_cast<double>(ln.mean().count()), 0.02 * sum / n);
  EXPECT_THROW(e.truncated(-1ns), std::invalid_argument);
}

TEST(DurationDistribution, HugeLognormalDrawsSaturateInsteadOfOverflowing) {
  std::mt19937_64 rng(1);
  const auto d = duration_distribution::parse("lognormal:1s,p99=1000000000s");
  for (int i = 0; i < 10'000; ++i) EXPECT_GE(d(rng).count(), 0);
  // Samples saturate at the largest duration, so the mean is finite.
  EXPECT_GT(d.mean(), 1s);
}

TEST(DurationDistribution, MediansOfEveryForm) {
  EXPECT_EQ(duration_distribution::parse("2ms").median(), 2ms);
  EXPECT_EQ(duration_distribution::parse("uniform:1ms..3ms").median(), 2ms);
  EXPECT_EQ(duration_distribution::parse("exp:1s").median(), 693147181ns);
  EXPECT_EQ(duration_distribution::parse("lognormal:2ms,p99=20ms").median(), 2ms);
}

}  // namespace
