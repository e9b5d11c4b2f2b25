// bench/exec/worker_pool_event.hpp: a runtime's report of its worker pool, in each form LMI's
// runtimes write it.
#include "exec/worker_pool_event.hpp"

#include <gtest/gtest.h>

namespace {

using inflight::bench::find_worker_pool_report;

TEST(WorkerPoolEvent, ReadsJavasRustsAndInflightsForms) {
  const auto java = find_worker_pool_report(
      "start\n{\"timestamp\":\"x\",\"level\":\"DEBUG\",\"message\":{\"event\":"
      "\"runtime_worker_pool_initializing\",\"workerCount\":17,"
      "\"executionEnvironmentMaxConcurrency\":34}}\nmore\n");
  ASSERT_TRUE(java);
  EXPECT_EQ(java->workers, 17u);
  EXPECT_EQ(java->max_concurrency, 34u);
  const auto rust = find_worker_pool_report(
      "{\"level\":\"DEBUG\",\"fields\":{\"message\":\"runtime worker pool initializing\","
      "\"event\":\"runtime_worker_pool_initializing\",\"worker_count\": 8,"
      "\"execution_environment_max_concurrency\": 8}}");
  ASSERT_TRUE(rust);
  EXPECT_EQ(rust->workers, 8u);
  const auto text = find_worker_pool_report(
      "inflight::lambda: DEBUG runtime_worker_pool_initializing workerCount=2 "
      "executionEnvironmentMaxConcurrency=128");
  ASSERT_TRUE(text);
  EXPECT_EQ(text->workers, 2u);
  EXPECT_EQ(text->max_concurrency, 128u);
}

TEST(WorkerPoolEvent, NoneWithoutTheEventOrACount) {
  EXPECT_FALSE(find_worker_pool_report("workerCount=4\n"));
  EXPECT_FALSE(find_worker_pool_report("runtime_worker_pool_initializing, no count\n"));
  EXPECT_FALSE(find_worker_pool_report(""));
}

}  // namespace
