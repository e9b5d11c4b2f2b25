// The renderers: well-formed SVG with one series per file and finite axes, Markdown and CSV.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "compare/analysis.hpp"
#include "compare/load.hpp"
#include "compare/options.hpp"
#include "compare/render_csv.hpp"
#include "compare/render_svg.hpp"
#include "compare/render_text.hpp"
#include "support/sweep_files.hpp"

namespace {

using namespace inflight::bench::compare;
using ::testing::HasSubstr;
using CompareFiles = inflight::test::CompareFiles;
namespace fs = std::filesystem;

// Well-formed enough for any XML parser: one root, every element closed in order, attributes
// quoted, no stray '<' or '&'.
bool well_formed(const std::string& xml, std::string& why) {
  std::vector<std::string> open;
  std::size_t i = xml.find("<svg");
  if (xml.rfind("<?xml", 0) != 0 || i == std::string::npos) {
    why = "no XML declaration or no <svg>";
    return false;
  }
  while (i < xml.size()) {
    if (xml[i] == '&') {
      const auto semi = xml.find(';', i);
      const std::string entity = xml.substr(i, semi - i + 1);
      if (entity != "&amp;" && entity != "&lt;" && entity != "&gt;" && entity != "&quot;") {
        why = "bad entity " + entity;
        return false;
      }
    }
    if (xml[i] != '<') {
      ++i;
      continue;
    }
    const auto end = xml.find('>', i);
    if (end == std::string::npos) {
      why = "unclosed tag";
      return false;
    }
    std::string tag = xml.substr(i + 1, end - i - 1);
    if (std::count(tag.begin(), tag.end(), '"') % 2 != 0 || tag.find('<') != std::string::npos) {
      why = "bad attributes in <" + tag + ">";
      return false;
    }
    if (tag.front() == '/') {
      if (open.empty() || open.back() != tag.substr(1)) {
        why = "</" + tag.substr(1) + "> closes " + (open.empty() ? "nothing" : open.back());
        return false;
      }
      open.pop_back();
    } else if (tag.back() != '/') {
      open.push_back(tag.substr(0, tag.find_first_of(" \n")));
    }
    i = end + 1;
  }
  if (!open.empty()) why = "<" + open.back() + "> never closed";
  return open.empty();
}

TEST_F(CompareFiles, SvgChartsAreWellFormedWithOneSeriesPerFile) {
  const auto a = sweep("a.json", 1, {1, 2, 4, 8, 16});
  const auto b = sweep("b.json", 2, {1, 2, 4, 8, 16});
  const auto c = sweep("c.json", 4, {1, 2, 4, 8, 16});
  const auto prefix = (dir_ / "chart").string();
  const auto r = run(a + " " + b + " " + c + " --label=small,\"R&D <box>\",large --svg=" + prefix);
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* which : {"-throughput.svg", "-p99.svg"}) {
    const auto svg = slurp(prefix + which);
    std::string why;
    EXPECT_TRUE(well_formed(svg, why)) << which << ": " << why;
    std::size_t series = 0;
    for (auto at = svg.find("class=\"series\""); at != std::string::npos;
         at = svg.find("class=\"series\"", at + 1)) {
      ++series;
    }
    EXPECT_EQ(series, 3u) << which;
    EXPECT_THAT(svg, HasSubstr("R&amp;D &lt;box&gt;"));
    EXPECT_THAT(svg, HasSubstr("log2 scale"));
  }
  EXPECT_THAT(slurp(prefix + "-throughput.svg"), HasSubstr("Little's-law ideal"));
  EXPECT_THAT(slurp(prefix + "-throughput.svg"), HasSubstr("USL fit"));
}

TEST_F(CompareFiles, MarkdownAndCsv) {
  const auto a = sweep("a.json", 1, {1, 2, 4});
  const auto b = sweep("b.json", 2, {1, 2, 4});
  const auto csv = (dir_ / "out.csv").string();
  const auto r = run(a + " " + b + " --format=md --csv=" + csv + " --target_rps=5000");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("| per_vCPU | file | throughput/s"));
  EXPECT_THAT(r.out, HasSubstr("execution environments"));
  const auto text = slurp(csv);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1 + 3 * 2);
}

}  // namespace
