// The inflight_compare program: every error path is one line and exit 2, and two real sweeps go
// through end to end.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "compare/analysis.hpp"
#include "compare/load.hpp"
#include "compare/options.hpp"
#include "inflight/topology.hpp"
#include "support/sweep_files.hpp"

namespace {

using namespace inflight::bench::compare;
using ::testing::HasSubstr;
using ::testing::Not;
using CompareFiles = inflight::test::CompareFiles;
namespace fs = std::filesystem;

TEST_F(CompareFiles, ErrorsAreOneLineAndExitTwo) {
  const auto good = sweep("good.json", 1, {1, 2});
  const auto other = sweep("other.json", 1, {4, 8});
  struct error_case {
    std::string args, message;
  };
  const std::vector<error_case> cases = {
      {write("bad.json", "{\"context\": "),
       "inflight_compare: " + (dir_ / "bad.json").string() + ": not valid JSON: "},
      {write("foreign.json", "{\"context\": {}, \"benchmarks\": []}"),
       "inflight_compare: " + (dir_ / "foreign.json").string() +
           ": not an inflight_sweep JSON file (no context.inflight_version or no benchmarks); "
           "write "
           "one with inflight_sweep --benchmark_out=FILE"},
      {good + " " + other,
       "inflight_compare: no point is common to all 2 files (" + good + " has 2, " + other +
           " has 2); points match by model, load profile and per-vCPU concurrency"},
      {(dir_ / "missing.json").string(), "inflight_compare: " + (dir_ / "missing.json").string() +
                                             ": cannot read: No such file or directory"},
      {"", "inflight_compare: no input: give one or more inflight_sweep JSON files; see --help"},
      {good + " --format=xml", "inflight_compare: --format=xml: unknown format; valid: table, md"},
      {good + " --target_rps=-5",
       "inflight_compare: --target_rps=-5: valid range is above 0 up to 1e12"},
      {good + " --p99_budget=5",
       "inflight_compare: --p99_budget: '5' is invalid; valid: a number with a unit ns, us, ms or "
       "s, from 0 to 1000000000s (e.g. 200us, 1.5ms)"},
      {good + " --label=A,B",
       "inflight_compare: --label: 2 labels for 1 files; give one per file, in order"},
      {good + " --colour=red", "inflight_compare: unknown flag '--colour'; see --help"},
  };
  for (const auto& c : cases) {
    const auto r = run(c.args);
    EXPECT_EQ(r.status, 2) << c.args;
    EXPECT_THAT(r.err, ::testing::StartsWith(c.message)) << c.args;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

TEST_F(CompareFiles, EndToEndOnTwoRealSweeps) {
  const std::size_t wide = std::min<std::size_t>(2, inflight::detect_vcpus().count);
  std::vector<std::string> files;
  for (std::size_t v : {std::size_t{1}, wide}) {
    const auto path = (dir_ / ("v" + std::to_string(v) + ".json")).string();
    const int raw =
        std::system((std::string(INFLIGHT_SWEEP) + " --vcpus=" + std::to_string(v) +
                     " --per_vcpu=1,4,16 --duration=200ms --warmup=50ms --benchmark_out=" + path +
                     " --benchmark_out_format=json >/dev/null 2>&1")
                        .c_str());
    ASSERT_EQ(WEXITSTATUS(raw), 0);
    files.push_back(path);
  }
  // A budget no loaded machine can miss: the recommendation's reasoning is tested on hand-made
  // curves; here only that real files go through end to end. On a loaded machine the sweep may
  // flag points for interference and compare then declines to recommend (exit 1), saying why.
  const auto r =
      run(files[0] + " " + files[1] + " --p99_budget=60s --svg=" + (dir_ / "e2e").string());
  ASSERT_TRUE(r.status == 0 || r.status == 1) << r.err;
  EXPECT_THAT(r.out, HasSubstr(", 1 vCPU,"));
  EXPECT_THAT(r.out, HasSubstr(", " + std::to_string(wide) + " vCPU,"));
  if (r.status == 0) {
    EXPECT_THAT(r.out, HasSubstr("recommend per_vCPU"));
  } else {
    EXPECT_THAT(r.out, HasSubstr("no recommendation: too few clean points"));
  }
  EXPECT_TRUE(fs::exists(dir_ / "e2e-throughput.svg"));
}

TEST_F(CompareFiles, FilesOfAnotherFormatAreRefusedNamingTheirVersion) {
  auto doc = nlohmann::json::parse(slurp(sweep("v.json", 1, {1, 2})));
  doc["context"].erase("inflight_format");
  doc["context"]["inflight_version"] = "0.1.0";
  const auto old = write("old.json", doc.dump());
  const auto r = run(old);
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "inflight_compare: " + old +
                       ": written by inflight 0.1.0 in format 1; this inflight_compare reads "
                       "format 2 (format 1's cpu_util counted the whole process and it has no "
                       "interference counters): rerun inflight_sweep\n");
}

TEST_F(CompareFiles, FlaggedPointsAreLeftOutAndAMissedBudgetExitsOne) {
  auto doc = nlohmann::json::parse(slurp(sweep("f.json", 1, {1, 2, 4, 8})));
  doc["benchmarks"][3]["interference"] = 1;
  doc["benchmarks"][3]["label"] = "interference: other processes used 40.0% of the vCPUs";
  const auto path = write("f.json", doc.dump());
  const auto ok = run(path);
  EXPECT_EQ(ok.status, 0) << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("left out, flagged by the sweep: per_vCPU 8: interference: other "
                                "processes used 40.0% of the vCPUs"));
  EXPECT_THAT(ok.out, HasSubstr("recommend per_vCPU 4"));
  const auto missed = run(path + " --p99_budget=1ms");
  EXPECT_EQ(missed.status, 1) << "no cap meets a 1 ms budget: a CI gate fails";
  EXPECT_THAT(missed.out, HasSubstr("no recommendation"));
  for (int i = 0; i < 3; ++i) doc["benchmarks"][i]["interference"] = 1;
  const auto all = run(write("all.json", doc.dump()));
  EXPECT_EQ(all.status, 1);
  EXPECT_THAT(all.out, HasSubstr("no recommendation: too few clean points: 0 of 4 measured "
                                 "without interference"));
  // The user may accept flagged points: they are used, and everything resting on them is marked.
  const auto taken = run(write("all.json", doc.dump()) + " --include_flagged");
  EXPECT_EQ(taken.status, 0) << taken.err;
  EXPECT_THAT(taken.out, HasSubstr("~ included (--include_flagged), flagged by the sweep: "
                                   "per_vCPU 8: interference: other processes used 40.0%"));
  EXPECT_THAT(taken.out, HasSubstr("~ recommend per_vCPU"));
  EXPECT_THAT(taken.out, HasSubstr("(from points the sweep flagged for interference"));
}

// A percentile the point's samples cannot back is n/a in the table, as the sweep shows it.
TEST_F(CompareFiles, APercentileWithTooFewSamplesIsNotShown) {
  auto doc = nlohmann::json::parse(slurp(sweep("s.json", 1, {1, 2})));
  doc["benchmarks"][0]["samples"] = 15;   // p50 needs 20
  doc["benchmarks"][1]["samples"] = 500;  // p99 needs 1000
  const auto r = run(write("s.json", doc.dump()));
  EXPECT_EQ(r.status, 1) << "no p50 at per_vCPU 1: no budget to derive";
  std::istringstream lines(r.out);
  std::vector<std::string> rows;
  for (std::string line; std::getline(lines, line);) {
    if (line.find(" A ") != std::string::npos) rows.push_back(line);
  }
  ASSERT_EQ(rows.size(), 2u) << r.out;
  EXPECT_THAT(rows[0], HasSubstr("n/a      n/a")) << "neither p50 nor p99 at 15 samples";
  EXPECT_THAT(rows[1], Not(HasSubstr("n/a      n/a")));
  EXPECT_THAT(rows[1], HasSubstr("n/a")) << "p99 at 500 samples";
}

TEST_F(CompareFiles, ACpuTargetCapsTheRecommendation) {
  auto doc = nlohmann::json::parse(slurp(sweep("c.json", 1, {1, 2, 4, 8})));
  const double cpu[] = {0.2, 0.4, 0.8, 0.95};
  for (int i = 0; i < 4; ++i) doc["benchmarks"][i]["cpu_util"] = cpu[i];
  const auto path = write("c.json", doc.dump());
  EXPECT_THAT(run(path).out, HasSubstr("recommend per_vCPU 8"));
  const auto r = run(path + " --cpu_target=70 --target_rps=20000");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("recommend per_vCPU 2 -> PerExecutionEnvironmentMaxConcurrency 2"));
  EXPECT_THAT(r.out, HasSubstr("CPU 40% within the 70% target"));
  EXPECT_THAT(r.out, HasSubstr("higher caps would run the CPU above 70%"));
  EXPECT_EQ(run(path + " --cpu_target=0").status, 2);
  EXPECT_EQ(run(path + " --cpu_target=101").status, 2);
}

TEST_F(CompareFiles, MatchPerVcpuPairsARealRuntimeWithItsModel) {
  const auto model = sweep("model.json", 1, {1, 2, 4, 8}, "nodejs");
  const auto real = sweep("real.json", 1, {1, 2, 4, 8}, "exec:ric");
  const auto by_point = run(model + " " + real);
  EXPECT_EQ(by_point.status, 2) << "by default different models never pair";
  EXPECT_THAT(by_point.err, HasSubstr("no point is common to all 2 files"));
  EXPECT_THAT(by_point.err, HasSubstr("--match=per_vcpu"));
  const auto r = run(model + " " + real + " --match=per_vcpu --label=nodejs,ric");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("*  closed/io:2ms/cpu:0"));
  EXPECT_THAT(r.out, HasSubstr("[A] nodejs"));
  EXPECT_THAT(r.out, HasSubstr("[B] ric"));
  EXPECT_EQ(run(model + " --match=model").status, 2);
  EXPECT_EQ(run(model + " --memory_per_vcpu=64").status, 2);
}

TEST_F(CompareFiles, ACapWhoseMemoryExceedsTheEnvironmentIsNeverRecommended) {
  auto doc = nlohmann::json::parse(slurp(sweep("m.json", 1, {1, 2, 4, 8}, "exec:ric")));
  const double rss[] = {300, 600, 1200, 2400};
  for (int i = 0; i < 4; ++i) doc["benchmarks"][i]["rss_peak_mb"] = rss[i];
  const auto path = write("m.json", doc.dump());
  EXPECT_THAT(run(path).out, HasSubstr("recommend per_vCPU 4"));
  EXPECT_THAT(run(path).out, HasSubstr("higher caps would need more than the 2048 MB of memory"));
  EXPECT_THAT(run(path + " --memory_per_vcpu=4096").out, HasSubstr("recommend per_vCPU 8"));
}

TEST_F(CompareFiles, TooFewSamplesForP99FallBackToTheHighestBackedPercentile) {
  auto doc = nlohmann::json::parse(slurp(sweep("s.json", 1, {1, 2, 4})));
  for (auto& b : doc["benchmarks"]) b["samples"] = 500;  // enough for p90, not p99
  const auto r = run(write("s.json", doc.dump()));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("p90 (500 samples: too few for p99) 2.070 ms is within"));
}

}  // namespace
