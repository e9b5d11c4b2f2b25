// Loading sweep files: point matching, problems that are listed not fatal, and every wrong shape or
// out-of-range value the attack found.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "compare/analysis.hpp"
#include "compare/load.hpp"
#include "compare/options.hpp"
#include "compare/render_svg.hpp"
#include "compare/render_text.hpp"
#include "support/sweep_files.hpp"

namespace {

using namespace inflight::bench::compare;
using ::testing::HasSubstr;
using CompareFiles = inflight::test::CompareFiles;
namespace fs = std::filesystem;

TEST_F(CompareFiles, MatchesPointsAndListsTheUnmatched) {
  const auto a = sweep("a.json", 1, {1, 2, 4, 8});
  const auto b = sweep("b.json", 2, {2, 4, 8, 16});
  compare_options o;
  const auto c = build_comparison({load_sweep(a), load_sweep(b)}, o);
  ASSERT_EQ(c.common.size(), 3u);
  EXPECT_EQ(c.common.front().per_vcpu, 2u);
  ASSERT_EQ(c.unmatched.size(), 2u);
  EXPECT_EQ(c.unmatched[0].first, 0u);
  EXPECT_EQ(c.unmatched[0].second.per_vcpu, 1u);
  EXPECT_EQ(c.unmatched[1].first, 1u);
  EXPECT_EQ(c.unmatched[1].second.per_vcpu, 16u);
  const auto text = render_report(c, o);
  EXPECT_THAT(text, HasSubstr("only in A: fiber/closed/io:2ms/cpu:0/per_vcpu:1"));
  EXPECT_THAT(text, HasSubstr("only in B: fiber/closed/io:2ms/cpu:0/per_vcpu:16"));
  EXPECT_THAT(text, HasSubstr("[A] Test CPU, 1 vCPU, x86_64"));
  EXPECT_THAT(text, HasSubstr("x1.000"));  // equal throughput per vCPU
}

TEST_F(CompareFiles, MissingAndNonFiniteCountersAreReportedNotFatal) {
  auto doc = nlohmann::json::parse(slurp(sweep("a.json", 1, {1, 2, 4})));
  doc["benchmarks"][1].erase("p99_us");
  std::string text = doc.dump();
  // Google Benchmark writes NaN for CV aggregates; that must not break reading.
  const auto at = text.find("\"cpu_util\":0.02");
  text.replace(at, 15, "\"cpu_util\":NaN");
  const auto f = load_sweep(write("nan.json", text));
  ASSERT_EQ(f.points.size(), 3u);
  EXPECT_THAT(f.problems, ::testing::Contains(HasSubstr("counter p99_us is missing")));
  EXPECT_THAT(f.problems, ::testing::Contains(HasSubstr("counter cpu_util is not a number")));
  const auto r = run(write("nan.json", text));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("n/a"));
}

TEST_F(CompareFiles, CountersOnlySomePointsHaveAreReadWhenThereAndReportedWhenWrong) {
  auto doc = nlohmann::json::parse(slurp(sweep("a.json", 1, {1, 2, 4})));
  doc["benchmarks"][0]["leaks"] = 3;
  doc["benchmarks"][0]["rss_peak_mb"] = 150.5;
  doc["benchmarks"][1]["leaks"] = -1;
  doc["benchmarks"][2]["rss_peak_mb"] = "big";
  const auto f = load_sweep(write("optional.json", doc.dump()));
  ASSERT_EQ(f.points.size(), 3u);
  EXPECT_EQ(f.points.begin()->second.value("leaks"), 3);
  EXPECT_EQ(f.points.begin()->second.value("rss_peak_mb"), 150.5);
  EXPECT_THAT(f.problems,
              ::testing::Contains(HasSubstr("counter leaks is not a number in 0..1e+15")));
  EXPECT_THAT(f.problems,
              ::testing::Contains(HasSubstr("counter rss_peak_mb is not a number in 0..1e+09")));
  EXPECT_EQ(f.problems.size(), 2u) << "a counter a point does not have is no problem";
}

// ---- files of the wrong shape (issue "Nothing crashes, hangs, orphans or lies") ---------------

// Each mutation keeps the JSON well formed but gives it the wrong shape or a value out of range;
// reading lists a problem and goes on, never throws anything but compare_error.
TEST_F(CompareFiles, WrongShapesAreProblemsNotCrashes) {
  const auto base = nlohmann::json::parse(slurp(sweep("base.json", 1, {1, 2, 4})));
  struct mutation {
    const char* what;
    void (*apply)(nlohmann::json&);
    const char* problem;
  };
  const std::vector<mutation> mutations = {
      {"an entry that is a number", [](nlohmann::json& d) { d["benchmarks"][0] = 1; },
       "benchmarks[0] is not an object"},
      {"a null entry", [](nlohmann::json& d) { d["benchmarks"][0] = nullptr; },
       "benchmarks[0] is not an object"},
      {"an array entry", [](nlohmann::json& d) { d["benchmarks"][0] = nlohmann::json::array(); },
       "benchmarks[0] is not an object"},
      {"a numeric name", [](nlohmann::json& d) { d["benchmarks"][0]["name"] = 5; },
       "is not a string"},
      {"a numeric run_name", [](nlohmann::json& d) { d["benchmarks"][0]["run_name"] = 5; },
       "is not a string"},
      {"an object run_type",
       [](nlohmann::json& d) { d["benchmarks"][0]["run_type"] = nlohmann::json::object(); },
       "is not a string"},
      {"a numeric error_message",
       [](nlohmann::json& d) { d["benchmarks"][0]["error_message"] = 1; }, "is not a string"},
      {"a string error_occurred",
       [](nlohmann::json& d) { d["benchmarks"][0]["error_occurred"] = "yes"; },
       "error_occurred not a boolean"},
      {"a huge per_vcpu",
       [](nlohmann::json& d) {
         d["benchmarks"][0]["run_name"] =
             "fiber/closed/io:2ms/cpu:0/per_vcpu:99999999999999999999999";
       },
       "is not an inflight_sweep point"},
      {"per_vcpu 0",
       [](nlohmann::json& d) {
         d["benchmarks"][0]["run_name"] = "fiber/closed/io:2ms/cpu:0/per_vcpu:0";
       },
       "is not an inflight_sweep point"},
      {"an infinite-looking throughput",
       [](nlohmann::json& d) { d["benchmarks"][0]["throughput"] = 1.7e308; },
       "counter throughput is 1.7e+308; valid range is 0..1e+09"},
      {"a negative p99", [](nlohmann::json& d) { d["benchmarks"][0]["p99_us"] = -1; },
       "counter p99_us is -1; valid range is 0..3.6e+09"},
  };
  for (const auto& m : mutations) {
    auto doc = base;
    m.apply(doc);
    const auto path = write("m.json", doc.dump());
    sweep_file f;
    ASSERT_NO_THROW(f = load_sweep(path)) << m.what;
    EXPECT_THAT(f.problems, ::testing::Contains(HasSubstr(m.problem))) << m.what;
    const auto r = run(path + " --svg=" + (dir_ / "m").string());
    EXPECT_EQ(r.status, 0) << m.what << ": " << r.err;
    for (const auto& [key, point] : f.points) EXPECT_GE(key.per_vcpu, 1u) << m.what;
  }
}

TEST_F(CompareFiles, NonsenseContextValuesAreRefused) {
  auto doc = nlohmann::json::parse(slurp(sweep("base.json", 1, {1, 2})));
  for (const char* vcpus : {"-1", "0", "4097", "99999999999999999999", "2x", ""}) {
    doc["context"]["vcpus"] = vcpus;
    const auto path = write("v.json", doc.dump());
    const auto r = run(path);
    EXPECT_EQ(r.status, 2) << vcpus;
    EXPECT_EQ(r.err, "inflight_compare: " + path + ": context.vcpus is '" + vcpus +
                         "'; valid range is 1..4096\n");
  }
}

TEST_F(CompareFiles, DeeplyNestedContextValuesAreSkippedNotDumped) {
  auto text = slurp(sweep("base.json", 1, {1, 2}));
  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  text.replace(text.find("\"arch\""), 0, "\"deep\": " + deep + ", ");
  const auto path = write("deep.json", text);
  sweep_file f;
  ASSERT_NO_THROW(f = load_sweep(path));
  EXPECT_EQ(f.context.count("deep"), 0u);
  EXPECT_EQ(run(path).status, 0);
}

}  // namespace
