// What requests and responses share (detail/http_message.hpp): header token lists, the framing
// headers declare, and the chunked decoder's bounds on the wire (size lines, trailer, framing).
#include "inflight/detail/http_message.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

namespace http = inflight::detail::http;
using decoder = http::body_decoder;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct parsed {
  bool ok = false;
  http::framing f;
  http::error err;
};

parsed headers(const std::string& lines) {
  parsed p;
  http::header_list out;
  p.ok = http::parse_header_lines(lines, 64, out, p.f, p.err);
  return p;
}

// Feeds `wire` to a chunked decoder (body at most `max_body`, trailer `max_trailer`) in pieces of
// `step` bytes, as a connection's buffer grows.
decoder::result feed_chunked(const std::string& wire, std::size_t step, std::string& body,
                             http::error& err, std::size_t max_body = 1 << 20,
                             std::size_t max_trailer = 1024) {
  decoder d;
  d.start_chunked(max_body, max_trailer);
  std::size_t pos = 0;
  auto r = decoder::result::incomplete;
  for (std::size_t end = step; r == decoder::result::incomplete; end += step) {
    r = d.feed(std::string_view(wire).substr(0, std::min(end, wire.size())), pos, body, err);
    if (end >= wire.size()) break;
  }
  return r;
}

TEST(HeaderTokens, SplitOnCommasTrimmedAndSkipEmptyElements) {
  std::vector<std::string> seen;
  http::for_each_token(" a ,b,, \tc\t,", [&](std::string_view t) { seen.emplace_back(t); });
  EXPECT_THAT(seen, ElementsAre("a", "b", "c"));
}

TEST(HeaderLines, ConnectionIsReadAsATokenList) {
  EXPECT_TRUE(headers("Connection: close, TE\r\n").f.close);
  EXPECT_TRUE(headers("Connection: TE,Close\r\n").f.close);
  EXPECT_TRUE(headers("Connection: Upgrade, keep-alive\r\n").f.keep_alive);
  EXPECT_FALSE(headers("Connection: closed\r\n").f.close);
}

TEST(HeaderLines, TransferEncodingIsChunkedOnceOrRefused) {
  EXPECT_TRUE(headers("Transfer-Encoding: chunked\r\n").f.chunked);
  const auto repeat = headers("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n");
  EXPECT_FALSE(repeat.ok);
  EXPECT_EQ(repeat.err.status, 400);
  EXPECT_THAT(repeat.err.reason, HasSubstr("repeated Transfer-Encoding"));
  for (const char* value : {"gzip, chunked", "chunked, chunked", "chunked, gzip", ","}) {
    const auto p = headers(std::string("Transfer-Encoding: ") + value + "\r\n");
    EXPECT_FALSE(p.ok) << value;
    EXPECT_EQ(p.err.status, 501) << value;
  }
}

TEST(ChunkedBody, DecodesInAnyPieces) {
  for (std::size_t step : {1u, 5u, 4096u}) {
    std::string body;
    http::error err;
    ASSERT_EQ(feed_chunked("3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nT: z\r\n\r\n", step, body, err),
              decoder::result::complete)
        << step;
    EXPECT_EQ(body, "abcde");
  }
}

TEST(ChunkedBody, ALongSizeLineIsRefusedEvenInOneRead) {
  const std::string wire = "1;" + std::string(2000, 'e') + "\r\nx\r\n0\r\n\r\n";
  for (std::size_t step : {std::size_t(1), wire.size()}) {
    std::string body;
    http::error err;
    EXPECT_EQ(feed_chunked(wire, step, body, err), decoder::result::bad) << step;
    EXPECT_THAT(err.reason, HasSubstr("chunk size line too long")) << step;
  }
}

TEST(ChunkedBody, TheTrailerIsBoundedInTotalNotPerLine) {
  std::string wire = "1\r\nx\r\n0\r\n";
  for (int i = 0; i < 200; ++i) wire += "T: " + std::string(20, 'v') + "\r\n";  // 25 bytes each
  wire += "\r\n";
  std::string body;
  http::error err;
  EXPECT_EQ(feed_chunked(wire, wire.size(), body, err, 1 << 20, 1024), decoder::result::bad);
  EXPECT_EQ(err.status, 431);
  std::string within = "1\r\nx\r\n0\r\n";
  for (int i = 0; i < 20; ++i) within += "T: " + std::string(20, 'v') + "\r\n";
  within += "\r\n";
  body.clear();
  EXPECT_EQ(feed_chunked(within, 7, body, err, 1 << 20, 1024), decoder::result::complete);
}

TEST(ChunkedBody, FramingMayNotOutgrowTheBody) {
  // 1000 bytes of body in one-byte chunks, each behind 600 bytes of extension: 600 kB on the wire.
  std::string wire;
  for (int i = 0; i < 1000; ++i) wire += "1;" + std::string(600, 'e') + "\r\nx\r\n";
  wire += "0\r\n\r\n";
  std::string body;
  http::error err;
  EXPECT_EQ(feed_chunked(wire, 65536, body, err, 1 << 20, 16384), decoder::result::bad);
  EXPECT_EQ(err.status, 413);
  EXPECT_THAT(err.reason, HasSubstr("framing"));
  EXPECT_LT(body.size(), 100u);  // refused within the first 16 KiB of framing
  // Ordinary chunks (1 KiB behind a 5-byte size line) are well inside the bound.
  std::string ok;
  for (int i = 0; i < 2000; ++i) ok += "400\r\n" + std::string(1024, 'y') + "\r\n";
  ok += "0\r\n\r\n";
  body.clear();
  EXPECT_EQ(feed_chunked(ok, 65536, body, err, 4 << 20, 16384), decoder::result::complete);
  EXPECT_EQ(body.size(), 2000u * 1024);
}

}  // namespace
