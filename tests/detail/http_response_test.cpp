// The lambda runtime's response parser: framings, pieces, limits, malformed input, and the head
// it keeps when a body turns out bad.
#include "inflight/detail/http_response.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace {

namespace http = inflight::detail::http;
using parser = http::response_parser;
using ::testing::HasSubstr;

// Parses `text` fed `step` bytes at a time; the result of the last call.
parser::result feed(parser& p, const std::string& text, std::size_t step) {
  parser::result r = parser::result::incomplete;
  for (std::size_t end = step; r == parser::result::incomplete; end += step) {
    r = p.parse(std::string_view(text).substr(0, std::min(end, text.size())));
    if (end >= text.size()) break;
  }
  return r;
}

TEST(ResponseParser, ReadsAContentLengthBodyInAnyPieces) {
  const std::string text =
      "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: abc\r\nContent-Length: 5\r\n\r\nhello";
  for (std::size_t step : {1u, 7u, 1000u}) {
    parser p;
    ASSERT_EQ(feed(p, text, step), parser::result::complete) << step;
    EXPECT_EQ(p.get().status, 200);
    EXPECT_EQ(p.get().body, "hello");
    EXPECT_EQ(p.get().header("lambda-runtime-aws-request-id"), "abc");
    EXPECT_TRUE(p.get().keep_alive);
    EXPECT_EQ(p.consumed(), text.size());
  }
}

TEST(ResponseParser, ReadsChunkedBodiesWithExtensionsAndTrailers) {
  const std::string text =
      "HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: z\r\n\r\nNEXT";
  parser p;
  ASSERT_EQ(feed(p, text, 3), parser::result::complete);
  EXPECT_EQ(p.get().body, "abcde");
  EXPECT_EQ(p.consumed(), text.size() - 4);  // the next response's bytes stay
}

TEST(ResponseParser, ABodyWithNoFramingRunsToTheEndOfTheConnection) {
  const std::string text = "HTTP/1.0 200 OK\r\n\r\nall of it";
  parser p;
  EXPECT_EQ(p.parse(text), parser::result::incomplete);
  ASSERT_EQ(p.finish_at_eof(text), parser::result::complete);
  EXPECT_EQ(p.get().body, "all of it");
  EXPECT_FALSE(p.get().keep_alive);
}

TEST(ResponseParser, NoContentHasNoBodyAndCloseIsHonoured) {
  parser p;
  ASSERT_EQ(p.parse("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"),
            parser::result::complete);
  EXPECT_TRUE(p.get().body.empty());
  EXPECT_FALSE(p.get().keep_alive);
}

TEST(ResponseParser, AnEndMidResponseIsBad) {
  parser p;
  const std::string text = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort";
  EXPECT_EQ(p.parse(text), parser::result::incomplete);
  EXPECT_EQ(p.finish_at_eof(text), parser::result::bad);
  EXPECT_THAT(p.reason(), HasSubstr("mid-response"));
}

TEST(ResponseParser, RefusesWhatItDoesNotUnderstand) {
  for (const char* text : {
           "HTTP/1.1 20 OK\r\n\r\n",                         // short status
           "HTTP/1.1 abc OK\r\n\r\n",                        // not a number
           "HTTP/2.0 200 OK\r\n\r\n",                        // version
           "garbage\r\n\r\n",                                // not HTTP at all
           "HTTP/1.1 100 Continue\r\n\r\n",                  // interim
           "HTTP/1.1 200 OK\r\nNo colon\r\n\r\n",            // header line
           "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",  // length
           "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",  // chunk size
       }) {
    parser p;
    EXPECT_EQ(p.parse(text), parser::result::bad) << text;
    EXPECT_FALSE(p.reason().empty()) << text;
  }
}

TEST(ResponseParser, EnforcesItsLimits) {
  http::limits limits;
  limits.max_head = 64;
  limits.max_headers = 2;
  limits.max_body = 8;
  parser head(limits);
  EXPECT_EQ(head.parse("HTTP/1.1 200 OK\r\nX: " + std::string(100, 'a')), parser::result::bad);
  parser headers(limits);
  EXPECT_EQ(headers.parse("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"), parser::result::bad);
  parser length(limits);
  EXPECT_EQ(length.parse("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n"), parser::result::bad);
  parser chunked(limits);
  EXPECT_EQ(chunked.parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n9\r\n"),
            parser::result::bad);
  parser eof(limits);
  EXPECT_EQ(eof.parse("HTTP/1.1 200 OK\r\n\r\n123456789"), parser::result::bad);
}

TEST(ResponseParser, ConnectionIsATokenList) {
  parser p;
  ASSERT_EQ(p.parse("HTTP/1.1 200 OK\r\nConnection: TE, close\r\nContent-Length: 0\r\n\r\n"),
            parser::result::complete);
  EXPECT_FALSE(p.get().keep_alive);
}

TEST(ResponseParser, ABadBodyLeavesTheHeadReadable) {
  http::limits limits;
  limits.max_body = 8;
  parser over(limits);
  EXPECT_EQ(over.parse("HTTP/1.1 200 OK\r\nX-Id: a1\r\nContent-Length: 9\r\n\r\n"),
            parser::result::bad);
  EXPECT_TRUE(over.has_head());
  EXPECT_EQ(over.get().header("X-Id"), "a1");
  parser chunk;
  EXPECT_EQ(chunk.parse("HTTP/1.1 200 OK\r\nX-Id: a2\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
            parser::result::bad);
  EXPECT_TRUE(chunk.has_head());
  EXPECT_EQ(chunk.get().header("X-Id"), "a2");
  parser status;
  EXPECT_EQ(status.parse("HTTP/1.1 2x0 OK\r\n\r\n"), parser::result::bad);
  EXPECT_FALSE(status.has_head());
}

}  // namespace
