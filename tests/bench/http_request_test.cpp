// The Runtime API server's request parser: requests in any pieces, pipelining, chunked bodies,
// and every malformed or oversized input refused with its status.
#include "runtime_api/http_request.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using inflight::bench::runtime_api::http_limits;
using inflight::bench::runtime_api::request_parser;
using result = request_parser::result;

// Feeds `text` one byte at a time, as a slow connection would; the final result.
result feed_bytewise(request_parser& p, const std::string& text, std::size_t& consumed) {
  std::string buf;
  for (char c : text) {
    buf += c;
    const auto r = p.parse(buf);
    if (r != result::incomplete) {
      consumed = p.consumed();
      return r;
    }
  }
  return result::incomplete;
}

TEST(HttpRequest, ParsesAGetWhateverPiecesItArrivesIn) {
  const std::string text =
      "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\n\r\n";
  request_parser p;
  std::size_t consumed = 0;
  ASSERT_EQ(feed_bytewise(p, text, consumed), result::complete);
  EXPECT_EQ(consumed, text.size());
  EXPECT_EQ(p.request().method, "GET");
  EXPECT_EQ(p.request().target, "/2018-06-01/runtime/invocation/next");
  EXPECT_EQ(p.request().header("user-agent"), "t");
  EXPECT_TRUE(p.request().keep_alive);
  EXPECT_TRUE(p.request().body.empty());
}

TEST(HttpRequest, ReadsAContentLengthBodyAndLeavesThePipelinedNextRequest) {
  const std::string first = "POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello";
  const std::string second = "GET /b HTTP/1.1\r\n\r\n";
  request_parser p;
  ASSERT_EQ(p.parse(first + second), result::complete);
  EXPECT_EQ(p.request().body, "hello");
  EXPECT_EQ(p.consumed(), first.size());
  p.reset();
  ASSERT_EQ(p.parse(second), result::complete);
  EXPECT_EQ(p.request().target, "/b");
}

TEST(HttpRequest, DecodesChunkedBodiesWithExtensionsAndTrailers) {
  const std::string text =
      "POST /r HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: y\r\n\r\n";
  request_parser p;
  std::size_t consumed = 0;
  ASSERT_EQ(feed_bytewise(p, text, consumed), result::complete);
  EXPECT_EQ(p.request().body, "hello world");
  EXPECT_EQ(consumed, text.size());
}

TEST(HttpRequest, FollowsConnectionRules) {
  request_parser p;
  ASSERT_EQ(p.parse("GET / HTTP/1.0\r\n\r\n"), result::complete);
  EXPECT_FALSE(p.request().keep_alive);
  p.reset();
  ASSERT_EQ(p.parse("GET / HTTP/1.1\r\nConnection: close\r\n\r\n"), result::complete);
  EXPECT_FALSE(p.request().keep_alive);
  p.reset();
  ASSERT_EQ(p.parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"), result::complete);
  EXPECT_TRUE(p.request().keep_alive);
}

TEST(HttpRequest, RefusesMalformedInputWithItsStatus) {
  struct bad {
    std::string text;
    int status;
  };
  for (const auto& b : {
           bad{"\x16\x03\x01 garbage\r\n\r\n", 400},
           bad{"GET\r\n\r\n", 400},
           bad{"GET  / HTTP/1.1\r\n\r\n", 400},
           bad{"GET noslash HTTP/1.1\r\n\r\n", 400},
           bad{"GET / HTTP/2.0\r\n\r\n", 505},
           bad{"GET / SPDY\r\n\r\n", 400},
           bad{"GET / HTTP/1.1\r\nno colon\r\n\r\n", 400},
           bad{"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", 400},
           bad{"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
           bad{"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400},
           bad{"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
           bad{"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400},
           bad{"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
           bad{"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n", 400},
           bad{"GET / HTTP/1.1\r\nX: a\x01b\r\n\r\n", 400},
       }) {
    request_parser p;
    EXPECT_EQ(p.parse(b.text), result::bad) << b.text;
    EXPECT_EQ(p.status(), b.status) << b.text;
    EXPECT_FALSE(p.reason().empty());
  }
}

TEST(HttpRequest, EnforcesItsLimits) {
  http_limits limits;
  limits.max_head = 256;
  limits.max_headers = 4;
  limits.max_body = 10;
  {
    request_parser p(limits);
    EXPECT_EQ(p.parse("GET / HTTP/1.1\r\nX: " + std::string(300, 'a')), result::bad)
        << "a head over the limit is refused before its end arrives";
    EXPECT_EQ(p.status(), 431);
  }
  {
    request_parser p(limits);
    EXPECT_EQ(p.parse("GET / HTTP/1.1\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\nE: 1\r\n\r\n"),
              result::bad);
    EXPECT_EQ(p.status(), 431);
  }
  {
    request_parser p(limits);
    EXPECT_EQ(p.parse("POST /x HTTP/1.1\r\nContent-Length: 11\r\n\r\n"), result::bad);
    EXPECT_EQ(p.status(), 413);
    EXPECT_EQ(p.request().target, "/x") << "the target is known, so its invocation can fail";
  }
  {
    request_parser p(limits);
    EXPECT_EQ(p.parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n"
                      "8\r\n12345678\r\n"),
              result::bad);
    EXPECT_EQ(p.status(), 413);
  }
}

}  // namespace
