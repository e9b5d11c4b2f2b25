#pragma once
// The fixture of the real-runtime tests: the Node.js functions' directory, skipped (saying why)
// when install.sh found the npm registry unreachable, and a child subreaper, so the runtimes'
// orphans come to the test, which reaps them and checks that none outlived the sweep.
#include <gtest/gtest.h>
#include <sys/prctl.h>  // PR_SET_CHILD_SUBREAPER
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "support/sweep_binary.hpp"

namespace inflight::test {

inline const std::filesystem::path nodejs_functions =
    std::filesystem::path(INFLIGHT_SOURCE_DIR) / "bench/functions/nodejs";

class RealRuntimeTest : public SweepBinary {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(nodejs_functions / "node_modules/.inflight-installed")) {
      GTEST_SKIP() << "aws-lambda-ric is not installed: bench/functions/nodejs/install.sh found "
                      "the npm registry unreachable";
    }
    ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  }
  void TearDown() override { prctl(PR_SET_CHILD_SUBREAPER, 0); }

  // Reaps the runtimes' orphans (giving a killed one 10 s for its SIGKILL to take); true when
  // none is left.
  static bool no_runtime_left() {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!children_of(getpid()).empty() && std::chrono::steady_clock::now() < give_up) {
      while (waitpid(-1, nullptr, WNOHANG) > 0) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return children_of(getpid()).empty();
  }
};

}  // namespace inflight::test
