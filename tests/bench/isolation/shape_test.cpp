// bench/isolation/shape.hpp: texts compared exactly and by shape, their ids masked.
#include "isolation/shape.hpp"

#include <gtest/gtest.h>

namespace {

using namespace inflight::bench::isolation;

const id_finder ids("0123abcd-ef01-4234-8");
const std::string id1 = ids.id_of(1), id2 = ids.id_of(2);

text_digest of(const std::string& text) {
  return digest(text, ids, [](const id_match&) {});
}

TEST(Shape, TheSameLineUnderTwoIdsIsTheSame) {
  const auto a = of("{\"requestId\":\"" + id1 + "\",\"message\":\"handled\"}");
  const auto b = of("{\"requestId\":\"" + id2 + "\",\"message\":\"handled\"}");
  EXPECT_EQ(a.exact, b.exact);
  EXPECT_EQ(a.shape, b.shape);
  EXPECT_EQ(of("START " + id1 + " done").exact, of("START " + id2 + " done").exact);
}

TEST(Shape, ValuesDifferExactlyButNotInShape) {
  const auto a = of(R"({"user":"ann","n":1,"ok":true})");
  const auto b = of(R"({"user":"bob","n":22,"ok":false})");
  EXPECT_NE(a.exact, b.exact);
  EXPECT_EQ(a.shape, b.shape) << "keys and structure only";
  EXPECT_NE(a.shape, of(R"({"user":"ann","m":1,"ok":true})").shape) << "another key";
  EXPECT_NE(a.shape, of(R"({"user":"ann","n":1})").shape) << "a key fewer";
}

TEST(Shape, TextKeepsItsWordsAndDropsItsNumbers) {
  EXPECT_EQ(of("2026-12-01T14:16:32.746Z handled 12 items").shape,
            of("2026-12-02T01:02:03.004Z handled 7 items").shape);
  EXPECT_NE(of("handled 12 items").shape, of("failed 12 items").shape);
}

TEST(Shape, ReportsEveryIdItMasks) {
  std::vector<std::uint64_t> seen;
  digest("a " + id1 + " b " + id2, ids, [&](const id_match& m) { seen.push_back(m.number); });
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{1, 2}));
}

TEST(LineTime, ReadsTheTopLevelTimestampInUtc) {
  // 2026-12-01T14:16:32.746Z: 20788 days after the epoch, then 14:16:32.746.
  const std::int64_t want = ((20788LL * 24 + 14) * 60 + 16) * 60000 + 32746;
  EXPECT_EQ(line_time_ms(R"({"timestamp":"2026-12-01T14:16:32.746Z","level":"INFO"})"), want);
  EXPECT_EQ(line_time_ms(R"({"level":"INFO","timestamp":"2026-12-01T14:16:32Z"})"), want - 746);
  EXPECT_EQ(line_time_ms(R"({"timestamp":"2026-12-01T14:16:32.7461234Z"})"), want);
}

TEST(LineTime, NoneWithoutAJsonUtcTimestamp) {
  EXPECT_EQ(line_time_ms("2026-12-01T14:16:32.746Z text line"), no_time);
  EXPECT_EQ(line_time_ms(R"({"timestamp":"2026-12-01T14:16:32.746+01:00"})"), no_time);
  EXPECT_EQ(line_time_ms(R"({"timestamp":1764598592746})"), no_time);
  EXPECT_EQ(line_time_ms(R"({"timestamp":"2026-13-01T14:16:32Z"})"), no_time);
  EXPECT_EQ(line_time_ms(R"({"timestamp":"2026-12-01)"), no_time);
}

}  // namespace
