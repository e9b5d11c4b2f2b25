// inflight::lambda::run against the bench's Runtime API server (the one inflight_sweep --exec
// serves): concurrency, the invocation's fields, errors by exception type, the 6 MB limit, init
// errors, bad options, a lost Runtime API, the descriptor limit. The faults of a Runtime API that
// misbehaves are in detail/lambda_runtime_test.cpp.
#include "inflight/lambda.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>        // setenv, unsetenv
#include <sys/resource.h>  // RLIMIT_NOFILE

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "runtime_api/server.hpp"
#include "support/lambda_runner.hpp"
#include "support/scripted_server.hpp"

namespace {

using namespace std::chrono_literals;
namespace api = inflight::bench::runtime_api;
namespace lambda = inflight::lambda;
using inflight::test::log_lines;
using inflight::test::on;
using inflight::test::running;
using inflight::test::scripted_server;
using ::testing::AllOf;
using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;

// Records what the server tells its load; submits invocations on request.
class recording_driver : public api::driver {
 public:
  void ended(api::server&, const api::finished& f) override {
    std::lock_guard<std::mutex> lock(m_);
    ended_.push_back(f);
    cv_.notify_all();
  }
  void init_error(api::server&, const std::string& type) override {
    std::lock_guard<std::mutex> lock(m_);
    init_errors_.push_back(type);
    cv_.notify_all();
  }
  // Waits (at most 60 s, so a broken runtime fails the test rather than hangs it) for `n` ends.
  std::vector<api::finished> wait_for(std::size_t n) {
    std::unique_lock<std::mutex> lock(m_);
    cv_.wait_for(lock, 60s, [&] { return ended_.size() >= n; });
    return ended_;
  }
  std::vector<std::string> init_errors() {
    std::lock_guard<std::mutex> lock(m_);
    return init_errors_;
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<api::finished> ended_;
  std::vector<std::string> init_errors_;
};

// The bench's Runtime API server on a thread of its own.
class runtime_api {
 public:
  explicit runtime_api(api::server_config config = {}) : server_(std::move(config)) {
    thread_ = std::thread([this] { server_.run(driver_); });
  }
  ~runtime_api() { shut(); }
  void shut() {
    if (!thread_.joinable()) return;
    server_.stop();
    thread_.join();
  }
  void submit(int n) {
    server_.post([this, n] {
      for (int i = 0; i < n; ++i) server_.submit(api::steady::now(), true);
    });
  }
  std::string address() const { return server_.address(); }
  recording_driver& driver() { return driver_; }

 private:
  recording_driver driver_;
  api::server server_;
  std::thread thread_;
};

const auto is_response = Field(&api::finished::how, api::outcome::response);

// Counts the invocations inside a handler at once. enter_until(n) waits (in io_wait, at most
// `patience`) until n have been inside together, so with the default 30 s it returns early only
// when run() serves n at once.
class overlap {
 public:
  void enter_until(int n, std::chrono::milliseconds patience = 30s) {
    const int now = ++inside_;
    for (int seen = most_.load(); now > seen && !most_.compare_exchange_weak(seen, now);) {
    }
    const auto give_up = std::chrono::steady_clock::now() + patience;
    do {
      inflight::io_wait(1ms);
    } while (most_.load() < n && std::chrono::steady_clock::now() < give_up);
    --inside_;
  }
  int most() const { return most_.load(); }

 private:
  std::atomic<int> inside_{0}, most_{0};
};

TEST(Lambda, ServesItsConcurrencyAtOnceAndAnswersEveryInvocation) {
  runtime_api server;
  constexpr int c = 8;
  overlap seen;
  running r(
      [&](const lambda::invocation&) {
        seen.enter_until(c);
        return std::string(R"({"ok":true})");
      },
      on(server.address(), c));
  server.submit(5 * c);
  const auto ended = server.driver().wait_for(5 * c);
  EXPECT_EQ(r.stop(), 0);
  ASSERT_EQ(ended.size(), 5u * c);
  EXPECT_THAT(ended, Each(is_response));
  EXPECT_EQ(seen.most(), c);
}

TEST(Lambda, WithoutMaxConcurrencyItServesOneAtATime) {
  ::unsetenv("AWS_LAMBDA_MAX_CONCURRENCY");
  runtime_api server;
  overlap seen;
  running r(
      [&](const lambda::invocation&) {
        seen.enter_until(2, 5ms);  // each call gives a second one 5 ms to overlap it
        return std::string("{}");
      },
      on(server.address(), 0));
  server.submit(20);
  EXPECT_EQ(server.driver().wait_for(20).size(), 20u);
  EXPECT_EQ(r.stop(), 0);
  EXPECT_EQ(seen.most(), 1);
}

TEST(Lambda, TheMaxConcurrencyVariableSetsTheSlots) {
  ::setenv("AWS_LAMBDA_MAX_CONCURRENCY", "4", 1);
  runtime_api server;
  overlap seen;
  running r(
      [&](const lambda::invocation&) {
        seen.enter_until(4);
        return std::string("{}");
      },
      on(server.address(), 0));
  server.submit(8);
  EXPECT_EQ(server.driver().wait_for(8).size(), 8u);
  EXPECT_EQ(r.stop(), 0);
  ::unsetenv("AWS_LAMBDA_MAX_CONCURRENCY");
  EXPECT_EQ(seen.most(), 4);
}

TEST(Lambda, ASoftDescriptorLimitBelowItsSlotsIsRaisedToTheHardOne) {
  rlimit before{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &before), 0);
  if (before.rlim_max != RLIM_INFINITY && before.rlim_max < 1024) {
    GTEST_SKIP() << "the hard limit is " << before.rlim_max << ", below what this test needs";
  }
  rlimit low = before;
  low.rlim_cur = 48;  // the server's 64 connections and the runtime's 64 sockets need ~140
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  runtime_api server;
  running r([](const lambda::invocation&) { return std::string("{}"); }, on(server.address(), 64));
  server.submit(640);
  const auto ended = server.driver().wait_for(640);
  EXPECT_EQ(r.stop(), 0);
  rlimit after{};
  ::getrlimit(RLIMIT_NOFILE, &after);
  ::setrlimit(RLIMIT_NOFILE, &before);
  EXPECT_EQ(after.rlim_cur, before.rlim_max);
  EXPECT_EQ(ended.size(), 640u);
  EXPECT_THAT(ended, Each(is_response));
}

TEST(Lambda, TheInvocationComesFromItsHeaders) {
  api::server_config config;
  config.events = {R"({"n":1})"};
  config.deadline = 3000ms;
  config.function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:test";
  config.tenants = 2;
  runtime_api server(config);
  std::mutex m;
  std::vector<lambda::invocation> seen;
  running r(
      [&](const lambda::invocation& in) {
        std::lock_guard<std::mutex> lock(m);
        seen.push_back(in);
        return std::string("{}");
      },
      on(server.address(), 2));
  const auto before = std::chrono::system_clock::now();
  server.submit(4);
  EXPECT_EQ(server.driver().wait_for(4).size(), 4u);
  EXPECT_EQ(r.stop(), 0);
  ASSERT_EQ(seen.size(), 4u);
  std::set<std::string> ids;
  for (const auto& in : seen) {
    ids.insert(in.request_id);
    EXPECT_EQ(in.payload, R"({"n":1})");
    EXPECT_EQ(in.function_arn, config.function_arn);
    EXPECT_THAT(in.trace_id, HasSubstr("Root=1-"));
    EXPECT_THAT(in.tenant_id, ::testing::AnyOf("tenant-1", "tenant-2"));
    EXPECT_GT(in.deadline, before);
    EXPECT_LE(in.deadline, std::chrono::system_clock::now() + 3s);
  }
  EXPECT_EQ(ids.size(), 4u);
}

struct custom_failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

TEST(Lambda, AThrowIsAnErrorNamedByItsType) {
  runtime_api server;
  std::atomic<int> calls{0};
  running r(
      [&](const lambda::invocation&) -> std::string {
        switch (calls++ % 3) {
          case 0:
            throw std::out_of_range("index 7");
          case 1:
            throw custom_failure("custom");
          default:
            throw 42;
        }
      },
      on(server.address(), 1));
  server.submit(3);
  const auto ended = server.driver().wait_for(3);
  EXPECT_EQ(r.stop(), 0);
  ASSERT_EQ(ended.size(), 3u);
  std::vector<std::string> types;
  for (const auto& f : ended) {
    EXPECT_EQ(f.how, api::outcome::error);
    types.push_back(f.error_type);
  }
  EXPECT_THAT(types,
              ElementsAre("std::out_of_range", "(anonymous namespace)::custom_failure", "Unknown"));
}

TEST(Lambda, AResponseOverSixMegabytesIsReportedAsTooLarge) {
  runtime_api server;
  std::atomic<int> calls{0};
  running r(
      [&](const lambda::invocation&) {
        return std::string(lambda::max_response_bytes + (calls++ == 0 ? 1 : 0), 'x');
      },
      on(server.address(), 1));
  server.submit(2);
  const auto ended = server.driver().wait_for(2);
  EXPECT_EQ(r.stop(), 0);
  ASSERT_EQ(ended.size(), 2u);
  EXPECT_EQ(ended[0].how, api::outcome::error);
  EXPECT_EQ(ended[0].error_type, "Function.ResponseSizeTooLarge");
  EXPECT_EQ(ended[1].how, api::outcome::response);  // exactly the limit goes through
}

TEST(Lambda, AFailingInitGoesToInitError) {
  runtime_api server;
  log_lines log;
  auto o = on(server.address(), 1, &log);
  o.init = [] { throw std::runtime_error("no config"); };
  std::atomic<bool> called{false};
  running r(
      [&](const lambda::invocation&) {
        called = true;
        return std::string();
      },
      o);
  EXPECT_EQ(r.wait(), 1);
  EXPECT_FALSE(called.load());
  EXPECT_THAT(server.driver().init_errors(), ElementsAre("std::runtime_error"));
  EXPECT_THAT(log.all(), HasSubstr("init: no config"));
}

TEST(Lambda, MaxConcurrencyAboveSixtyFourPerVcpuIsAnInitErrorInLmisWords) {
  runtime_api server;
  log_lines log;
  ::setenv("AWS_LAMBDA_MAX_CONCURRENCY", "65", 1);
  running r([](const lambda::invocation&) { return std::string(); }, on(server.address(), 0, &log));
  const int status = r.wait();
  ::unsetenv("AWS_LAMBDA_MAX_CONCURRENCY");
  EXPECT_EQ(status, 1);
  EXPECT_THAT(server.driver().init_errors(), ElementsAre("Runtime.InvalidConcurrency"));
  EXPECT_THAT(log.all(), HasSubstr("exceeds the limit of 64 per VCpu. For your configuration, the "
                                   "limit is 64"));
}

TEST(Lambda, BadOptionsThrowOneClearException) {
  const auto throws = [](lambda::options o, lambda::handler_function h, const char* text) {
    o.runtime_api = "127.0.0.1:1";
    try {
      lambda::run(std::move(h), std::move(o));
      ADD_FAILURE() << "no exception; wanted " << text;
    } catch (const std::invalid_argument& e) {
      EXPECT_THAT(e.what(), HasSubstr(text));
    }
  };
  const lambda::handler_function ok = [](const lambda::invocation&) { return std::string(); };
  throws({}, {}, "the handler is empty");
  std::string (*null_handler)(const lambda::invocation&) = nullptr;
  throws({}, null_handler, "the handler is empty");
  lambda::options o;
  o.vcpus = 1;
  o.concurrency = 65;
  throws(o, ok, "exceeds the limit of 64 per VCpu. For your configuration, the limit is 64");
  o = {};
  o.connect_timeout = 0ms;
  throws(o, ok, "lambda::options.connect_timeout is 0 ms; valid range is 1..600000 ms");
  o = {};
  o.request_timeout = 11min;
  throws(o, ok, "lambda::options.request_timeout is 660000 ms; valid range is 1..600000 ms");
  o = {};
  o.workers_per_vcpu = 65;
  throws(o, ok, "workers_per_vcpu is 65; valid range is 1..64");
  o = {};
  o.stack_size = 1;
  throws(o, ok, "stack_size is 1; valid range is 16384..1073741824");
}

TEST(Lambda, NoRuntimeApiIsOneLineAndExitOne) {
  ::unsetenv("AWS_LAMBDA_RUNTIME_API");
  for (const std::string address : {"", "nohost", "example.com:9001"}) {
    log_lines log;
    auto o = on(address, 1, &log);
    EXPECT_EQ(lambda::run([](const lambda::invocation&) { return std::string(); }, o), 1);
    ASSERT_EQ(log.lines.size(), 1u) << log.all();
    EXPECT_THAT(log.lines[0], HasSubstr("AWS_LAMBDA_RUNTIME_API"));
  }
}

TEST(Lambda, AnUnreachableRuntimeApiIsRetriedThenExitOne) {
  std::string address;
  {
    scripted_server gone([](int, int, scripted_server&) {});
    address = gone.address();
  }  // nothing listens there now
  log_lines log;
  running r([](const lambda::invocation&) { return std::string(); }, on(address, 4, &log));
  EXPECT_EQ(r.wait(), 1);
  EXPECT_THAT(log.all(), AllOf(HasSubstr("the Runtime API is gone: cannot connect to " + address),
                               HasSubstr("Connection refused; exiting")));
}

TEST(Lambda, ARuntimeApiThatGoesAwayEndsTheRuntime) {
  auto server = std::make_unique<runtime_api>();
  log_lines log;
  running r([](const lambda::invocation&) { return std::string("{}"); },
            on(server->address(), 4, &log));
  server->submit(10);
  EXPECT_EQ(server->driver().wait_for(10).size(), 10u);
  server.reset();  // closes every connection and the listener
  EXPECT_EQ(r.wait(), 1);
  EXPECT_THAT(log.all(), HasSubstr("the Runtime API is gone"));
}

// A scripted /next that hands out invocation `id`.
}  // namespace
