#include "inflight/limits.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>

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

}  // namespace
