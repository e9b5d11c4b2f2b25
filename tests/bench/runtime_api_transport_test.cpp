// The Runtime API server's transport bounds (runtime_api/transport.hpp, connection.hpp), each
// against a peer that misbehaves on purpose: requests pipelined behind a parked /next, a flood of
// tiny pipelined requests, a peer that never reads its replies, more bad bytes after a bad
// request, a half-close with replies backed up, bodies that together outgrow the memory bound,
// and a process out of descriptors. The loop's round counter shows a spin without timing it.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "runtime_api/server.hpp"
#include "support/blocking_http.hpp"
#include "support/runtime_api_fixture.hpp"

namespace {

using namespace std::chrono_literals;
using namespace inflight::bench::runtime_api;
using inflight::test::blocking_http;
using ::testing::HasSubstr;

const std::string next_request = "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n\r\n";

void give_up_reading_after(int fd, std::chrono::seconds s) {
  const timeval tv{static_cast<time_t>(s.count()), 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

class quiet_driver final : public driver {
 public:
  void ended(server&, const finished&) override {}
};

class RuntimeApiBounds : public inflight::test::runtime_api_fixture<quiet_driver> {
 protected:
  // `f()` on the server's thread, where its state may be read.
  template <class F>
  auto on_server(F f) {
    std::promise<decltype(f())> result;
    srv_->post([&] { result.set_value(f()); });
    return result.get_future().get();
  }
  // Loop rounds during `d` of idling: about 20 (a tick every 50 ms) unless something spins.
  std::size_t rounds_over(std::chrono::milliseconds d) {
    const std::size_t before = srv_->rounds();
    std::this_thread::sleep_for(d);
    return srv_->rounds() - before;
  }
  // Waits, up to 10 s, for a 100 ms in which the loop ran under 40 rounds: the work queued
  // before (a flood of requests) is done, however slow the machine (loaded, or emulated). A loop
  // that spins is never quiet, and the rounds_over check after this still fails.
  void settle() {
    const auto give_up = std::chrono::steady_clock::now() + 10s;
    while (rounds_over(100ms) >= 40 && std::chrono::steady_clock::now() < give_up) {
    }
  }
  // Writes `bytes` without blocking until the peer stops taking them; how much went.
  static std::size_t push(int fd, const std::string& bytes) {
    std::size_t sent = 0;
    const auto give_up = std::chrono::steady_clock::now() + 10s;
    while (sent < bytes.size() && std::chrono::steady_clock::now() < give_up) {
      const ssize_t n =
          ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        sent += static_cast<std::size_t>(n);
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        std::this_thread::sleep_for(20ms);
        if (::send(fd, bytes.data() + sent, 1, MSG_NOSIGNAL | MSG_DONTWAIT) <= 0) break;
        ++sent;
      } else {
        break;
      }
    }
    return sent;
  }
};

TEST_F(RuntimeApiBounds, ARequestPipelinedBehindAParkedPollIsServedOnceItIsAnswered) {
  start();
  blocking_http c(srv_->address());
  give_up_reading_after(c.fd(), 30s);  // a lost reply fails the test instead of hanging it
  ASSERT_TRUE(c.send_raw(next_request + next_request));
  // Only once the first is parked: invocations already waiting would answer both at once.
  while (on_server([&] { return srv_->waiting_polls(); }) == 0) std::this_thread::sleep_for(1ms);
  submit(2);
  EXPECT_EQ(c.read_reply().status, 200);
  EXPECT_EQ(c.read_reply().status, 200);  // lost before: nothing parsed it after the answer
}

TEST_F(RuntimeApiBounds, APollWhosePeerIsGoneIsDroppedNotHandedAnInvocation) {
  start();
  {
    blocking_http gone(srv_->address());
    ASSERT_TRUE(gone.send_raw(next_request));
    while (on_server([&] { return srv_->waiting_polls(); }) == 0) std::this_thread::sleep_for(1ms);
  }  // closed while parked
  std::this_thread::sleep_for(50ms);
  submit(1);
  blocking_http c(srv_->address());
  give_up_reading_after(c.fd(), 10s);
  ASSERT_TRUE(c.send_raw(next_request));
  EXPECT_EQ(c.read_reply().status, 200) << "the invocation went to the closed poll";
}

TEST_F(RuntimeApiBounds, TinyRequestsPipelinedByTheThousandAreAllAnsweredWithoutASpin) {
  start();
  blocking_http c(srv_->address());
  constexpr int n = 300000;  // 6 MB of requests, each answered, 64 a round
  std::string flood;
  for (int i = 0; i < n; ++i) flood += "GET /x HTTP/1.1\r\n\r\n";
  std::thread writer([&] { c.send_raw(flood); });
  int answered = 0;
  while (answered < n && c.read_reply().status == 404) ++answered;
  writer.join();
  EXPECT_EQ(answered, n);
  EXPECT_LT(rounds_over(500ms), 200u);
}

TEST_F(RuntimeApiBounds, APeerThatNeverReadsHoldsAtMostItsOutputBound) {
  server_config config;
  config.max_output = 64 * 1024;
  start(config);
  blocking_http c(srv_->address());
  std::string flood;
  for (int i = 0; i < 200000; ++i) flood += "GET /x HTTP/1.1\r\n\r\n";  // ~100 bytes of reply each
  push(c.fd(), flood);  // until the server stops taking them
  settle();
  // Its replies (bounded) plus the input read before parsing stopped (a read or two).
  EXPECT_LT(srv_->buffered(), config.max_output + (std::size_t(1) << 20) + 65536);
  EXPECT_LT(rounds_over(500ms), 200u);
}

TEST_F(RuntimeApiBounds, NothingIsParsedAfterABadRequestWhoseReplyIsBlocked) {
  server_config config;
  config.max_output = std::size_t(64) << 20;  // the server keeps reading while replies wait
  start(config);
  blocking_http c(srv_->address());
  std::string flood;
  for (int i = 0; i < 100000; ++i) flood += "GET /x HTTP/1.1\r\n\r\n";  // ~10 MB of 404s
  ASSERT_TRUE(c.send_raw(flood + "garbage\r\n\r\n"));  // never read: the 400 cannot go out
  const auto give_up = std::chrono::steady_clock::now() + 60s;
  while (srv_->bad_requests() == 0 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(5ms);
  }
  for (int i = 0; i < 5; ++i) {
    c.send_raw("more\r\n");  // each a read event on the connection, its 400 still waiting
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(srv_->bad_requests(), 1u);
  int replies = 0, bad = 0;
  for (int r; (r = c.read_reply().status) != 0;) (r == 400 ? bad : replies)++;
  EXPECT_EQ(replies, 100000);
  EXPECT_EQ(bad, 1) << "one 400, then the close";
}

TEST_F(RuntimeApiBounds, AHalfClosedPeerWithRepliesBackedUpDoesNotSpinTheLoop) {
  server_config config;
  config.max_output = 64 * 1024;
  start(config);
  blocking_http c(srv_->address());
  std::string flood;
  for (int i = 0; i < 100000; ++i) flood += "GET /x HTTP/1.1\r\n\r\n";
  push(c.fd(), flood);
  ::shutdown(c.fd(), SHUT_WR);  // end of file behind the requests; its replies never read
  settle();
  EXPECT_LT(rounds_over(500ms), 200u);
}

TEST_F(RuntimeApiBounds, BodiesThatTogetherOutgrowTheMemoryBoundCloseTheLargestHolder) {
  server_config config;
  config.max_buffered = 4 << 20;
  start(config);
  std::vector<std::unique_ptr<blocking_http>> peers;
  const std::string part(1 << 20, 'b');
  for (int i = 0; i < 6; ++i) {  // 6 bodies of which 1 MiB each arrived, none complete
    peers.push_back(std::make_unique<blocking_http>(srv_->address()));
    peers.back()->send_raw("POST /x HTTP/1.1\r\nContent-Length: 6000000\r\n\r\n" + part);
    std::this_thread::sleep_for(50ms);
  }
  std::this_thread::sleep_for(100ms);
  EXPECT_LE(srv_->buffered(), config.max_buffered + (std::size_t(1) << 20) + 65536);
  EXPECT_THAT(srv_->trouble(), HasSubstr("closed the one holding"));
}

TEST_F(RuntimeApiBounds, OutOfDescriptorsItRefusesWithOneReasonAndDoesNotSpin) {
  start();
  // Fill this process's descriptor table but for two: the server can take one connection.
  std::vector<int> filler;
  for (int fd; (fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;) filler.push_back(fd);
  ASSERT_GE(filler.size(), 2u);
  ::close(filler.back());
  filler.pop_back();
  ::close(filler.back());
  filler.pop_back();
  const pid_t child = ::fork();  // the peers live elsewhere, with descriptors of their own
  ASSERT_GE(child, 0);
  if (child == 0) {
    for (int fd : filler) ::close(fd);
    std::vector<std::unique_ptr<blocking_http>> peers;
    for (int i = 0; i < 8; ++i) peers.push_back(std::make_unique<blocking_http>(srv_->address()));
    ::sleep(2);
    ::_exit(0);
  }
  std::this_thread::sleep_for(700ms);
  const std::size_t rounds = rounds_over(500ms);
  const std::string trouble = srv_->trouble();
  for (int fd : filler) ::close(fd);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_LT(rounds, 200u);
  EXPECT_THAT(trouble, HasSubstr("ran out of descriptors"));
}

}  // namespace
