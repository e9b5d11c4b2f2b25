// A runtime for the exec tests that needs no Node: it speaks the Runtime API from
// AWS_LAMBDA_MAX_CONCURRENCY threads (1 without it), each looping GET /next -> 2 ms -> POST
// response, and misbehaves on purpose as its first argument says:
//   serve          as above
//   throw10        every tenth invocation is posted to /error as errorType "TestError"
//   exit           prints a line to stderr and exits with status 3 before polling
//   silent         never polls
//   init_error     posts /runtime/init/error (errorType "Runtime.TestInitError") and waits
//   garbage        sends bytes that are not HTTP, forever
//   drop5          never answers every fifth invocation (and goes on polling)
//   stall          takes invocations but never answers any (and stays alive)
//   grandchild     starts a grandchild that sleeps (argv[2] names it), then serves
//   escapee        as grandchild, with two that leave the group: setsid() and setpgid(0, 0)
//   chatty         writes argv[2] MiB to stdout (default 100), then exits with status 3
//   odd_errors     posts every other invocation to /error with a new errorType holding ESC
//                  and control characters
//   leak           writes one JSON line per invocation with its request id and the one before
//                  it, as a library that keeps the last request id in module state does
#include <sys/prctl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/blocking_http.hpp"

namespace {

const std::string next_path = "/2018-06-01/runtime/invocation/next";
std::atomic<int> calls{0};
std::mutex last_mutex;
std::string last_id;  // leak: the request id before this one

void serve(const std::string& api, const std::string& mode) {
  inflight::test::blocking_http c(api);
  if (!c.connected()) return;
  for (;;) {
    const auto next = c.call("GET", next_path);
    if (next.status != 200) return;
    const std::string id = next.header("Lambda-Runtime-Aws-Request-Id");
    const int n = ++calls;
    if (mode == "stall") continue;
    if (mode == "drop5" && n % 5 == 0) continue;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    if (mode == "leak") {
      std::lock_guard<std::mutex> lock(last_mutex);
      if (!last_id.empty()) {
        std::printf("{\"requestId\":\"%s\",\"previous\":\"%s\"}\n", id.c_str(), last_id.c_str());
        std::fflush(stdout);
      }
      last_id = id;
    }
    const std::string base = "/2018-06-01/runtime/invocation/" + id;
    if (mode == "odd_errors" && n % 2 == 1) {
      // In the body: a header value may not hold control characters (the server refuses it).
      c.call("POST", base + "/error",
             "{\"errorMessage\":\"odd\",\"errorType\":\"Odd\x1b[31m\x01"
             "Error" +
                 std::to_string(n) + "\"}");
    } else if (mode == "throw10" && n % 10 == 0) {
      c.call("POST", base + "/error", R"({"errorMessage":"tenth","errorType":"TestError"})",
             {{"Lambda-Runtime-Function-Error-Type", "TestError"}});
    } else {
      c.call("POST", base + "/response", R"({"ok":true})");
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "serve";
  if (mode == "--version") {  // as Node answers it, for the runtime identity tests
    std::printf("v0.0.0-fake\n");
    return 0;
  }
  const char* api_env = std::getenv("AWS_LAMBDA_RUNTIME_API");
  if (api_env == nullptr) {
    std::fprintf(stderr, "fake_runtime: no AWS_LAMBDA_RUNTIME_API\n");
    return 2;
  }
  const std::string api = api_env;
  const char* c_env = std::getenv("AWS_LAMBDA_MAX_CONCURRENCY");
  const int c = c_env ? std::atoi(c_env) : 1;
  if (mode == "exit") {
    std::fprintf(stderr, "fake_runtime: giving up on purpose\n");
    return 3;
  }
  if (mode == "silent") {
    std::this_thread::sleep_for(std::chrono::hours(1));
    return 0;
  }
  if (mode == "init_error") {
    inflight::test::blocking_http h(api);
    h.call("POST", "/2018-06-01/runtime/init/error",
           R"({"errorMessage":"cannot init","errorType":"Runtime.TestInitError"})",
           {{"Lambda-Runtime-Function-Error-Type", "Runtime.TestInitError"}});
    std::this_thread::sleep_for(std::chrono::hours(1));
    return 0;
  }
  if (mode == "garbage") {
    for (;;) {
      inflight::test::blocking_http h(api);
      h.send_raw("\x16\x03\x01 this is not HTTP\r\n\r\n");
      h.closed_by_peer();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  if (mode == "grandchild" || mode == "escapee") {
    const std::string name = argc > 2 ? argv[2] : "fake-grandchild";
    for (int leave : {0, 1, 2}) {
      if (leave != 0 && mode != "escapee") break;
      if (fork() == 0) {
        // The grandchild: renamed so the test can look for it, out of the group if asked, then
        // asleep.
        if (leave == 1) setsid();
        if (leave == 2) setpgid(0, 0);
        prctl(PR_SET_NAME, name.c_str());
        std::this_thread::sleep_for(std::chrono::hours(1));
        _exit(0);
      }
    }
  }
  if (mode == "chatty") {
    const long mib = argc > 2 ? std::atol(argv[2]) : 100;
    const std::string line(1023, 'o');
    for (long i = 0; i < mib * 1024; ++i) std::printf("%s\n", line.c_str());
    std::printf("fake_runtime: said all of it\n");
    std::fflush(stdout);
    return 3;
  }
  // One line of output, so a test can find where the sweep kept it.
  std::printf("fake_runtime: %s with %d slots\n", mode.c_str(), std::max(1, c));
  std::fflush(stdout);
  std::vector<std::thread> threads;
  if (mode == "spin") {  // a thread that burns CPU whether or not an invocation is in flight
    threads.emplace_back([] {
      for (volatile unsigned long n = 0;; n = n + 1) {
      }
    });
  }
  for (int i = 0; i < std::max(1, c); ++i) threads.emplace_back(serve, api, mode);
  for (auto& t : threads) t.join();
  return 0;
}
