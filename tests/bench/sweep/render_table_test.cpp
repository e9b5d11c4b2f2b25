// The end-of-sweep table: columns that hold whatever the subjects are called, and a legend that
// explains only what the table shows.
#include "sweep/render_table.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "support/sweep_plans.hpp"

namespace {

using namespace inflight::bench;
using inflight::test::run_of;
using inflight::test::short_options;
using ::testing::HasSubstr;
using ::testing::Not;

point_row row_of(const std::string& subject, std::size_t per_vcpu, bool exec) {
  point_row r;
  r.name = subject + "/closed/per_vcpu:" + std::to_string(per_vcpu);
  r.model = subject;
  r.per_vcpu = per_vcpu;
  r.in_flight = 2 * per_vcpu;
  r.throughput = 1000;
  r.samples = 5000;
  r.littles_law_check = 1;
  r.exec = exec;
  return r;
}

// The lines of `table` that start with `prefix`.
std::vector<std::string> lines_starting(const std::string& table, const std::string& prefix) {
  std::vector<std::string> out;
  std::istringstream in(table);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) == 0) out.push_back(line);
  }
  return out;
}

TEST(SweepTable, AWideLabelWidensTheColumnInsteadOfShiftingTheRow) {
  auto d = run_of(short_options(2));
  d.nominal = false;
  const std::string label = "exec:" + std::string(40, 'x');
  const auto table =
      format_table(d, {row_of(label, 1, true), row_of(label, 64, true)}, inflight::timer_floor{});
  const auto header = lines_starting(table, "model");
  const auto rows = lines_starting(table, label);
  ASSERT_EQ(header.size(), 1u);
  ASSERT_GE(rows.size(), 2u);
  const auto at = header[0].find("throughput/s");
  ASSERT_NE(at, std::string::npos);
  // Each row's throughput ends where the header's column does.
  const std::size_t end = at + std::string("throughput/s").size();
  for (const auto& r : {rows[0], rows[1]}) {
    EXPECT_EQ(r.substr(end - 6, 6), "1000.0") << r;
  }
}

TEST(SweepTable, AnExecTableCarriesNoModelLegend) {
  auto d = run_of(short_options(2));
  d.nominal = false;
  auto r = row_of("exec:rt", 1, true);
  r.interference = "steal 5.0%";
  const auto table = format_table(d, {r}, inflight::timer_floor{});
  EXPECT_THAT(table, Not(HasSubstr("default PerExecutionEnvironmentMaxConcurrency")));
  EXPECT_THAT(table, Not(HasSubstr("The models run the handler")));
  EXPECT_THAT(table, Not(HasSubstr("model's threads")));
  EXPECT_THAT(table, HasSubstr("CPU% counts the runtime's processes only"));
  EXPECT_THAT(table, HasSubstr("The runtime at each exec point"));
  EXPECT_THAT(table, HasSubstr("from each invocation's availability to its response"));
  EXPECT_THAT(table, Not(HasSubstr("from start to completion")));
}

TEST(SweepTable, TheDefaultCapIsMarkedAndExplainedWhereItIsShown) {
  const auto d = run_of(short_options(2));
  auto r = row_of("nodejs", 64, false);
  r.default_cap = true;
  const auto table = format_table(d, {r}, inflight::timer_floor{});
  EXPECT_THAT(table, HasSubstr("      64*"));
  EXPECT_THAT(table, HasSubstr("* the model's default PerExecutionEnvironmentMaxConcurrency"));
  EXPECT_THAT(format_table(d, {row_of("fiber", 1, false)}, inflight::timer_floor{}),
              Not(HasSubstr("* the model's default")));
}

}  // namespace
