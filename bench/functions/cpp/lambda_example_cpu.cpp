// A Lambda handler that waits and computes, on inflight's concurrent runtime: it awaits 2 ms, then
// burns 200 us of CPU, and answers {"ok":true}; the same as index.cpu of the Node.js examples.
// Built as lambda_example_cpu (bench/functions/cpp/README.md).
#include <chrono>
#include <string>

#include "inflight/cpu_work.hpp"
#include "inflight/io_wait.hpp"
#include "inflight/lambda.hpp"

int main() {
  return inflight::lambda::run([](const inflight::lambda::invocation&) {
    inflight::io_wait(std::chrono::milliseconds(2));
    inflight::cpu_work(std::chrono::microseconds(200));  // holds its worker, as real CPU work does
    return std::string(R"({"ok":true})");
  });
}
