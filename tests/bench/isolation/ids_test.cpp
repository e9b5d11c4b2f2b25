// bench/isolation/ids.hpp: the ids one server issued, found in text.
#include "isolation/ids.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "runtime_api/invocations.hpp"

namespace {

using inflight::bench::isolation::id_finder;
using inflight::bench::isolation::id_match;

std::vector<std::uint64_t> found(const id_finder& ids, std::string_view text) {
  std::vector<std::uint64_t> out;
  ids.each(text, [&](const id_match& m) { out.push_back(m.number); });
  return out;
}

TEST(IdFinder, FindsTheBooksRequestIdsByTheirNumbers) {
  inflight::bench::runtime_api::invocation_book book(std::chrono::seconds(1));
  const auto a = book.make({}, true, 0), b = book.make({}, true, 0);
  const id_finder ids(book.id_prefix());
  EXPECT_EQ(ids.number_of(a.id), a.number);
  EXPECT_EQ(ids.id_of(b.number), b.id);
  EXPECT_EQ(found(ids, "x " + b.id + " y \"" + a.id + "\""),
            (std::vector<std::uint64_t>{b.number, a.number}));
}

TEST(IdFinder, FindsTraceRootsAsTheServerWritesThem) {
  const id_finder ids("0123abcd-ef01-4234-8");
  // Root=1-<the id's first 8>-<its number's 12 hex digits>000000000000
  EXPECT_EQ(found(ids, "Root=1-0123abcd-00000000002a000000000000;Sampled=0"),
            (std::vector<std::uint64_t>{42}));
  EXPECT_EQ(found(ids, "\"xray_trace_id\":\"1-0123abcd-000000000007000000000000\""),
            (std::vector<std::uint64_t>{7}));
}

TEST(IdFinder, IgnoresAnotherServersIdsAndLookalikes) {
  const id_finder ids("0123abcd-ef01-4234-8");
  EXPECT_TRUE(found(ids, "0123abcd-ef01-4234-9000-000000000001").empty()) << "another prefix";
  EXPECT_TRUE(found(ids, "0123abcd-ef01-4234-8000-00000000000").empty()) << "a digit short";
  EXPECT_TRUE(found(ids, "0123abcd-ef01-4234-8000-00000000000g").empty()) << "not hex";
  EXPECT_TRUE(found(ids, "1-0123abcd-000000000007").empty()) << "a root cut short";
  EXPECT_TRUE(found(ids, "MDEyM2FiY2QtZWYwMS00MjM0LTgwMDAtMDAwMDAwMDAwMDAx").empty())
      << "an id base64-encoded is a function's own field, not an id";
}

TEST(IdFinder, FindsATenantAsAWholeToken) {
  EXPECT_EQ(id_finder::tenant_in("\"tenant_id\":\"tenant-12\""), 12u);
  EXPECT_EQ(id_finder::tenant_in("tenant-3"), 3u);
  EXPECT_EQ(id_finder::tenant_in("subtenant-3 mytenant-4x"), 0u);
  EXPECT_EQ(id_finder::tenant_in("tenant- tenant-0 tenant-x"), 0u);
}

TEST(IdFinder, RefusesAPrefixOfAnotherLength) {
  EXPECT_THROW(id_finder("0123"), std::invalid_argument);
}

}  // namespace
