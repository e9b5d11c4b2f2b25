// The lambda runtime's HTTP client: the response parser (framings, pieces, limits, malformed
// input), the endpoint syntax, and the client against a scripted server that misbehaves on
// purpose (keep-alive, Connection: close, a close mid-response, silence, refusal, stop).
#include "inflight/detail/http_client.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "support/scripted_server.hpp"

namespace {

using namespace std::chrono_literals;
namespace http = inflight::detail::http;
using inflight::test::scripted_server;
using parser = http::response_parser;
using ::testing::HasSubstr;
using ::testing::Not;

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

TEST(Endpoint, TakesNumericAddressesAndLocalhost) {
  std::string why;
  EXPECT_TRUE(http::parse_endpoint("127.0.0.1:9001", why));
  EXPECT_TRUE(http::parse_endpoint("localhost:9001", why));
  EXPECT_TRUE(http::parse_endpoint("[::1]:9001", why));
  for (const char* bad : {"", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
                          "127.0.0.1:x", "example.com:80", "[nope]:1"}) {
    why.clear();
    EXPECT_FALSE(http::parse_endpoint(bad, why)) << bad;
    EXPECT_FALSE(why.empty()) << bad;
  }
}

http::client client_for(const scripted_server& s, std::chrono::milliseconds connect = 2000ms) {
  std::string why;
  return http::client(*http::parse_endpoint(s.address(), why), {connect, 5ms, 50ms}, {});
}

const auto soon = [] { return std::chrono::steady_clock::now() + 30s; };

TEST(Client, KeepsOneConnectionAliveAcrossRequests) {
  scripted_server s([](int fd, int, scripted_server& self) {
    for (int i = 0; i < 3; ++i) {
      const auto req = self.read_request(fd);
      if (!req.ok) return;
      scripted_server::write(fd, scripted_server::reply(200, req.line() + "|" + req.body));
    }
  });
  auto c = client_for(s);
  http::response r;
  for (int i = 0; i < 3; ++i) {
    const auto o = c.request("POST", "/p" + std::to_string(i), {}, "body", r, soon());
    ASSERT_EQ(o.error, http::failure::none) << o.what;
    EXPECT_EQ(r.body, "POST /p" + std::to_string(i) + " HTTP/1.1|body");
  }
  EXPECT_EQ(s.accepted(), 1);
}

TEST(Client, ReconnectsAfterConnectionClose) {
  scripted_server s([](int fd, int, scripted_server& self) {
    if (self.read_request(fd).ok) {
      scripted_server::write(fd, scripted_server::reply(200, "x", "Connection: close\r\n"));
    }
  });
  auto c = client_for(s);
  http::response r;
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(c.request("GET", "/", {}, {}, r, soon()).error, http::failure::none);
  }
  EXPECT_EQ(s.accepted(), 2);
}

TEST(Client, ACloseMidResponseIsClosed) {
  scripted_server s([](int fd, int, scripted_server& self) {
    if (self.read_request(fd).ok) {
      scripted_server::write(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npart");
    }
  });
  auto c = client_for(s);
  http::response r;
  const auto o = c.request("POST", "/", {}, "b", r, soon());
  EXPECT_EQ(o.error, http::failure::closed);
  EXPECT_THAT(o.what, HasSubstr("mid-response"));
  EXPECT_FALSE(c.connected());
}

TEST(Client, GarbageIsMalformed) {
  scripted_server s([](int fd, int, scripted_server& self) {
    if (self.read_request(fd).ok) scripted_server::write(fd, "SMTP ready\r\n\r\n");
    self.hold(fd);
  });
  auto c = client_for(s);
  http::response r;
  const auto o = c.request("GET", "/", {}, {}, r, soon());
  EXPECT_EQ(o.error, http::failure::malformed);
  EXPECT_THAT(o.what, HasSubstr("malformed status line"));
}

TEST(Client, ASilentServerTimesOut) {
  scripted_server s([](int fd, int, scripted_server& self) { self.hold(fd); });
  auto c = client_for(s);
  http::response r;
  const auto o = c.request("GET", "/", {}, {}, r, std::chrono::steady_clock::now() + 100ms);
  EXPECT_EQ(o.error, http::failure::timeout);
}

TEST(Client, TheStopFlagEndsALongPoll) {
  scripted_server s([](int fd, int, scripted_server& self) { self.hold(fd); });
  auto c = client_for(s);
  std::atomic<bool> stop{false};
  std::thread setter([&] {
    std::this_thread::sleep_for(50ms);
    stop = true;
  });
  http::response r;
  const auto o =
      c.request("GET", "/", {}, {}, r, std::chrono::steady_clock::time_point::max(), &stop, 10ms);
  setter.join();
  EXPECT_EQ(o.error, http::failure::stopped);
}

TEST(Client, ARefusedConnectionIsRetriedThenFailsWithAClearLine) {
  std::string address;
  {
    scripted_server gone([](int, int, scripted_server&) {});
    address = gone.address();
  }  // nothing listens there now
  std::string why;
  http::client c(*http::parse_endpoint(address, why), {200ms, 5ms, 20ms}, {});
  http::response r;
  const auto o = c.request("GET", "/", {}, {}, r, soon());
  EXPECT_EQ(o.error, http::failure::connect);
  EXPECT_THAT(o.what, HasSubstr("cannot connect to " + address + " after "));
  EXPECT_THAT(o.what, HasSubstr("Connection refused"));
  EXPECT_THAT(o.what, Not(HasSubstr("after 1 attempts")));
}

TEST(Client, CarriesSixMegabyteBodiesBothWays) {
  const std::string big(6291556, 'x');
  scripted_server s([&](int fd, int, scripted_server& self) {
    const auto req = self.read_request(fd);
    if (req.ok && req.body == big) {
      std::string chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
      for (std::size_t i = 0; i < big.size(); i += 1000000) {
        const std::size_t n = std::min<std::size_t>(1000000, big.size() - i);
        char size[16];
        std::snprintf(size, sizeof size, "%zx\r\n", n);
        chunked += size + big.substr(i, n) + "\r\n";
      }
      scripted_server::write(fd, chunked + "0\r\n\r\n");
    }
  });
  auto c = client_for(s);
  http::response r;
  ASSERT_EQ(c.request("POST", "/", {}, big, r, soon()).error, http::failure::none);
  EXPECT_EQ(r.body.size(), big.size());
}

}  // namespace
