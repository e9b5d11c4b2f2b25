// A handler harness as a user would write it: a slot limiter in front of a dispatcher, handlers
// that wait on IO and burn CPU, and one histogram per worker; and the Lambda runtime's header,
// which refuses an empty handler before it looks for a Runtime API.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <inflight/inflight.hpp>
#include <inflight/lambda.hpp>
#include <stdexcept>
#include <thread>
#include <vector>

int main() {
  using namespace std::chrono_literals;
  inflight::dispatcher_options options;
  options.vcpus = 2;
  inflight::dispatcher d(options);
  inflight::slot_limiter limiter(16);
  std::vector<inflight::latency_histogram> per_worker(d.workers());
  d.run_slots(32, [&](std::size_t slot) {
    auto s = limiter.acquire();
    const auto start = std::chrono::steady_clock::now();
    inflight::io_wait(500us);
    inflight::cpu_work(10us);
    per_worker[slot % d.workers()].record(
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                       std::chrono::steady_clock::now() - start)
                                       .count()));
  });
  std::this_thread::sleep_for(100ms);
  d.stop_slots();
  inflight::latency_histogram all;
  for (const auto& h : per_worker) all.merge(h);
  std::printf("inflight %s: %llu calls, p50 %llu ns, peak %zu of %zu slots\n",
              inflight::version_string, static_cast<unsigned long long>(all.count()),
              static_cast<unsigned long long>(all.percentile(50)), limiter.peak(),
              limiter.capacity());
  bool refused = false;
  try {
    inflight::lambda::run(inflight::lambda::handler_function{});
  } catch (const std::invalid_argument&) {
    refused = true;
  }
  const bool ok = refused && all.count() == d.completed() && all.count() > 0 &&
                  limiter.peak() <= 16 && limiter.in_use() == 0 && all.min() >= 500'000;
  return ok ? 0 : 1;
}
