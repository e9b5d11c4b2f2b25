// An IO-bound Lambda handler on inflight's concurrent runtime: it awaits 2 ms, as a handler awaits
// a downstream call, and answers {"ok":true}; the same as index.io of the Node.js examples. Built
// as lambda_example_io; statically with -DINFLIGHT_STATIC_BOOTSTRAP=ON, it is a `bootstrap` for
// provided.al2023 (bench/functions/cpp/README.md).
#include <chrono>
#include <string>

#include "inflight/io_wait.hpp"
#include "inflight/lambda.hpp"

int main() {
  return inflight::lambda::run([](const inflight::lambda::invocation&) {
    inflight::io_wait(std::chrono::milliseconds(2));  // suspends this invocation's fiber only
    return std::string(R"({"ok":true})");
  });
}
