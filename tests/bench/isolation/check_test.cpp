// bench/isolation/check.hpp: each kind of leak found and counted, and nothing where there is none.
#include "isolation/check.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/isolation_book.hpp"

namespace {

using namespace inflight::bench::isolation;
using inflight::bench::runtime_api::outcome;
using inflight::test::end;
using inflight::test::json_line;
using ::testing::HasSubstr;

// A reference of one event: one "handled" line and {"ok":true} per invocation.
reference one_line_reference() {
  ledger book(inflight::test::test_prefix);
  std::string log;
  for (std::uint64_t n = 1; n <= 3; ++n) {
    end(book, n, 0);
    log += json_line(book, n);
  }
  return make_reference(book, log, 1, false);
}

TEST(Check, FindsNothingWhereInvocationsStayedApart) {
  const reference ref = one_line_reference();
  ledger book(inflight::test::test_prefix);
  std::string log;
  for (std::uint64_t n = 1; n <= 50; ++n) end(book, n, 0);
  for (std::uint64_t n = 50; n >= 1; --n) log += json_line(book, n);  // in any order
  const findings f = check(book, log, &ref, false, no_time);
  EXPECT_TRUE(f.ran);
  EXPECT_EQ(f.invocations, 50u);
  EXPECT_EQ(f.lines_checked, 50u);
  EXPECT_EQ(f.responses_checked, 50u);
  EXPECT_EQ(f.leaks, 0u);
  EXPECT_EQ(f.first_finding(), "");
  EXPECT_EQ(f.partial, "");
}

TEST(Check, ALineUnderAnotherInvocationsIdChangesBothCounts) {
  const reference ref = one_line_reference();
  ledger book(inflight::test::test_prefix);
  for (std::uint64_t n = 1; n <= 4; ++n) end(book, n, 0);
  // 1 wrote its line under 2's id: 1 has none, 2 has two.
  const std::string log =
      json_line(book, 2) + json_line(book, 2) + json_line(book, 3) + json_line(book, 4);
  const findings f = check(book, log, &ref, false, no_time);
  EXPECT_EQ(f.lines_differ, 2u);
  EXPECT_EQ(f.leaks, 2u);
  EXPECT_THAT(f.first_lines_differ, HasSubstr("has 0 lines under its id where the same event "
                                              "had 1 at concurrency 1"));
}

TEST(Check, CountsForeignAndLateLines) {
  const reference ref = one_line_reference();
  ledger book(inflight::test::test_prefix);
  for (std::uint64_t n = 1; n <= 3; ++n) end(book, n, 0);
  const std::string two = "{\"requestId\":\"" + book.ids().id_of(1) + "\",\"xray\":\"Root=1-" +
                          book.ids().id_of(2).substr(0, 8) + "-000000000002000000000000\"}\n";
  const std::string log =
      two + json_line(book, 2) + json_line(book, 3, "handled", "2999-01-01T00:00:00Z");
  const findings f = check(book, log, &ref, false, no_time);
  EXPECT_EQ(f.foreign.lines, 1u);
  EXPECT_EQ(f.late.lines, 1u);
  EXPECT_EQ(f.lines_differ, 1u) << "1's line was nobody's: it has none";
  EXPECT_EQ(f.leaks, 3u) << "1 and 2 by the foreign line, 3 by the late one";
  EXPECT_THAT(f.first_finding(), HasSubstr("a line with another invocation's id"));
}

TEST(Check, AResponseFromModuleStateDiffers) {
  ledger ref_book(inflight::test::test_prefix);
  std::string ref_log;
  for (std::uint64_t n = 1; n <= 4; ++n) {
    end(ref_book, n, (n - 1) % 2, n % 2 ? "{\"user\":\"ann\"}" : "{\"user\":\"bob\"}");
  }
  const reference ref = make_reference(ref_book, ref_log, 2, false);
  ledger book(inflight::test::test_prefix);
  end(book, 1, 0, "{\"user\":\"ann\"}");
  end(book, 2, 1, "{\"user\":\"ann\"}");  // event 2 is bob's
  end(book, 3, 0, "{\"user\":\"" + book.ids().id_of(1) + "\"}");
  const findings f = check(book, "", &ref, false, no_time);
  EXPECT_EQ(f.responses_checked, 3u);
  EXPECT_EQ(f.responses_differ, 2u) << "bob's event answered ann, and one holds 1's id";
  EXPECT_EQ(f.leaks, 2u);
  EXPECT_THAT(f.first_response_differ,
              HasSubstr("is {\"user\":\"ann\"} where the same event got {\"user\":\"bob\"}"));
}

TEST(Check, NamesAnInvocationNeverAnswered) {
  const reference ref = one_line_reference();
  ledger book(inflight::test::test_prefix);
  end(book, 1, 0, "", outcome::timeout);
  const findings f = check(book, "", &ref, false, no_time);
  EXPECT_EQ(f.hung, 1u);
  EXPECT_EQ(f.leaks, 1u);
  EXPECT_THAT(f.first_finding(), HasSubstr(book.ids().id_of(1) + " was never answered"));
}

TEST(Check, SaysWhatItCouldNotCover) {
  ledger book(inflight::test::test_prefix);
  end(book, 1, 0);
  const findings none = check(book, "", nullptr, false, no_time);
  EXPECT_THAT(none.partial, HasSubstr("no reference at concurrency 1"));
  EXPECT_EQ(none.leaks, 0u);
  const reference ref = one_line_reference();
  const findings cut = check(book, json_line(book, 1), &ref, false, book.at(1).ended_ms);
  EXPECT_EQ(cut.lines_checked, 0u);
  EXPECT_THAT(cut.partial, HasSubstr("the log reached its bound"));
  ledger other(inflight::test::test_prefix);
  end(other, 1, 5);
  EXPECT_THAT(check(other, "", &ref, false, no_time).partial,
              HasSubstr("1 invocations had an event the reference answered fewer than twice"));
}

}  // namespace
