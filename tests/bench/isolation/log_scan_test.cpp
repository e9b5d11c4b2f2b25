// bench/isolation/log_scan.hpp: one pass over the runtime's output.
#include "isolation/log_scan.hpp"

#include <gtest/gtest.h>

#include "support/isolation_book.hpp"

namespace {

using namespace inflight::bench::isolation;
using inflight::test::end;
using inflight::test::json_line;

TEST(LogScan, GivesEachInvocationTheShapesOfItsLines) {
  ledger book(inflight::test::test_prefix);
  end(book, 1, 0);
  end(book, 2, 0);
  const std::string log =
      "runtime started\n" + json_line(book, 1) + json_line(book, 2) + json_line(book, 2, "again");
  const auto facts = scan_log(log, book, false);
  EXPECT_EQ(facts.lines, 3u) << "the runtime's own line carries no id";
  EXPECT_EQ(facts.shapes[0].size(), 1u);
  EXPECT_EQ(facts.shapes[1].size(), 2u);
  EXPECT_EQ(facts.shapes[0][0], facts.shapes[1][0]);
  EXPECT_EQ(facts.foreign.lines, 0u);
  EXPECT_EQ(facts.late.lines, 0u) << "written before the invocations ended";
}

TEST(LogScan, ALineWithTwoInvocationsIdsIsForeignAndNamesBoth) {
  ledger book(inflight::test::test_prefix);
  end(book, 1, 0);
  end(book, 2, 0);
  const std::string line = "{\"requestId\":\"" + book.ids().id_of(1) +
                           "\",\"function_request_id\":\"" + book.ids().id_of(2) + "\"}";
  const auto facts = scan_log(line + "\n", book, false);
  EXPECT_EQ(facts.foreign.lines, 1u);
  EXPECT_EQ(facts.foreign.first, line);
  EXPECT_EQ(facts.foreign_named, (std::vector<std::uint64_t>{1, 2}));
  EXPECT_TRUE(facts.shapes[0].empty() && facts.shapes[1].empty()) << "nobody's line";
}

TEST(LogScan, ATenantNotTheInvocationsIsForeign) {
  ledger book(inflight::test::test_prefix);
  end(book, 1, 0, "{}", inflight::bench::runtime_api::outcome::response, 1);
  const std::string own =
      "{\"requestId\":\"" + book.ids().id_of(1) + "\",\"tenant\":\"tenant-1\"}\n";
  const std::string other =
      "{\"requestId\":\"" + book.ids().id_of(1) + "\",\"tenant\":\"tenant-2\"}\n";
  EXPECT_EQ(scan_log(own, book, true).foreign.lines, 0u);
  EXPECT_EQ(scan_log(other, book, true).foreign.lines, 1u);
  EXPECT_EQ(scan_log(other, book, false).foreign.lines, 0u) << "no tenants were handed out";
}

TEST(LogScan, ALineStampedAfterItsInvocationEndedIsLate) {
  ledger book(inflight::test::test_prefix);
  end(book, 1, 0);  // ended now
  const auto facts = scan_log(json_line(book, 1, "later", "2999-01-01T00:00:00.000Z"), book, false);
  EXPECT_EQ(facts.late.lines, 1u);
  EXPECT_EQ(facts.late_named, (std::vector<std::uint64_t>{1}));
  EXPECT_EQ(facts.shapes[0].size(), 1u) << "still its line";
}

TEST(LogScan, IgnoresIdsBeyondTheLedger) {
  ledger book(inflight::test::test_prefix);
  end(book, 1, 0);
  EXPECT_EQ(scan_log(json_line(book, 5), book, false).lines, 0u);
}

}  // namespace
