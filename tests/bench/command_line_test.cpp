// --exec's command line: shell-like quoting without a shell.
#include "runtime_api/command_line.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace {

using inflight::bench::runtime_api::split_command;
using ::testing::ElementsAre;

TEST(CommandLine, SplitsOnBlanksAndKeepsQuotedTextWhole) {
  EXPECT_THAT(split_command("node  index.mjs\targ"), ElementsAre("node", "index.mjs", "arg"));
  EXPECT_THAT(split_command("a 'b c' \"d e\" f\\ g"), ElementsAre("a", "b c", "d e", "f g"));
  EXPECT_THAT(split_command("x'y'\"z\""), ElementsAre("xyz"));
  EXPECT_THAT(split_command("a '' b"), ElementsAre("a", "", "b"));
}

TEST(CommandLine, ExpandsNothingAShellWould) {
  EXPECT_THAT(split_command("echo $HOME *.js ; rm -rf / | cat"),
              ElementsAre("echo", "$HOME", "*.js", ";", "rm", "-rf", "/", "|", "cat"));
  EXPECT_THAT(split_command(R"(a "\"q\" \$x \\ \n")"), ElementsAre(R"(a)", R"("q" $x \ \n)"));
  EXPECT_THAT(split_command("'\\'"), ElementsAre("\\")) << "single quotes keep backslashes";
}

TEST(CommandLine, RefusesWhatCannotBeSplit) {
  for (const char* bad : {"", "   ", "a 'b", "a \"b", "a\\"}) {
    EXPECT_THROW(split_command(bad), std::invalid_argument) << bad;
  }
}

}  // namespace
