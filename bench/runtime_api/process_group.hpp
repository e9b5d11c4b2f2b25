#pragma once
// What /proc says of an exec point's runtime: the CPU and memory of its process group, and every
// process that descends from its keeper, to end them all (runtime_process.hpp). The second runs
// in the keeper, a child forked from a threaded program, so it uses system calls only.

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace inflight::bench::runtime_api {

/// CPU and memory of a process group, from /proc.
struct group_usage {
  std::string unreadable;  // why /proc could not be read (the figures are unknown, not 0), or ""
  double cpu_seconds = 0;  // its live processes' CPU clocks, plus their reaped children's ticks
  double rss_mb = 0;       // VmRSS summed
  double rss_peak_mb = 0;  // VmHWM summed (each process's own peak)
  std::size_t processes = 0;
};

inline group_usage usage_of_group(pid_t group) {
  group_usage u;
  const double hz = static_cast<double>(sysconf(_SC_CLK_TCK));
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) {
    u.unreadable = std::string("/proc: ") + std::strerror(errno);
    return u;
  }
  while (const dirent* e = ::readdir(proc)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    const std::string dir = std::string("/proc/") + e->d_name;
    std::ifstream in(dir + "/stat");
    std::string text;
    if (!std::getline(in, text)) continue;  // it ended meanwhile
    const auto close = text.rfind(')');
    if (close == std::string::npos || close + 2 > text.size()) continue;
    std::istringstream fields(text.substr(close + 2));
    std::vector<std::string> f;
    std::string x;
    while (fields >> x) f.push_back(x);
    // After the name: state(0) ppid(1) pgrp(2) ... utime(11) stime(12) cutime(13) cstime(14).
    if (f.size() < 15 || std::atol(f[2].c_str()) != group) continue;
    ++u.processes;
    // Its own CPU from its CPU clock, in nanoseconds (the /proc ticks are 10 ms: a runtime that
    // burns a few ms in a point would read 0); its reaped children's from the ticks.
    const pid_t pid = static_cast<pid_t>(std::atol(e->d_name));
    clockid_t clock{};
    timespec ts{};
    const double own =
        ::clock_getcpuclockid(pid, &clock) == 0 && ::clock_gettime(clock, &ts) == 0
            ? static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9
            : static_cast<double>(std::atoll(f[11].c_str()) + std::atoll(f[12].c_str())) / hz;
    u.cpu_seconds +=
        own + static_cast<double>(std::atoll(f[13].c_str()) + std::atoll(f[14].c_str())) / hz;
    std::ifstream status(dir + "/status");
    // A member whose memory cannot be read makes the sum unknown; one that ended meanwhile
    // (ENOENT, ESRCH) simply is not there.
    if (!status && errno != ENOENT && errno != ESRCH && u.unreadable.empty()) {
      u.unreadable = dir + "/status: " + std::strerror(errno);
    }
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("VmRSS:", 0) == 0) u.rss_mb += std::atof(line.c_str() + 6) / 1024;
      if (line.rfind("VmHWM:", 0) == 0) u.rss_peak_mb += std::atof(line.c_str() + 6) / 1024;
    }
  }
  ::closedir(proc);
  return u;
}

namespace detail {

// "/proc/<pid>/stat" of `pid`: its parent and group, skipping zombies; false when unreadable.
inline bool parent_and_group(long pid, long& ppid, long& pgrp) noexcept {
  char path[48] = "/proc/";
  char digits[24];
  int n = 0;
  for (long v = pid; v > 0 && n < 23; v /= 10) digits[n++] = static_cast<char>('0' + v % 10);
  int at = 6;
  while (n > 0) path[at++] = digits[--n];
  for (const char* s = "/stat"; *s; ++s) path[at++] = *s;
  path[at] = '\0';
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[512];
  const ssize_t got = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (got <= 0) return false;
  buf[got] = '\0';
  char* p = nullptr;
  for (char* q = buf; *q; ++q) {
    if (*q == ')') p = q;  // the last one: the name may hold parentheses
  }
  if (p == nullptr || p[1] != ' ' || p[2] == '\0' || p[2] == 'Z') return false;
  char* end = nullptr;
  ppid = std::strtol(p + 4, &end, 10);
  pgrp = std::strtol(end, nullptr, 10);
  return true;
}

}  // namespace detail

/// SIGKILLs every process (but `self`) whose parent is `self` or whose group is `group`, and
/// says how many; system calls only, for the keeper.
inline int kill_members(pid_t self, pid_t group) noexcept {
  const int dir = ::open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return 0;
  struct entry {
    std::uint64_t ino;
    std::int64_t off;
    unsigned short reclen;
    unsigned char type;
    char name[1];
  };
  alignas(8) char buf[8192];
  int found = 0;
  for (long n; (n = ::syscall(SYS_getdents64, dir, buf, sizeof buf)) > 0;) {
    for (long off = 0; off < n;) {
      const auto* e = reinterpret_cast<const entry*>(buf + off);
      off += e->reclen;
      long pid = 0;
      const char* c = e->name;
      for (; *c >= '0' && *c <= '9'; ++c) pid = pid * 10 + (*c - '0');
      if (*c != '\0' || pid <= 0 || pid == self) continue;
      long ppid = 0, pgrp = 0;
      if (!detail::parent_and_group(pid, ppid, pgrp)) continue;
      if (ppid == self || pgrp == group) {
        ::kill(static_cast<pid_t>(pid), SIGKILL);
        ++found;
      }
    }
  }
  ::close(dir);
  return found;
}

}  // namespace inflight::bench::runtime_api
