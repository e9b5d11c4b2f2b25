#pragma once
// Fault injection for tests: a lowered address-space limit (so mmap fails), and a watchdog that
// turns a hang into a fast, named failure instead of a ctest timeout.

#include <sys/resource.h>  // setrlimit, RLIMIT_AS

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <string>
#include <thread>

namespace inflight::test {

/// Lowers RLIMIT_AS to the process's current address space plus `headroom` bytes for its lifetime,
/// so that a larger mmap fails with ENOMEM while small allocations still succeed. Works under ASan,
/// whose shadow reservation is already part of the current size.
class address_space_limit {
 public:
  explicit address_space_limit(std::size_t headroom) {
    getrlimit(RLIMIT_AS, &saved_);
    rlimit lowered = saved_;
    lowered.rlim_cur = static_cast<rlim_t>(current_bytes() + headroom);
    setrlimit(RLIMIT_AS, &lowered);
  }
  ~address_space_limit() { setrlimit(RLIMIT_AS, &saved_); }
  address_space_limit(const address_space_limit&) = delete;
  address_space_limit& operator=(const address_space_limit&) = delete;

  static std::size_t current_bytes() {
    std::ifstream status("/proc/self/status");
    std::string key;
    while (status >> key) {
      if (key == "VmSize:") {
        std::size_t kib = 0;
        status >> kib;
        return kib * 1024;
      }
      std::getline(status, key);
    }
    return 0;
  }

 private:
  rlimit saved_{};
};

/// Runs fn on a thread and waits up to `limit`; a hang prints `what` and ends the test process
/// at once with exit 1 (the hung thread cannot be joined).
template <class Fn>
void finishes_within(std::chrono::seconds limit, const char* what, Fn&& fn) {
  auto done = std::async(std::launch::async, std::forward<Fn>(fn));
  if (done.wait_for(limit) != std::future_status::ready) {
    std::fprintf(stderr, "HANG: %s did not finish within %lld s\n", what,
                 static_cast<long long>(limit.count()));
    std::fflush(stderr);
    std::_Exit(1);
  }
  done.get();
}

}  // namespace inflight::test
