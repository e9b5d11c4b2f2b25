#pragma once
// Bad-input cases and their exact one-line messages, for the flag parsers' tests.

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace inflight::test {

struct invalid_case {
  std::vector<std::string> args;
  std::string message;
};

/// Each case's arguments make `parse` throw `Error` with exactly the case's message.
template <class Error, class Parse>
void expect_usage_errors(const std::vector<invalid_case>& cases, Parse parse) {
  for (const auto& c : cases) {
    try {
      parse(c.args);
      ADD_FAILURE() << "accepted " << ::testing::PrintToString(c.args);
    } catch (const Error& e) {
      EXPECT_EQ(e.what(), c.message);
    }
  }
}

}  // namespace inflight::test
