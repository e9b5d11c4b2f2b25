// The flag table drives the parser, --help and the range in every "needs a value" line, and
// bench/README.md's flag table is the table.
#include "sweep/flag_table.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/markdown_table.hpp"
#include "sweep/parse.hpp"

namespace {

using namespace inflight::bench;
using ::testing::HasSubstr;

// The rows of the table under "### inflight_sweep's flags" in bench/README.md, cell by cell.
std::vector<std::vector<std::string>> readme_flag_rows() {
  return inflight::test::markdown_rows("bench/README.md", "### inflight_sweep's flags", "| `--");
}

std::string one_line_help(const std::string& help) {
  std::string out;
  for (char c : help) out += c == '\n' ? ' ' : c;
  return out;
}

TEST(FlagTable, TheReadmeTableIsTheTable) {
  const auto rows = readme_flag_rows();
  const auto flags = sweep_flags();
  ASSERT_EQ(rows.size(), flags.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    ASSERT_GE(rows[i].size(), 3u);
    EXPECT_EQ(rows[i][0], "`" + flag_usage(flags[i]) + "`");
    EXPECT_EQ(rows[i][1], flags[i].range) << flags[i].name;
    EXPECT_EQ(rows[i][2], one_line_help(flags[i].help)) << flags[i].name;
  }
}

TEST(FlagTable, HelpShowsEveryFlagWithItsText) {
  const std::string help = sweep_help();
  for (const auto& f : sweep_flags()) {
    EXPECT_THAT(help, HasSubstr("  " + flag_usage(f))) << f.name;
    const std::string first_line = f.help.substr(0, f.help.find('\n'));
    EXPECT_THAT(help, HasSubstr(first_line)) << f.name;
  }
}

// Every flag of the table is one the parser knows, and an empty value quotes its range.
TEST(FlagTable, TheParserKnowsEveryFlagAndQuotesItsRange) {
  const inflight::vcpu_info two{2, "affinity", {0, 1}};
  for (const auto& f : sweep_flags()) {
    if (f.value.empty()) {
      EXPECT_TRUE(parse_sweep_options({"--" + f.name}, two).strict) << f.name;
      continue;
    }
    try {
      parse_sweep_options({"--" + f.name + "="}, two);
      ADD_FAILURE() << "--" << f.name << "= accepted";
    } catch (const usage_error& e) {
      EXPECT_EQ(e.what(), "--" + f.name + "=: needs a value; valid: " + flag_range(f.name, 2));
    }
  }
  EXPECT_EQ(flag_range("vcpus", 2), "1..2");
  EXPECT_EQ(flag_range("duration", 2), "10ms..1h");
}

}  // namespace
