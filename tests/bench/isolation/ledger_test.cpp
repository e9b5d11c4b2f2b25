// bench/isolation/ledger.hpp: every invocation's end, as the check needs it.
#include "isolation/ledger.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "isolation/check.hpp"
#include "support/isolation_book.hpp"

namespace {

using namespace inflight::bench::isolation;
using inflight::bench::runtime_api::outcome;
using inflight::test::end;

TEST(Ledger, KeepsEachEndByNumber) {
  ledger book(inflight::test::test_prefix);
  end(book, 2, 1, "{\"user\":\"ann\"}");
  end(book, 1, 0, "", outcome::error);
  end(book, 4, 0, "", outcome::timeout, 3);
  EXPECT_EQ(book.size(), 4u);
  EXPECT_EQ(book.at(1).how, ending::error);
  EXPECT_EQ(book.at(2).how, ending::response);
  EXPECT_EQ(book.at(2).payload, 1u);
  EXPECT_EQ(book.at(3).how, ending::none) << "never ended";
  EXPECT_EQ(book.at(4).tenant, 3u);
  EXPECT_EQ(book.at(99).how, ending::none);
  EXPECT_NE(book.at(2).ended_ms, no_time);
  EXPECT_EQ(book.at(2).response.exact,
            digest("{\"user\":\"ann\"}", book.ids(), [](auto&) {}).exact);
}

TEST(Ledger, MasksItsOwnIdInTheResponseAndNotesAnothers) {
  ledger book(inflight::test::test_prefix);
  end(book, 1, 0, "{\"id\":\"" + book.ids().id_of(1) + "\"}");
  end(book, 2, 0, "{\"id\":\"" + book.ids().id_of(2) + "\"}");
  end(book, 3, 0, "{\"id\":\"" + book.ids().id_of(1) + "\"}");
  EXPECT_EQ(book.at(1).response.exact, book.at(2).response.exact);
  EXPECT_FALSE(book.at(2).foreign_in_response);
  EXPECT_TRUE(book.at(3).foreign_in_response);
}

TEST(Ledger, RecordsUpToItsBoundAndCountsTheRest) {
  ledger book(inflight::test::test_prefix);
  end(book, ledger::max_entries, 0);
  end(book, ledger::max_entries + 1, 0);
  end(book, ledger::max_entries + 2, 0);
  EXPECT_EQ(book.size(), ledger::max_entries);
  EXPECT_EQ(book.unrecorded(), 2u);
  EXPECT_THAT(check(book, "", nullptr, false, no_time).partial,
              ::testing::HasSubstr("2 invocations after the first 4194304 were not recorded"));
}

TEST(Ledger, KeepsAFewResponsesPerEventAsExamples) {
  ledger book(inflight::test::test_prefix);
  for (int i = 1; i <= 10; ++i) end(book, i, 0, "{\"n\":" + std::to_string(i) + "}");
  const auto* first = book.sample(0, book.at(1).response.exact);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->text, "{\"n\":1}");
  EXPECT_EQ(book.sample(0, book.at(10).response.exact), nullptr) << "4 per event";
}

}  // namespace
