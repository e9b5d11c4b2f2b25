// The Runtime API server's bookkeeping without sockets (runtime_api/invocations.hpp): ids, parked
// and handed-out invocations, an end that comes once, and timeouts one second past the deadline.
#include "runtime_api/invocations.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

namespace {

using namespace std::chrono_literals;
using namespace inflight::bench::runtime_api;

TEST(InvocationBook, IdsAreUuidShapedAndUnique) {
  invocation_book book(3000ms);
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    const auto inv = book.make(steady::now(), true, 0);
    EXPECT_THAT(inv.id, ::testing::MatchesRegex(
                            "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}"));
    ids.insert(inv.id);
  }
  EXPECT_EQ(ids.size(), 1000u);
  EXPECT_EQ(book.outstanding(), 1000u);
}

TEST(InvocationBook, ParkedOnesGoOutOldestFirstAndEndOnce) {
  invocation_book book(3000ms);
  const auto t0 = steady::now();
  book.park(book.make(t0, true, 0));
  book.park(book.make(t0 + 1ms, false, 1));
  auto first = book.take();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->payload, 0u);
  const std::string id = book.handed_out(std::move(*first)).id;
  EXPECT_TRUE(book.in_flight(id));
  const auto f = book.end(id, outcome::error, "Boom", t0 + 10ms);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->how, outcome::error);
  EXPECT_EQ(f->error_type, "Boom");
  EXPECT_TRUE(f->counted);
  EXPECT_FALSE(f->after_deadline);
  EXPECT_FALSE(book.end(id, outcome::response, {}, t0 + 11ms)) << "a second end is unknown";
  EXPECT_EQ(book.outstanding(), 1u);
  EXPECT_EQ(book.parked(), 1u);
}

TEST(InvocationBook, WhatIsPastItsDeadlineByASecondTimesOutHandedOutOrNot) {
  invocation_book book(100ms);
  const auto t0 = steady::now();
  book.handed_out(book.make(t0, true, 0));
  book.park(book.make(t0, true, 0));
  EXPECT_TRUE(book.expire(t0 + 1099ms).empty());
  const auto out = book.expire(t0 + 1101ms);
  ASSERT_EQ(out.size(), 2u);
  for (const auto& f : out) {
    EXPECT_EQ(f.how, outcome::timeout);
    EXPECT_TRUE(f.after_deadline);
  }
  EXPECT_EQ(book.outstanding(), 0u);
}

}  // namespace
