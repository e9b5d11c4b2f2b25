#include "inflight/limits.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>

namespace {

using ::testing::HasSubstr;

TEST(CheckMaxConcurrency, RefusesSixtyFiveOnOneVcpuWithAwsWording) {
  try {
    inflight::check_max_concurrency(65, 1);
    FAIL() << "65 on 1 vCPU was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(),
                 "The specified PerExecutionEnvironmentMaxConcurrency exceeds the limit of 64 per "
                 "VCpu. For your configuration, the limit is 64");
  }
}

TEST(CheckMaxConcurrency, TheLimitScalesWithVcpus) {
  EXPECT_NO_THROW(inflight::check_max_concurrency(128, 2));
  EXPECT_NO_THROW(inflight::check_max_concurrency(1, 1));
  EXPECT_NO_THROW(inflight::check_max_concurrency(1024, 16));
  try {
    inflight::check_max_concurrency(129, 2);
    FAIL() << "129 on 2 vCPUs was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("For your configuration, the limit is 128"));
  }
}

TEST(CheckMaxConcurrency, RefusesZero) {
  try {
    inflight::check_max_concurrency(0, 2);
    FAIL() << "0 was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "PerExecutionEnvironmentMaxConcurrency is 0; valid range is 1..128");
  }
  EXPECT_THROW(inflight::check_max_concurrency(1, 0), std::invalid_argument);
}

TEST(CheckMaxConcurrency, ReturnsTheValueSoALimiterIsSizedInOneExpression) {
  EXPECT_EQ(inflight::check_max_concurrency(128, 2), 128u);
}

// Sets or clears AWS_LAMBDA_MAX_CONCURRENCY for one test.
class MaxConcurrencyFromEnv : public ::testing::Test {
 protected:
  void TearDown() override { unsetenv("AWS_LAMBDA_MAX_CONCURRENCY"); }
  static void set(const char* v) { setenv("AWS_LAMBDA_MAX_CONCURRENCY", v, 1); }
};

TEST_F(MaxConcurrencyFromEnv, EmptyWhenUnsetElseTheCheckedValue) {
  unsetenv("AWS_LAMBDA_MAX_CONCURRENCY");
  EXPECT_FALSE(inflight::max_concurrency_from_env(2).has_value());
  set("128");
  EXPECT_EQ(inflight::max_concurrency_from_env(2), std::optional<std::size_t>(128));
}

TEST_F(MaxConcurrencyFromEnv, RefusesWhatLmiRefusesWithItsWording) {
  set("129");
  try {
    inflight::max_concurrency_from_env(2);
    FAIL() << "129 on 2 vCPUs was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(),
                 "The specified PerExecutionEnvironmentMaxConcurrency exceeds the limit of 64 per "
                 "VCpu. For your configuration, the limit is 128");
  }
  for (const char* bad : {"", "abc", "-1", "+5", " 5", "5x", "0x10", "99999999999999999999"}) {
    set(bad);
    try {
      inflight::max_concurrency_from_env(2);
      FAIL() << "accepted '" << bad << "'";
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(std::string(e.what()), std::string("AWS_LAMBDA_MAX_CONCURRENCY is '") + bad +
                                           "', not a whole number; valid range is 1..128");
    }
  }
  set("0");
  EXPECT_THROW(inflight::max_concurrency_from_env(2), std::invalid_argument);
}

}  // namespace
