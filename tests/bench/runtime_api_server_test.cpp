// The local Runtime API, spoken to by a C++ test client (no Node): what /next hands out, how
// responses and errors end invocations, the errors the real API gives, many concurrent pollers,
// malformed HTTP, oversized bodies, init errors and timeouts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
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

const std::string next_path = "/2018-06-01/runtime/invocation/next";
std::string invocation_path(const std::string& id, const std::string& what) {
  return "/2018-06-01/runtime/invocation/" + id + "/" + what;
}

// Records what the server tells its load.
class recording_driver : public driver {
 public:
  void polled(server&, steady::time_point) override {
    std::lock_guard<std::mutex> lock(m_);
    ++polls_;
  }
  void ended(server&, const finished& f) override {
    std::lock_guard<std::mutex> lock(m_);
    ended_.push_back(f);
    cv_.notify_all();
  }
  void init_error(server&, const std::string& type) override {
    std::lock_guard<std::mutex> lock(m_);
    init_errors_.push_back(type);
    cv_.notify_all();
  }
  // Waits (at most 30 s, so a broken server fails the test rather than hangs it) for `n` ends.
  // The ends so far, once there are `n` or `within` has passed.
  std::vector<finished> wait_for(std::size_t n, std::chrono::milliseconds within = 30s) {
    std::unique_lock<std::mutex> lock(m_);
    cv_.wait_for(lock, within, [&] { return ended_.size() >= n; });
    return ended_;
  }
  std::vector<std::string> init_errors() {
    std::unique_lock<std::mutex> lock(m_);
    cv_.wait_for(lock, 30s, [&] { return !init_errors_.empty(); });
    return init_errors_;
  }
  int polls() {
    std::lock_guard<std::mutex> lock(m_);
    return polls_;
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<finished> ended_;
  std::vector<std::string> init_errors_;
  int polls_ = 0;
};

// A server running on its own thread for one test.
using RuntimeApi = inflight::test::runtime_api_fixture<recording_driver>;

TEST_F(RuntimeApi, NextHandsOutAnInvocationWithTheHeadersClientsRead) {
  server_config config;
  config.events = {R"({"a":1})"};
  config.function_arn = "arn:aws:lambda:us-east-1:000000000000:function:fn";
  start(config);
  submit(1);
  blocking_http c(srv_->address());
  ASSERT_TRUE(c.connected());
  const auto before_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  const auto r = c.call("GET", next_path);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"a":1})");
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(r.header("Lambda-Runtime-Aws-Request-Id").size(), 36u) << "UUID-shaped";
  EXPECT_EQ(r.header("Lambda-Runtime-Invoked-Function-Arn"), config.function_arn);
  EXPECT_THAT(r.header("Lambda-Runtime-Trace-Id"), HasSubstr("Root=1-"));
  EXPECT_EQ(r.header("Lambda-Runtime-Aws-Tenant-Id"), "") << "no tenants configured";
  const long long deadline = std::atoll(r.header("Lambda-Runtime-Deadline-Ms").c_str());
  // The deadline is the availability plus 3 s: after the call began (minus the 3 s), and not
  // beyond 3 s after it ended plus a minute of slack for a loaded machine.
  EXPECT_GT(deadline, before_ms);
  EXPECT_LT(deadline, before_ms + 3000 + 60000);
}

// With tenants, each invocation carries one, round robin, and its own trace id.
TEST_F(RuntimeApi, InvocationsCarryTheirTenantAndTraceIds) {
  server_config config;
  config.tenants = 2;
  start(config);
  submit(3);
  blocking_http c(srv_->address());
  std::vector<std::string> tenants, traces;
  for (int i = 0; i < 3; ++i) {
    const auto r = c.call("GET", next_path);
    tenants.push_back(r.header("Lambda-Runtime-Aws-Tenant-Id"));
    traces.push_back(r.header("Lambda-Runtime-Trace-Id"));
    c.call("POST", invocation_path(r.header("Lambda-Runtime-Aws-Request-Id"), "response"), "{}");
  }
  EXPECT_EQ(tenants, (std::vector<std::string>{"tenant-1", "tenant-2", "tenant-1"}));
  EXPECT_EQ(std::set<std::string>(traces.begin(), traces.end()).size(), 3u);
}

TEST_F(RuntimeApi, AResponseEndsItsInvocationOnceThenTheIdIsUnknown) {
  start();
  submit(1);
  blocking_http c(srv_->address());
  const auto next = c.call("GET", next_path);
  const std::string id = next.header("Lambda-Runtime-Aws-Request-Id");
  const auto ok = c.call("POST", invocation_path(id, "response"), R"({"r":1})");
  EXPECT_EQ(ok.status, 202);
  const auto ended = driver_.wait_for(1);
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].how, outcome::response);
  EXPECT_TRUE(ended[0].counted);
  EXPECT_GE(ended[0].done, ended[0].from);
  // The same connection goes on (keep-alive): a second answer, and a made-up id, are refused.
  const auto again = c.call("POST", invocation_path(id, "response"), "{}");
  EXPECT_EQ(again.status, 400);
  EXPECT_THAT(again.body, HasSubstr("InvalidRequestID"));
  const auto made_up = c.call("POST", invocation_path("no-such-id", "error"), "{}");
  EXPECT_EQ(made_up.status, 400);
  EXPECT_EQ(srv_->outstanding(), 0u);
}

TEST_F(RuntimeApi, AnErrorCarriesItsErrorTypeFromTheHeaderOrTheBody) {
  start();
  submit(2);
  blocking_http c(srv_->address());
  const auto a = c.call("GET", next_path).header("Lambda-Runtime-Aws-Request-Id");
  const auto b = c.call("GET", next_path).header("Lambda-Runtime-Aws-Request-Id");
  EXPECT_NE(a, b);
  EXPECT_EQ(c.call("POST", invocation_path(a, "error"), "{}",
                   {{"Lambda-Runtime-Function-Error-Type", "Runtime.FromHeader"}})
                .status,
            202);
  EXPECT_EQ(
      c.call("POST", invocation_path(b, "error"), R"({"errorMessage":"m","errorType": "FromBody"})")
          .status,
      202);
  const auto ended = driver_.wait_for(2);
  ASSERT_EQ(ended.size(), 2u);
  EXPECT_EQ(ended[0].how, outcome::error);
  EXPECT_EQ(ended[0].error_type, "Runtime.FromHeader");
  EXPECT_EQ(ended[1].error_type, "FromBody");
}

TEST_F(RuntimeApi, UnknownPathsAndMethodsAreRefusedAndTheConnectionGoesOn) {
  start();
  blocking_http c(srv_->address());
  EXPECT_EQ(c.call("GET", "/").status, 404);
  EXPECT_EQ(c.call("GET", "/2018-06-01/runtime/invocation/x/nothing").status, 404);
  EXPECT_EQ(c.call("POST", next_path, "{}").status, 405);
  EXPECT_EQ(c.call("GET", invocation_path("x", "response")).status, 405);
  submit(1);
  EXPECT_EQ(c.call("GET", next_path).status, 200) << "the same keep-alive connection still works";
}

TEST_F(RuntimeApi, MalformedHttpGets400AndTheServerServesOthers) {
  start();
  {
    blocking_http bad(srv_->address());
    ASSERT_TRUE(bad.send_raw("\x16\x03\x01\x02 not http\r\n\r\n"));
    const auto r = bad.read_reply();
    EXPECT_EQ(r.status, 400);
    EXPECT_TRUE(bad.closed_by_peer());
  }
  {
    blocking_http half(srv_->address());
    ASSERT_TRUE(half.send_raw("POST /x HTTP/1.1\r\nContent-Length: 100\r\n\r\nshort"));
  }  // closed mid-body
  EXPECT_EQ(srv_->bad_requests(), 1u);
  submit(1);
  blocking_http good(srv_->address());
  EXPECT_EQ(good.call("GET", next_path).status, 200);
}

TEST_F(RuntimeApi, EveryConcurrentPollerGetsAnInvocationOfItsOwn) {
  start();
  constexpr int pollers = 64;
  std::vector<std::string> ids(pollers);
  std::vector<std::thread> threads;
  for (int i = 0; i < pollers; ++i) {
    threads.emplace_back([&, i] {
      blocking_http c(srv_->address());
      const auto next = c.call("GET", next_path);
      ids[static_cast<std::size_t>(i)] = next.header("Lambda-Runtime-Aws-Request-Id");
      c.call("POST", invocation_path(ids[static_cast<std::size_t>(i)], "response"), "{}");
    });
  }
  // Whether the polls or the invocations come first, each poll gets exactly one.
  submit(pollers);
  for (auto& t : threads) t.join();
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), std::size_t{pollers});
  const auto ended = driver_.wait_for(pollers);
  EXPECT_EQ(ended.size(), std::size_t{pollers});
  EXPECT_EQ(driver_.polls(), pollers);
}

TEST_F(RuntimeApi, PayloadsGoRoundRobin) {
  server_config config;
  config.events = {"1", "2"};
  start(config);
  submit(3);
  blocking_http c(srv_->address());
  EXPECT_EQ(c.call("GET", next_path).body, "1");
  EXPECT_EQ(c.call("GET", next_path).body, "2");
  EXPECT_EQ(c.call("GET", next_path).body, "1");
}

TEST_F(RuntimeApi, AResponseOverTheLimitIs413AndAnError) {
  server_config config;
  config.max_response = 100;
  start(config);
  submit(1);
  blocking_http c(srv_->address());
  const auto id = c.call("GET", next_path).header("Lambda-Runtime-Aws-Request-Id");
  const auto big = c.call("POST", invocation_path(id, "response"), std::string(101, 'x'));
  EXPECT_EQ(big.status, 413);
  EXPECT_THAT(big.body, HasSubstr("\"errorMessage\":\"Exceeded maximum allowed payload size (100 "
                                  "bytes).\",\"errorType\":\"RequestEntityTooLarge\""));
  const auto ended = driver_.wait_for(1);
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].how, outcome::error);
  EXPECT_EQ(ended[0].error_type, "Function.ResponseSizeTooLarge");
}

TEST_F(RuntimeApi, AnEventsClientContextAndCognitoIdentityGoInTheirHeaders) {
  server_config config;
  config.events = {"{\"n\":1}", "{\"n\":2}"};
  config.client_contexts = {"{\"custom\":{}}", ""};
  config.cognito_identities = {"", "{\"cognitoIdentityId\":\"id\"}"};
  start(config);
  submit(2);
  blocking_http c(srv_->address());
  const auto first = c.call("GET", next_path), second = c.call("GET", next_path);
  EXPECT_EQ(first.header("Lambda-Runtime-Client-Context"), "{\"custom\":{}}");
  EXPECT_EQ(first.header("Lambda-Runtime-Cognito-Identity"), "");
  EXPECT_EQ(second.header("Lambda-Runtime-Client-Context"), "");
  EXPECT_EQ(second.header("Lambda-Runtime-Cognito-Identity"), "{\"cognitoIdentityId\":\"id\"}");
  EXPECT_EQ(second.body, "{\"n\":2}");
}

TEST_F(RuntimeApi, InitErrorsReachTheDriver) {
  start();
  blocking_http c(srv_->address());
  EXPECT_EQ(c.call("POST", "/2018-06-01/runtime/init/error", "{}",
                   {{"Lambda-Runtime-Function-Error-Type", "Runtime.Broken"}})
                .status,
            202);
  EXPECT_EQ(driver_.init_errors(), std::vector<std::string>{"Runtime.Broken"});
}

TEST_F(RuntimeApi, InvocationsNobodyAnswersTimeOutAfterTheirDeadlinePlusOneSecond) {
  server_config config;
  config.deadline = 1ms;
  start(config);
  submit(2);  // one handed out and never answered, one never polled for
  blocking_http c(srv_->address());
  const auto id = c.call("GET", next_path).header("Lambda-Runtime-Aws-Request-Id");
  const auto ended = driver_.wait_for(2);
  ASSERT_EQ(ended.size(), 2u);
  for (const auto& f : ended) {
    EXPECT_EQ(f.how, outcome::timeout);
    EXPECT_GE(f.done - f.from, 1s);
  }
  // As LMI answers it (the emulator's RenderInvokeTimeout): 410, InvokeTimeout.
  for (const char* what : {"response", "error"}) {
    const auto late = c.call("POST", invocation_path(id, what), "{}");
    EXPECT_EQ(late.status, 410) << what;
    EXPECT_THAT(late.body, HasSubstr("\"errorType\":\"InvokeTimeout\"")) << what;
  }
  EXPECT_EQ(driver_.wait_for(3, 200ms).size(), 2u) << "a late answer ends nothing";
}

}  // namespace
