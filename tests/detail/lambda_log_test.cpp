// include/inflight/detail/lambda_log.hpp: the C++ runtime's own lines, JSON as on LMI or text,
// and its worker-pool event at DEBUG.
#include "inflight/detail/lambda_log.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace {

using inflight::lambda::detail::json_log_line;
using inflight::lambda::detail::log_settings;
using inflight::lambda::detail::log_timestamp;
using inflight::lambda::detail::logger;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

// What a logger with no sink writes to stderr, with `settings`, after `use` ran.
template <class Use>
std::string stderr_of(log_settings settings, Use use) {
  int p[2];
  EXPECT_EQ(::pipe(p), 0);
  const int saved = ::dup(2);
  ::dup2(p[1], 2);
  {
    logger log({}, settings);
    use(log);
  }  // its writer drains
  ::dup2(saved, 2);
  ::close(saved);
  ::close(p[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(p[0], buf, sizeof buf)) > 0;) out.append(buf, std::size_t(n));
  ::close(p[0]);
  return out;
}

TEST(LambdaLog, TimestampsAsLambdasJsonLogsWriteThem) {
  using namespace std::chrono;
  const system_clock::time_point t{milliseconds(1764598592746)};  // 2025-12-01T14:16:32.746Z
  EXPECT_EQ(log_timestamp(t), "2025-12-01T14:16:32.746Z");
  EXPECT_EQ(json_log_line(t, "WARN", "\"x\""),
            R"({"timestamp":"2025-12-01T14:16:32.746Z","level":"WARN","message":"x"})");
}

TEST(LambdaLog, JsonFormatWritesOneObjectALineWithItsMessageEscaped) {
  const std::string out =
      stderr_of({true, false}, [](logger& log) { log("the \"API\" is gone\n"); });
  ASSERT_EQ(out.size(), 90u) << out;
  EXPECT_THAT(out.substr(0, 14), ::testing::StrEq("{\"timestamp\":\""));
  EXPECT_THAT(out.substr(14, 24), MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}[.][0-9]{3}Z"));
  EXPECT_EQ(out.substr(38), R"(","level":"WARN","message":"the \"API\" is gone\n"})"
                            "\n");
}

TEST(LambdaLog, TextFormatKeepsItsPrefix) {
  EXPECT_EQ(stderr_of({false, false}, [](logger& log) { log("slot failed"); }),
            "inflight::lambda: slot failed\n");
}

TEST(LambdaLog, TheWorkerPoolIsReportedAtDebugOnly) {
  auto pool = [](logger& log) { log.worker_pool(4, 256); };
  EXPECT_EQ(stderr_of({true, false}, pool), "") << "INFO, the default, hides DEBUG";
  EXPECT_THAT(stderr_of({true, true}, pool),
              HasSubstr(R"("level":"DEBUG","message":{"event":"runtime_worker_pool_initializing",)"
                        R"("workerCount":4,"executionEnvironmentMaxConcurrency":256}})"));
  EXPECT_EQ(stderr_of({false, true}, pool),
            "inflight::lambda: DEBUG runtime_worker_pool_initializing workerCount=4 "
            "executionEnvironmentMaxConcurrency=256\n");
}

TEST(LambdaLog, ASinkGetsPlainText) {
  std::vector<std::string> lines;
  logger log([&](std::string_view l) { lines.emplace_back(l); }, {true, true});
  log("gone");
  log.worker_pool(1, 2);
  EXPECT_EQ(lines, (std::vector<std::string>{"gone",
                                             "runtime_worker_pool_initializing workerCount=1 "
                                             "executionEnvironmentMaxConcurrency=2"}));
}

TEST(LambdaLog, SettingsComeFromLambdasVariables) {
  ::setenv("AWS_LAMBDA_LOG_FORMAT", "JSON", 1);
  ::setenv("AWS_LAMBDA_LOG_LEVEL", "debug", 1);
  auto s = log_settings::from_env();
  EXPECT_TRUE(s.json && s.debug);
  ::setenv("AWS_LAMBDA_LOG_FORMAT", "Text", 1);
  ::setenv("AWS_LAMBDA_LOG_LEVEL", "INFO", 1);
  s = log_settings::from_env();
  EXPECT_FALSE(s.json || s.debug);
  ::unsetenv("AWS_LAMBDA_LOG_FORMAT");
  ::unsetenv("AWS_LAMBDA_LOG_LEVEL");
  s = log_settings::from_env();
  EXPECT_FALSE(s.json || s.debug);
}

}  // namespace
