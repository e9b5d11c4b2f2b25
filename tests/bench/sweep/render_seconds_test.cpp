// The per-second series as JSON counters, CSV rows and an SVG chart.
#include "sweep/render_seconds.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace {

using namespace inflight::bench;
using ::testing::HasSubstr;

point_row ramp_row() {
  point_row row;
  row.name = "fiber/open/io:2ms/cpu:0/rate:100..300:2s/per_vcpu:4";
  row.model = "fiber";
  row.per_vcpu = 4;
  row.seconds = {{0, 1, 150, 149, 0, 149, 0, 2050, 2400}, {1, 1, 250, 260, 12, 247, 1, 2060, 2900}};
  return row;
}

TEST(RenderSeconds, CountersNameTheSecondAndTheFigure) {
  const auto c = second_counters(ramp_row());
  EXPECT_EQ(c.size(), 14u);
  EXPECT_DOUBLE_EQ(c.at("sec0000_offered_per_s"), 150);
  EXPECT_DOUBLE_EQ(c.at("sec0001_throttled"), 12);
  EXPECT_DOUBLE_EQ(c.at("sec0001_failed"), 1);
  EXPECT_DOUBLE_EQ(c.at("sec0001_p99_us"), 2900);
  for (const auto& [name, value] : c) EXPECT_TRUE(is_second_counter(name)) << name;
  EXPECT_FALSE(is_second_counter("p99_us"));
  EXPECT_FALSE(is_second_counter("seconds"));
  EXPECT_TRUE(second_counters(point_row{}).empty()) << "a closed-loop row has none";
}

TEST(RenderSeconds, TheCsvHasARowPerSecond) {
  std::ostringstream out;
  write_seconds_csv_header(out);
  write_seconds_csv_rows(out, ramp_row());
  EXPECT_EQ(out.str(),
            "name,second,length_s,offered_per_s,arrivals,throttled,completed,failed,p50_us,p99_us\n"
            "fiber/open/io:2ms/cpu:0/rate:100..300:2s/per_vcpu:4,0,1.000,150.0,149,0,149,0,2050.0,"
            "2400.0\n"
            "fiber/open/io:2ms/cpu:0/rate:100..300:2s/per_vcpu:4,1,1.000,250.0,260,12,247,1,2060.0,"
            "2900.0\n");
}

TEST(RenderSeconds, TheSvgChartsRatesAndP99OverTheSeconds) {
  const std::string svg = seconds_svg("open/rate:100..300:2s", {ramp_row()});
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_EQ(svg.find("<?xml", 1), std::string::npos) << "one document, the charts inside it";
  EXPECT_THAT(svg, HasSubstr("invocations per second"));
  EXPECT_THAT(svg, HasSubstr("p99 by second of arrival"));
  EXPECT_THAT(svg, HasSubstr("data-label=\"offered/s (the schedule)\""));
  EXPECT_THAT(svg, HasSubstr("data-label=\"fiber per_vcpu:4 throttled/s\""));
  EXPECT_THAT(svg, HasSubstr("data-label=\"fiber per_vcpu:4 p99\""));
  EXPECT_THAT(svg, HasSubstr("seconds into the window"));
}

}  // namespace
