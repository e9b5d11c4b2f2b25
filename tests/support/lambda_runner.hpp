#pragma once
// run() for the lambda runtime's tests: on a thread of its own, with its diagnostic lines
// collected, against a given Runtime API address.

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "inflight/lambda.hpp"

namespace inflight::test {

using namespace std::chrono_literals;

// Collects the runtime's diagnostic lines.
struct log_lines {
  std::mutex m;
  std::vector<std::string> lines;
  std::function<void(std::string_view)> sink() {
    return [this](std::string_view line) {
      std::lock_guard<std::mutex> lock(m);
      lines.emplace_back(line);
    };
  }
  std::string all() {
    std::lock_guard<std::mutex> lock(m);
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
  }
};

// run() on a thread; stop() sets its stop flag and returns its exit status.
class running {
 public:
  running(inflight::lambda::handler_function handler, inflight::lambda::options o) {
    o.stop = &stop_;
    result_ = std::async(std::launch::async, [handler = std::move(handler), o]() mutable {
      return inflight::lambda::run(std::move(handler), std::move(o));
    });
  }
  ~running() {
    stop_ = true;
    if (result_.valid()) result_.wait();
  }
  int stop() {
    stop_ = true;
    return wait();
  }
  // Its exit status; -1 when it has not returned within 60 s (a hang).
  int wait() {
    if (result_.wait_for(60s) != std::future_status::ready) return -1;
    return result_.get();
  }

 private:
  std::atomic<bool> stop_{false};
  std::future<int> result_;
};

inline inflight::lambda::options on(const std::string& address, std::size_t concurrency,
                                    log_lines* log = nullptr) {
  inflight::lambda::options o;
  o.runtime_api = address;
  o.concurrency = concurrency;
  o.vcpus = 1;
  o.connect_timeout = 300ms;
  if (log != nullptr) o.log = log->sink();
  return o;
}

}  // namespace inflight::test
