#pragma once
// Helpers the benchmark programs share and a handler never needs: process CPU and RSS readings.

#include <sys/resource.h>  // getrusage
#include <unistd.h>        // sysconf

#include <chrono>
#include <cstdint>
#include <fstream>

namespace inflight::bench {

/// User + system CPU time of the whole process.
inline std::chrono::nanoseconds process_cpu_time() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return std::chrono::seconds(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         std::chrono::microseconds(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

/// Resident set size in bytes, from /proc/self/statm.
inline std::int64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::int64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

/// A duration in microseconds, as a double.
inline double to_us(std::chrono::nanoseconds d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

/// Nanoseconds between two steady_clock points, as an unsigned count (0 when negative).
inline std::uint64_t ns_between(std::chrono::steady_clock::time_point from,
                                std::chrono::steady_clock::time_point to) {
  const auto d = std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count();
  return d > 0 ? static_cast<std::uint64_t>(d) : 0;
}

}  // namespace inflight::bench
