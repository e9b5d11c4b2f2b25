// The lambda runtime against scripted Runtime API servers that misbehave on purpose: a malformed
// /next, a /next whose body is bad, a keep-alive connection closed while idle or with a request
// unread, an unsolicited reply, a POST that times out, an allocation that fails mid-request, a
// descriptor limit too low for the slots; and the handler call that must let Boost's
// forced_unwind pass.
// detail/lambda_runtime.hpp comes through lambda.hpp, after the types it uses.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "inflight/lambda.hpp"
#include "support/allocation_fault.hpp"
#include "support/lambda_runner.hpp"
#include "support/scripted_server.hpp"

namespace {

using namespace std::chrono_literals;
namespace lambda = inflight::lambda;
using inflight::test::log_lines;
using inflight::test::on;
using inflight::test::running;
using inflight::test::scripted_server;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

std::string next_reply(const std::string& id, const std::string& body = "{}") {
  return scripted_server::reply(
      200, body,
      "Lambda-Runtime-Aws-Request-Id: " + id + "\r\nLambda-Runtime-Deadline-Ms: 9999999999999\r\n");
}

const std::string accepted = scripted_server::reply(202, R"({"status":"OK"})");

// What the scripted server saw: "<connection> <request line>[ <error type>]", in order.
class seen_requests {
 public:
  void add(int index, const inflight::test::scripted_request& r) {
    std::string type;
    if (const auto at = r.head.find("Lambda-Runtime-Function-Error-Type: ");
        at != std::string::npos) {
      type = " " + r.head.substr(at + 36, r.head.find("\r\n", at) - at - 36);
    }
    std::lock_guard<std::mutex> lock(m_);
    lines_.push_back(std::to_string(index) + " " + r.line() + type);
  }
  // The script's usual last step: takes one request, answers 202, and holds the connection.
  void accept(int fd, int index, scripted_server& self) {
    const auto req = self.read_request(fd);
    add(index, req);
    if (req.ok) scripted_server::write(fd, accepted);
    self.hold(fd);
  }
  // Waits (at most 60 s) until `n` requests were seen; all of them.
  std::vector<std::string> wait_for(std::size_t n) {
    const auto give_up = std::chrono::steady_clock::now() + 60s;
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(m_);
        if (lines_.size() >= n || std::chrono::steady_clock::now() > give_up) return lines_;
      }
      std::this_thread::sleep_for(5ms);
    }
  }

 private:
  std::mutex m_;
  std::vector<std::string> lines_;
};

const lambda::handler_function empty_response = [](const lambda::invocation&) {
  return std::string("{}");
};

// Runs `h` until `seen` holds `n` requests, stops it (checking that it returns 0), and returns
// them.
std::vector<std::string> serve_until(seen_requests& seen, std::size_t n, lambda::handler_function h,
                                     lambda::options o) {
  running r(std::move(h), std::move(o));
  auto posted = seen.wait_for(n);
  EXPECT_EQ(r.stop(), 0);
  return posted;
}

const std::string next_line = "GET /2018-06-01/runtime/invocation/next HTTP/1.1";
std::string post_line(const std::string& id, const std::string& what) {
  return "POST /2018-06-01/runtime/invocation/" + id + "/" + what + " HTTP/1.1";
}

TEST(LambdaRuntime, AMalformedNextIsLoggedAndTheSlotGoesOn) {
  seen_requests seen;
  scripted_server s([&](int fd, int index, scripted_server& self) {
    if (index == 0) {  // garbage instead of an invocation
      if (self.read_request(fd).ok) scripted_server::write(fd, "garbage\r\n\r\n");
      return;
    }
    if (index == 1) {  // an invocation without a request id, then a good one
      if (!self.read_request(fd).ok) return;
      scripted_server::write(fd, scripted_server::reply(200, "{}"));
      if (!self.read_request(fd).ok) return;
      scripted_server::write(fd, next_reply("good-1"));
      seen.add(index, self.read_request(fd));
      scripted_server::write(fd, accepted);
    }
    self.hold(fd);  // the next long poll, until the runtime stops
  });
  log_lines log;
  std::atomic<bool> beyond_the_clock{false};
  running r(
      [&](const lambda::invocation& in) {
        // Its Lambda-Runtime-Deadline-Ms, 9999999999999 (the year 2286), is past the clock's range.
        beyond_the_clock = in.deadline == std::chrono::system_clock::time_point::max();
        return std::string("{}");
      },
      on(s.address(), 1, &log));
  const auto posted = seen.wait_for(1);
  EXPECT_EQ(r.stop(), 0);
  EXPECT_TRUE(beyond_the_clock.load());
  EXPECT_THAT(posted, ElementsAre("1 " + post_line("good-1", "response")));
  EXPECT_THAT(log.all(), AllOf(HasSubstr("malformed response: malformed status line"),
                               HasSubstr("Lambda-Runtime-Aws-Request-Id '' is missing")));
}

TEST(LambdaRuntime, ANextWhoseBodyCannotBeReadIsReportedToError) {
  seen_requests seen;
  scripted_server s([&](int fd, int index, scripted_server& self) {
    if (index == 0) {  // a good head, a bad chunked body
      if (self.read_request(fd).ok) {
        scripted_server::write(fd,
                               "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: bad-1\r\n"
                               "Transfer-Encoding: chunked\r\n\r\nzz\r\n");
      }
      self.hold(fd);
      return;
    }
    if (index == 1) {  // the report, then a /next whose body is over Lambda's 6 MB
      seen.add(index, self.read_request(fd));
      scripted_server::write(fd, accepted);
      if (self.read_request(fd).ok) {
        scripted_server::write(fd,
                               "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: bad-2\r\n"
                               "Content-Length: 7000000\r\n\r\n");
      }
      self.hold(fd);
      return;
    }
    seen.accept(fd, index, self);
  });
  log_lines log;
  const auto posted = serve_until(seen, 2, empty_response, on(s.address(), 1, &log));
  EXPECT_THAT(posted,
              ElementsAre("1 " + post_line("bad-1", "error") + " Runtime.MalformedInvocation",
                          "2 " + post_line("bad-2", "error") + " Runtime.MalformedInvocation"));
  EXPECT_THAT(log.all(), HasSubstr("GET /next: invocation bad-1: malformed response"));
}

TEST(LambdaRuntime, AConnectionClosedWhileTheHandlerRanLosesNoResult) {
  seen_requests seen;
  scripted_server s([&](int fd, int index, scripted_server& self) {
    if (index == 0) {  // hand out an invocation, then close the idle connection
      if (self.read_request(fd).ok) scripted_server::write(fd, next_reply("idle-1"));
      return;
    }
    seen.accept(fd, index, self);
  });
  log_lines log;
  running r(
      [](const lambda::invocation&) {
        inflight::io_wait(50ms);  // the close arrives meanwhile
        return std::string("{}");
      },
      on(s.address(), 1, &log));
  const auto posted = seen.wait_for(1);
  EXPECT_EQ(r.stop(), 0);
  EXPECT_THAT(posted, ElementsAre("1 " + post_line("idle-1", "response")));
}

TEST(LambdaRuntime, AResponseTheServerDroppedUnreadIsSentOnceMore) {
  seen_requests seen;
  scripted_server s([&](int fd, int index, scripted_server& self) {
    if (index == 0) {  // hand out an invocation, take its response, close without a reply
      if (!self.read_request(fd).ok) return;
      scripted_server::write(fd, next_reply("lost-1"));
      seen.add(index, self.read_request(fd));
      return;
    }
    seen.accept(fd, index, self);
  });
  log_lines log;
  const auto posted = serve_until(seen, 2, empty_response, on(s.address(), 1, &log));
  EXPECT_THAT(posted, ElementsAre("0 " + post_line("lost-1", "response"),
                                  "1 " + post_line("lost-1", "response")));
  EXPECT_THAT(log.all(), Not(HasSubstr("ConnectionLost")));
}

TEST(LambdaRuntime, AResponseThatCouldNotBeSentWholeIsReportedAsConnectionLost) {
  seen_requests seen;
  scripted_server s([&](int fd, int index, scripted_server& self) {
    if (index == 0) {
      if (!self.read_request(fd).ok) return;
      scripted_server::write(fd, next_reply("cut-1"));
    }
    if (index <= 1) {  // read a little of the 6 MB response, then reset the connection
      char head[512];
      if (::recv(fd, head, sizeof head, 0) > 0) {
        seen.add(index, {std::string(head, 60), {}, true});
      }
      return;
    }
    seen.accept(fd, index, self);
  });
  log_lines log;
  running r([](const lambda::invocation&) { return std::string(6000000, 'r'); },
            on(s.address(), 1, &log));
  const auto posted = seen.wait_for(3);
  EXPECT_EQ(r.stop(), 0);
  ASSERT_EQ(posted.size(), 3u);
  EXPECT_THAT(posted[0], HasSubstr("0 POST /2018-06-01/runtime/invocation/cut-1/response"));
  EXPECT_THAT(posted[1], HasSubstr("1 POST /2018-06-01/runtime/invocation/cut-1/response"));
  EXPECT_EQ(posted[2], "2 " + post_line("cut-1", "error") + " Runtime.ConnectionLost");
  EXPECT_THAT(log.all(), HasSubstr("invocation cut-1: POST /response: send: "));
}

TEST(LambdaRuntime, APostThatTimesOutAfterGoingOutWholeIsNotReportedAgain) {
  seen_requests seen;
  scripted_server s([&](int fd, int index, scripted_server& self) {
    if (index == 0) {  // take the response, never answer it
      if (!self.read_request(fd).ok) return;
      scripted_server::write(fd, next_reply("slow-1"));
    }
    seen.add(index, self.read_request(fd));
    self.hold(fd);
  });
  log_lines log;
  auto o = on(s.address(), 1, &log);
  o.request_timeout = 200ms;
  const auto posted =
      serve_until(seen, 2, empty_response, o);  // the response, then the slot's next /next
  EXPECT_THAT(posted, ElementsAre("0 " + post_line("slow-1", "response"), "1 " + next_line));
  EXPECT_THAT(log.all(), HasSubstr("after the whole request went out; not reported again"));
}

TEST(LambdaRuntime, AnUnsolicitedReplyIsNeverTakenForTheResponses) {
  seen_requests seen;
  scripted_server s([&](int fd, int index, scripted_server& self) {
    if (index == 0) {  // an invocation, then a 408 nobody asked for
      if (self.read_request(fd).ok) {
        scripted_server::write(fd, next_reply("late-1") + scripted_server::reply(408, "{}"));
      }
      self.hold(fd);
      return;
    }
    seen.accept(fd, index, self);
  });
  log_lines log;
  const auto posted = serve_until(seen, 1, empty_response, on(s.address(), 1, &log));
  EXPECT_THAT(posted, ElementsAre("1 " + post_line("late-1", "response")));
  EXPECT_THAT(log.all(), Not(HasSubstr("answered 408")));
}

TEST(LambdaRuntime, AnAllocationThatFailsMidNextBacksOffAndServesOnANewConnection) {
  seen_requests seen;
  const std::string big = next_reply("big-1", "\"" + std::string(1 << 20, 'e') + "\"");
  scripted_server s([&](int fd, int, scripted_server& self) {
    for (;;) {
      const auto req = self.read_request(fd);
      if (!req.ok) return;
      seen.add(0, req);
      scripted_server::write(fd, req.line() == next_line ? big : accepted);
    }
  });
  log_lines log;
  inflight::test::fail_next_allocation_of(512 * 1024);  // the read buffer of the first /next
  std::atomic<int> calls{0};
  running r(
      [&](const lambda::invocation& in) {
        ++calls;
        return std::to_string(in.payload.size());
      },
      on(s.address(), 1, &log));
  const auto posted = seen.wait_for(2);
  EXPECT_EQ(r.stop(), 0);
  inflight::test::disarm_allocation_fault();
  EXPECT_EQ(inflight::test::allocation_faults(), 1u);
  // The failed /next's connection was closed, not asked again out of step: the retry is a new
  // connection, whose /next brings the invocation the handler then answers.
  ASSERT_GE(posted.size(), 2u);
  EXPECT_EQ(posted[0], "0 " + next_line);
  EXPECT_EQ(posted[1], "0 " + next_line);
  EXPECT_GE(s.accepted(), 2);
  EXPECT_THAT(log.all(), HasSubstr("slot failed: std::bad_alloc; backing off 10 ms"));
  EXPECT_GE(calls.load(), 1);
}

TEST(LambdaRuntime, AResultThatFindsNoDescriptorForItsConnectionIsKeptAndSentLater) {
  seen_requests seen;
  scripted_server s([&](int fd, int index, scripted_server& self) {
    if (index == 0) {  // hand out an invocation and close: its result needs a new connection
      if (self.read_request(fd).ok) scripted_server::write(fd, next_reply("fd-1"));
      return;
    }
    seen.accept(fd, index, self);
  });
  rlimit before{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &before), 0);
  log_lines log;
  running r(
      [&](const lambda::invocation&) {
        inflight::io_wait(50ms);  // the close arrives meanwhile
        // No descriptor can be made from now on (as if the handler leaked them all), until the
        // test gives them back.
        rlimit none = before;
        none.rlim_cur = 3;
        ::setrlimit(RLIMIT_NOFILE, &none);
        return std::string("{}");
      },
      on(s.address(), 1, &log));
  const auto give_up = std::chrono::steady_clock::now() + 60s;
  while (log.all().find("sending it again in") == std::string::npos &&
         std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(5ms);
  }
  ::setrlimit(RLIMIT_NOFILE, &before);
  const auto posted = seen.wait_for(1);
  EXPECT_EQ(r.stop(), 0);
  EXPECT_THAT(posted, ElementsAre("1 " + post_line("fd-1", "response")));
  EXPECT_THAT(log.all(),
              HasSubstr("invocation fd-1: socket: Too many open files; sending it again in 10 ms"));
}

TEST(LambdaRuntime, TooFewDescriptorsForTheSlotsIsAnInitErrorNamingTheLimit) {
  seen_requests seen;
  scripted_server s([&](int fd, int index, scripted_server& self) {
    const auto req = self.read_request(fd);
    seen.add(index, req);
    if (req.ok) scripted_server::write(fd, accepted);
  });
  // A child process, so the lowered hard limit (which cannot be raised again) stays there.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const rlimit low{48, 48};
    ::setrlimit(RLIMIT_NOFILE, &low);
    auto o = on(s.address(), 64);
    o.log = [](std::string_view) {};
    ::_exit(lambda::run([](const lambda::invocation&) { return std::string("{}"); }, o));
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_THAT(seen.wait_for(1), ElementsAre("0 POST /2018-06-01/runtime/init/error HTTP/1.1 "
                                            "Runtime.InitError"));
}

TEST(LambdaRuntime, NoMemoryForTheDispatcherIsAnInitError) {
  seen_requests seen;
  scripted_server s([&](int fd, int index, scripted_server& self) {
    const auto req = self.read_request(fd);
    seen.add(index, req);
    if (req.ok) scripted_server::write(fd, accepted);
  });
  log_lines log;
  auto o = on(s.address(), 1, &log);
  // The worker's inbox (1024 commands) is the first allocation of 64 KiB or more in run().
  inflight::test::fail_next_allocation_of(64 * 1024);
  running r(empty_response, o);
  const int status = r.wait();  // -1: it went on serving (the fault struck elsewhere)
  inflight::test::disarm_allocation_fault();
  EXPECT_EQ(status, 1);
  EXPECT_THAT(seen.wait_for(1), ElementsAre("0 POST /2018-06-01/runtime/init/error HTTP/1.1 "
                                            "Runtime.InitError"));
  EXPECT_THAT(log.all(), HasSubstr("no dispatcher: std::bad_alloc"));
}

TEST(LambdaRuntime, ForcedUnwindPassesThroughTheHandlerCall) {
  const lambda::handler_function h = [](const lambda::invocation&) -> std::string {
    throw boost::context::detail::forced_unwind();
  };
  std::string body, type, message;
  bool passed = false;
  try {
    lambda::detail::call_handler(h, {}, body, type, message);
  } catch (boost::context::detail::forced_unwind& u) {
#ifndef BOOST_ASSERT_IS_VOID
    u.caught = true;
#endif
    passed = true;
  }
  EXPECT_TRUE(passed);
  EXPECT_EQ(type, "");  // not taken for a handler error ("Unknown")
}

}  // namespace
