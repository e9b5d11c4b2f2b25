#pragma once
// Whose CPU a point used: per-thread CPU clocks for the threads that run invocations (so the
// model's CPU% excludes the harness: the arrival generator, the python model's pipe reader),
// /proc/<pid>/stat for what other processes used, and /proc/stat per CPU for what the hypervisor
// took (steal) from the point's CPUs. Linux only.

#include <dirent.h>       // opendir: /proc/<pid>/stat of every process
#include <sys/syscall.h>  // SYS_gettid
#include <time.h>         // clock_gettime
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
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

/// One other process's CPU so far, in seconds, and the CPU it last ran on.
struct process_cpu {
  double seconds = 0;
  int last_cpu = -1;
};

/// Every process but this one, its children and process group `own_group` (an exec point's
/// runtime; 0: none), from /proc/<pid>/stat (utime + stime, which the
/// kernel scales to each task's precise runtime). Summing the other processes, rather than
/// subtracting this one from /proc/stat's per-CPU busy time, avoids the tick-sampling bias of the
/// latter, which read 5-13% "others" beside a sweep on a quiet VM.
/// Empty (nullopt) when /proc cannot be read: the others are unknown then, not idle.
inline std::optional<std::map<pid_t, process_cpu>> other_processes_cpu(pid_t own_group = 0) {
  std::map<pid_t, process_cpu> out;
  const pid_t self = ::getpid();
  const double hz = static_cast<double>(sysconf(_SC_CLK_TCK));
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return std::nullopt;
  while (const dirent* e = ::readdir(proc)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    const pid_t pid = static_cast<pid_t>(std::atol(e->d_name));
    if (pid == self) continue;
    std::ifstream in(std::string("/proc/") + e->d_name + "/stat");
    std::string text;
    if (!std::getline(in, text)) continue;
    const auto close = text.rfind(')');  // the command name may hold spaces and parentheses
    if (close == std::string::npos || close + 2 > text.size()) continue;
    std::istringstream fields(text.substr(close + 2));
    std::vector<std::string> f;
    std::string x;
    while (fields >> x) f.push_back(x);
    // After the name: state(0) ppid(1) pgrp(2) ... utime(11) stime(12) ... processor(36).
    if (f.size() < 37 || std::atol(f[1].c_str()) == self) continue;
    if (own_group != 0 && std::atol(f[2].c_str()) == own_group) continue;
    out[pid] = {static_cast<double>(std::atoll(f[11].c_str()) + std::atoll(f[12].c_str())) / hz,
                std::atoi(f[36].c_str())};
  }
  ::closedir(proc);
  return out;
}

/// What the processes in both snapshots used between them; with `cpus` given, only those last
/// seen on one of them. A process that started or ended in between is left out: its share is
/// small next to the window, and a cumulative figure of unknown start would count far too much.
inline double cpu_used_between(const std::map<pid_t, process_cpu>& before,
                               const std::map<pid_t, process_cpu>& after,
                               const std::vector<int>& cpus) {
  double sum = 0;
  for (const auto& [pid, now] : after) {
    const auto it = before.find(pid);
    if (it == before.end()) continue;
    if (!cpus.empty() && std::find(cpus.begin(), cpus.end(), now.last_cpu) == cpus.end()) continue;
    sum += std::max(0.0, now.seconds - it->second.seconds);
  }
  return sum;
}

/// Steal time summed over `cpus` (all CPUs when empty), from /proc/stat's per-CPU lines, in
/// seconds: what the hypervisor took.
inline double read_steal_seconds(const std::vector<int>& cpus) {
  std::ifstream in("/proc/stat");
  std::string line;
  double steal_seconds = 0;
  const double hz = static_cast<double>(sysconf(_SC_CLK_TCK));
  while (std::getline(in, line)) {
    if (line.rfind("cpu", 0) != 0 || line.size() < 4 || line[3] < '0' || line[3] > '9') continue;
    std::istringstream fields(line.substr(3));
    int cpu = -1;
    unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0,
                       steal = 0;
    fields >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
    if (!cpus.empty() && std::find(cpus.begin(), cpus.end(), cpu) == cpus.end()) continue;
    steal_seconds += static_cast<double>(steal) / hz;
  }
  return steal_seconds;
}

}  // namespace inflight::bench
