// bench/isolation/reference.hpp: what each event produced at concurrency 1.
#include "isolation/reference.hpp"

#include <gtest/gtest.h>

#include "support/isolation_book.hpp"

namespace {

using namespace inflight::bench::isolation;
using inflight::bench::runtime_api::outcome;
using inflight::test::end;
using inflight::test::json_line;

TEST(Reference, CountsEachEventsSteadyLinesAndKeepsItsResponse) {
  ledger book(inflight::test::test_prefix);
  std::string log;
  for (std::uint64_t n = 1; n <= 6; ++n) {
    end(book, n, (n - 1) % 2, n % 2 ? "{\"user\":\"ann\"}" : "{\"user\":\"bob\"}");
    log += json_line(book, n, "start") + json_line(book, n, "done");
  }
  const reference ref = make_reference(book, log, 2, false);
  ASSERT_EQ(ref.events.size(), 2u);
  EXPECT_EQ(ref.invocations, 6u);
  for (const auto& e : ref.events) {
    EXPECT_EQ(e.invocations, 3u);
    ASSERT_EQ(e.lines.size(), 1u) << "start and done differ in a value, not in shape";
    EXPECT_EQ(e.lines.begin()->second, 2u);
    EXPECT_EQ(e.response, event_reference::compare::exact);
  }
  EXPECT_EQ(ref.events[0].example, "{\"user\":\"ann\"}");
  EXPECT_TRUE(ref.late_rule);
  EXPECT_TRUE(ref.checks(1));
  EXPECT_FALSE(ref.checks(2));
}

TEST(Reference, AShapeWhoseCountVariesIsNeverChecked) {
  ledger book(inflight::test::test_prefix);
  std::string log;
  for (std::uint64_t n = 1; n <= 4; ++n) {
    end(book, n, 0);
    if (n == 1) {  // a worker's first invocation writes one more, of another shape
      log += "{\"requestId\":\"" + book.ids().id_of(n) + "\",\"cold_start\":true}\n";
    }
    log += json_line(book, n, "done");
  }
  const reference ref = make_reference(book, log, 1, false);
  EXPECT_EQ(ref.unstable.size(), 1u);
  EXPECT_EQ(ref.events[0].lines.size(), 1u) << "only done is checked";
}

TEST(Reference, AResponseThatVariesIsComparedByShapeOrNotAtAll) {
  ledger book(inflight::test::test_prefix);
  end(book, 1, 0, "{\"spins\":10}");
  end(book, 2, 0, "{\"spins\":12}");
  end(book, 3, 1, "{\"a\":1}");
  end(book, 4, 1, "[1,2]");
  const reference ref = make_reference(book, "", 2, false);
  EXPECT_EQ(ref.events[0].response, event_reference::compare::shape);
  EXPECT_EQ(ref.events[1].response, event_reference::compare::none);
}

TEST(Reference, ErrorsAndOneAnswerMakeNoReference) {
  ledger book(inflight::test::test_prefix);
  end(book, 1, 0);
  end(book, 2, 0, "", outcome::error);
  const reference ref = make_reference(book, "", 1, false);
  EXPECT_EQ(ref.invocations, 1u);
  EXPECT_FALSE(ref.checks(0)) << "one response is no reference";
  EXPECT_EQ(ref.events[0].response, event_reference::compare::none);
}

TEST(Reference, LinesLaterThanTheirAnswersTurnTheLateRuleOff) {
  ledger book(inflight::test::test_prefix);
  end(book, 1, 0);
  end(book, 2, 0);
  const reference ref =
      make_reference(book, json_line(book, 1, "x", "2999-01-01T00:00:00Z"), 1, false);
  EXPECT_FALSE(ref.late_rule);
  EXPECT_EQ(ref.late_lines, 1u);
}

}  // namespace
