// The SVG line chart both programs draw: finite whatever it is given, on a log2 or linear x-axis.
#include "support/line_chart.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace {

using namespace inflight::bench;
using ::testing::HasSubstr;
using ::testing::Not;

// Before range checks, per_vcpu 0 made the USL curve loop forever and 1.7e308 made the axis
// infinite; the chart code also stays finite on its own.
TEST(LineChart, StaysFiniteOnExtremeValues) {
  for (double y : {1.7e308, 4.9e-324, 0.0}) {
    chart_series s{"s", {{1, y}, {2, y}, {4, y}}, "#000", "", true};
    EXPECT_LT(line_chart_svg("t", "x", "y", {s}).size(), 100'000u);
    EXPECT_LT(line_chart_svg("t", "x", "y", {s}, {}, x_axis::linear).size(), 100'000u);
  }
  chart_series zero{"z", {{0, 1}, {1, 2}}, "#000", "", true};
  EXPECT_LT(line_chart_svg("t", "x", "y", {zero}).size(), 100'000u);
  chart_series huge{"h", {{1e300, 1}}, "#000", "", true};
  EXPECT_LT(line_chart_svg("t", "x", "y", {huge}, {}, x_axis::linear).size(), 100'000u);
}

// A tick label sits 18 px under the plot, centred on its x.
std::string x_tick(const std::string& label) {
  return "text-anchor=\"middle\">" + label + "</text>";
}

TEST(LineChart, TheLog2AxisTicksPowersOfTwoAndTheLinearOneRoundSteps) {
  chart_series s{"s", {{1, 1}, {8, 2}}, "#000", "", true};
  const auto log2 = line_chart_svg("t", "x", "y", {s});
  EXPECT_THAT(log2, HasSubstr(x_tick("4")));
  EXPECT_THAT(log2, Not(HasSubstr(x_tick("6"))));
  chart_series t{"s", {{0.5, 1}, {29.5, 2}}, "#000", "", true};
  const auto linear = line_chart_svg("t", "x", "y", {t}, {}, x_axis::linear);
  EXPECT_THAT(linear, HasSubstr(x_tick("0")));
  EXPECT_THAT(linear, HasSubstr(x_tick("10")));
  EXPECT_THAT(linear, HasSubstr(x_tick("30")));
  EXPECT_THAT(linear, Not(HasSubstr(x_tick("32"))));
}

}  // namespace
