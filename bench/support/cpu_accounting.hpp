#pragma once
// Whose CPU a point used: per-thread CPU clocks for the threads that run invocations (so the
// model's CPU% excludes the harness: the arrival generator, the python model's pipe reader), and
// /proc/stat per CPU for what other processes and the hypervisor (steal) took from the point's
// CPUs. Linux only.

#include <sys/syscall.h>  // SYS_gettid
#include <time.h>         // clock_gettime
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace inflight::bench {

/// The calling thread's kernel id.
inline pid_t current_tid() { return static_cast<pid_t>(::syscall(SYS_gettid)); }

/// The CPU time of thread `tid` of this process, or -1 ns once it has exited. Uses the kernel's
/// per-thread CPU clock id for a tid (what pthread_getcpuclockid makes for a pthread_t):
/// (~tid << 3) | CPUCLOCK_PERTHREAD | CPUCLOCK_SCHED.
inline std::chrono::nanoseconds thread_cpu_time_of(pid_t tid) {
  const auto id = static_cast<clockid_t>((~static_cast<unsigned>(tid) << 3) | 6u);
  timespec ts{};
  if (clock_gettime(id, &ts) != 0) return std::chrono::nanoseconds(-1);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

/// Busy and steal time over a set of CPUs, from /proc/stat, in seconds.
struct cpu_times {
  double busy = 0;   // user + nice + system + irq + softirq + steal
  double steal = 0;  // taken by the hypervisor
};

/// The sum over `cpus` (all CPUs when empty) of /proc/stat's per-CPU lines.
inline cpu_times read_cpu_times(const std::vector<int>& cpus) {
  std::ifstream in("/proc/stat");
  std::string line;
  cpu_times t;
  const double hz = static_cast<double>(sysconf(_SC_CLK_TCK));
  while (std::getline(in, line)) {
    if (line.rfind("cpu", 0) != 0 || line.size() < 4 || line[3] < '0' || line[3] > '9') continue;
    std::istringstream fields(line.substr(3));
    int cpu = -1;
    unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0,
                       steal = 0;
    fields >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
    if (!cpus.empty() && std::find(cpus.begin(), cpus.end(), cpu) == cpus.end()) continue;
    t.busy += static_cast<double>(user + nice + system + irq + softirq + steal) / hz;
    t.steal += static_cast<double>(steal) / hz;
  }
  return t;
}

}  // namespace inflight::bench
