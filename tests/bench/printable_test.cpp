// Text from a runtime or a command line made safe to print (support/printable.hpp).
#include "support/printable.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using inflight::bench::printable;

TEST(Printable, KeepsPrintableUtf8) {
  EXPECT_EQ(printable("Runtime.Error"), "Runtime.Error");
  EXPECT_EQ(printable("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
}

TEST(Printable, EscapesControlCharactersAndBrokenUtf8) {
  EXPECT_EQ(printable("\x1b[31mred\n\t\r"), "\\x1b[31mred\\n\\t\\r");
  EXPECT_EQ(printable(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(printable("\x7f"), "\\x7f");
  EXPECT_EQ(printable("\xc2\x85"), "\\xc2\\x85");           // C1 control (NEL)
  EXPECT_EQ(printable("\xc3"), "\\xc3");                    // cut short
  EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf");           // overlong
  EXPECT_EQ(printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // surrogate
  EXPECT_EQ(printable("\xff"), "\\xff");
}

}  // namespace
