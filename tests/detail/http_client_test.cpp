// The lambda runtime's HTTP client: the endpoint syntax, and the client against a scripted
// server that misbehaves on purpose (keep-alive, Connection: close, a close mid-response, an idle
// close, unsolicited bytes, silence, refusal, stop, an allocation that fails mid-request).
#include "inflight/detail/http_client.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "support/allocation_fault.hpp"
#include "support/scripted_server.hpp"

namespace {

using namespace std::chrono_literals;
namespace http = inflight::detail::http;
using inflight::test::scripted_server;
using ::testing::HasSubstr;
using ::testing::Not;

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

TEST(Client, AnAllocationThatFailsMidRequestClosesTheConnection) {
  const std::string big = scripted_server::reply(200, std::string(1 << 20, 'b'));
  const std::string second = scripted_server::reply(200, "second");
  scripted_server s([&](int fd, int, scripted_server& self) {
    if (self.read_request(fd).ok) scripted_server::write(fd, big);
    if (self.read_request(fd).ok) scripted_server::write(fd, second);  // only if reused
    self.hold(fd);
  });
  auto c = client_for(s);
  http::response r;
  inflight::test::fail_next_allocation_of(256 * 1024);  // the read buffer, growing past 256 KiB
  EXPECT_THROW(c.request("GET", "/big", {}, {}, r, soon()), std::bad_alloc);
  inflight::test::disarm_allocation_fault();
  EXPECT_FALSE(c.connected());  // left open, its next reply would be the rest of the big one
  const auto o = c.request("GET", "/big", {}, {}, r, soon());
  ASSERT_EQ(o.error, http::failure::none) << o.what;
  EXPECT_EQ(r.body.size(), std::size_t(1) << 20);
  EXPECT_EQ(s.accepted(), 2);
}

TEST(Client, AConnectionTheServerClosedWhileIdleIsReplacedBeforeTheRequest) {
  scripted_server s([](int fd, int index, scripted_server& self) {
    if (self.read_request(fd).ok) {
      scripted_server::write(fd, scripted_server::reply(200, "conn" + std::to_string(index)));
    }
    if (index == 1) self.hold(fd);  // the first closes once it answered: an idle close
  });
  auto c = client_for(s);
  http::response r;
  ASSERT_EQ(c.request("GET", "/", {}, {}, r, soon()).error, http::failure::none);
  std::this_thread::sleep_for(50ms);  // the close arrives while the connection is idle
  const auto o = c.request("POST", "/", {}, "result", r, soon());
  ASSERT_EQ(o.error, http::failure::none) << o.what;
  EXPECT_EQ(r.body, "conn1");
}

TEST(Client, ARequestAReusedConnectionDroppedUnansweredIsSentOnceMore) {
  std::atomic<int> seen_again{0};
  scripted_server s([&](int fd, int index, scripted_server& self) {
    if (index == 0) {
      if (self.read_request(fd).ok) scripted_server::write(fd, scripted_server::reply(200, "1"));
      self.read_request(fd);  // read, then closed with no reply (a server closing it as idle)
      return;
    }
    const auto req = self.read_request(fd);
    if (req.ok && req.body == "result") ++seen_again;
    scripted_server::write(fd, scripted_server::reply(202, "again"));
    self.hold(fd);
  });
  auto c = client_for(s);
  http::response r;
  ASSERT_EQ(c.request("GET", "/", {}, {}, r, soon()).error, http::failure::none);
  const auto o = c.request("POST", "/", {}, "result", r, soon());
  ASSERT_EQ(o.error, http::failure::none) << o.what;
  EXPECT_EQ(r.body, "again");
  EXPECT_EQ(seen_again.load(), 1);
}

TEST(Client, ANewConnectionThatFailsTheSameWayIsNotRetried) {
  scripted_server s([](int fd, int, scripted_server& self) { self.read_request(fd); });
  auto c = client_for(s);
  http::response r;
  const auto o = c.request("POST", "/", {}, "result", r, soon());
  EXPECT_EQ(o.error, http::failure::closed);
  EXPECT_TRUE(o.sent);  // the server may have it: the caller must not assume it failed
  EXPECT_FALSE(o.replied);
  EXPECT_EQ(s.accepted(), 1);
}

TEST(Client, UnsolicitedBytesAreNeverTakenForTheNextReply) {
  scripted_server s([](int fd, int index, scripted_server& self) {
    if (self.read_request(fd).ok) {
      scripted_server::write(fd, scripted_server::reply(200, "conn" + std::to_string(index)));
      // A server's 408 before it gives up on the idle connection, sent unasked.
      if (index == 0) scripted_server::write(fd, scripted_server::reply(408, "late"));
    }
    self.hold(fd);
  });
  auto c = client_for(s);
  http::response r;
  ASSERT_EQ(c.request("GET", "/", {}, {}, r, soon()).error, http::failure::none);
  std::this_thread::sleep_for(50ms);  // the 408 arrives while the connection is idle
  const auto o = c.request("POST", "/", {}, "result", r, soon());
  ASSERT_EQ(o.error, http::failure::none) << o.what;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "conn1");
}

TEST(Client, BytesBehindAReplyCloseTheConnection) {
  scripted_server s([](int fd, int index, scripted_server& self) {
    if (self.read_request(fd).ok) {
      scripted_server::write(fd, scripted_server::reply(200, "conn" + std::to_string(index)) +
                                     scripted_server::reply(200, "pipelined"));
    }
    self.hold(fd);
  });
  auto c = client_for(s);
  http::response r;
  ASSERT_EQ(c.request("GET", "/", {}, {}, r, soon()).error, http::failure::none);
  EXPECT_EQ(r.body, "conn0");
  EXPECT_FALSE(c.connected());
  ASSERT_EQ(c.request("GET", "/", {}, {}, r, soon()).error, http::failure::none);
  EXPECT_EQ(r.body, "conn1");
}

TEST(Client, AMalformedBodyKeepsItsHead) {
  scripted_server s([](int fd, int, scripted_server& self) {
    if (self.read_request(fd).ok) {
      scripted_server::write(
          fd, "HTTP/1.1 200 OK\r\nX-Id: id-7\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
    }
    self.hold(fd);
  });
  auto c = client_for(s);
  http::response r;
  const auto o = c.request("GET", "/", {}, {}, r, soon());
  EXPECT_EQ(o.error, http::failure::malformed);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("X-Id"), "id-7");
  EXPECT_FALSE(c.connected());
}

}  // namespace
