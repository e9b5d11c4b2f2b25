#pragma once
// Runs the inflight_sweep binary for the tests (INFLIGHT_SWEEP is its path): exit status, stdout
// and stderr, resource limits, and the helpers that check what it left behind.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>  // setrlimit
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "support/scratch_dir.hpp"

namespace inflight::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Runs inflight_sweep with `args`; returns its exit status, fills stdout/stderr files.
struct run_result {
  int status = -1;
  std::string out, err;
};

// How to start the binary: resource limits, descriptors closed, stdout into a pipe.
struct spawn_options {
  std::vector<std::pair<int, rlim_t>> limits;  // (RLIMIT_*, soft limit)
  bool close_stdout = false;
  int stdout_fd = -1;                                 // instead of the "out" file
  std::vector<std::pair<int, rlim_t>> hard_limits{};  // (RLIMIT_*, soft and hard limit)
};

class SweepBinary : public ::testing::Test {
 protected:
  pid_t start(const std::vector<std::string>& args, const spawn_options& how = {}) {
    std::vector<std::string> all{INFLIGHT_SWEEP};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string out = (dir_ / "out").string(), err = (dir_ / "err").string();
    const pid_t pid = fork();
    if (pid == 0) {
      const int o = how.stdout_fd >= 0 ? how.stdout_fd
                                       : ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(o, 1);
      dup2(e, 2);
      if (how.close_stdout) ::close(1);
      signal(SIGPIPE, SIG_DFL);  // as a shell starts it, whatever the test runner ignores
      for (auto [resource, value] : how.limits) {
        rlimit l{};
        getrlimit(resource, &l);
        l.rlim_cur = value;
        setrlimit(resource, &l);
      }
      for (auto [resource, value] : how.hard_limits) {
        const rlimit l{value, value};
        setrlimit(resource, &l);
      }
      execv(argv[0], argv.data());
      _exit(127);
    }
    EXPECT_GT(pid, 0);
    return pid;
  }

  run_result finish(pid_t pid) {
    run_result r;
    int status = 0;
    waitpid(pid, &status, 0);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = slurp(dir_ / "out");
    r.err = slurp(dir_ / "err");
    return r;
  }

  run_result run(const std::vector<std::string>& args, const spawn_options& how = {}) {
    return finish(start(args, how));
  }

  static std::string slurp(const fs::path& p) { return inflight::test::scratch_dir::read(p); }

  inflight::test::scratch_dir scratch_;
  const fs::path& dir_ = scratch_.path();
};

inline bool parses(const std::string& path, std::size_t* points = nullptr) {
  try {
    const auto doc = nlohmann::json::parse(inflight::test::scratch_dir::read(path));
    if (points != nullptr) *points = doc.at("benchmarks").size();
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

// The direct children of `pid` (every thread's list).
inline std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& task : fs::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream in(task.path() / "children");
    pid_t child = 0;
    while (in >> child) out.push_back(child);
  }
  return out;
}

// True once none of `pids` exists any more (the test process is their subreaper, so orphans come
// here and are reaped here).
inline bool all_gone(const std::vector<pid_t>& pids, std::chrono::seconds within) {
  const auto give_up = std::chrono::steady_clock::now() + within;
  for (;;) {
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    bool any = false;
    for (pid_t p : pids) any = any || kill(p, 0) == 0;
    if (!any) return true;
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(10ms);
  }
}

inline bool under_asan() {
#if defined(__SANITIZE_ADDRESS__)
  return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return true;
#endif
#endif
  return false;
}

}  // namespace inflight::test
