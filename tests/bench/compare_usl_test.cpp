// inflight_compare's USL fit recovers the parameters of curves made from known ones.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "compare/usl.hpp"

namespace {

using namespace inflight::bench::compare;
using ::testing::HasSubstr;

std::vector<double> concurrency() { return {1, 2, 4, 8, 16, 32, 64, 128}; }

std::vector<double> usl_curve(double lambda, double sigma, double kappa) {
  std::vector<double> x;
  for (double n : concurrency()) x.push_back(usl_fit{lambda, sigma, kappa, 0}(n));
  return x;
}

TEST(UslFit, RecoversSigmaAndKappaFromACurveWithAPeak) {
  const auto fit = fit_usl(concurrency(), usl_curve(1000, 0.05, 0.001));
  ASSERT_TRUE(fit);
  EXPECT_NEAR(fit->sigma, 0.05, 0.05 * 0.01);
  EXPECT_NEAR(fit->kappa, 0.001, 0.001 * 0.01);
  EXPECT_NEAR(fit->lambda, 1000, 1000 * 0.01);
  EXPECT_GT(fit->r2, 0.9999);
  ASSERT_TRUE(fit->peak());
  EXPECT_NEAR(*fit->peak(), std::sqrt(0.95 / 0.001), 0.3);
}

TEST(UslFit, RecoversContentionOnly) {
  const auto fit = fit_usl(concurrency(), usl_curve(500, 0.1, 0));
  ASSERT_TRUE(fit);
  EXPECT_NEAR(fit->sigma, 0.1, 0.1 * 0.01);
  EXPECT_NEAR(fit->kappa, 0, 1e-9);
  // kappa lands at +-1e-17: no peak, or one absurdly far beyond the data.
  EXPECT_TRUE(!fit->peak() || *fit->peak() > 1e4);
}

TEST(UslFit, PureLittlesLawHasNoContentionAndNoCoherency) {
  const auto fit = fit_usl(concurrency(), usl_curve(500, 0, 0));
  ASSERT_TRUE(fit);
  EXPECT_NEAR(fit->sigma, 0, 1e-9);
  EXPECT_NEAR(fit->kappa, 0, 1e-12);
  EXPECT_NEAR(fit->lambda, 500, 500 * 1e-9);
  // kappa is rounding residue, on either side of 0 by architecture (arm64 contracts a * b + c
  // into one fused multiply-add, x86-64's base instruction set cannot): no peak, or one absurdly
  // far beyond the data.
  EXPECT_TRUE(!fit->peak() || *fit->peak() > 1e4) << *fit->peak();
}

TEST(UslFit, NeedsThreeDistinctPoints) {
  EXPECT_FALSE(fit_usl({1, 2}, {10, 20}));
  EXPECT_FALSE(fit_usl({1, 1, 1}, {10, 10, 10}));
  EXPECT_FALSE(fit_usl({1, 2, 4}, {10, 0, 40}));
}

// A sweep worked out by hand: throughput per doubling +100%, +100%, +100%, +87.5%, +6.7%, +1.25%.

}  // namespace
