#pragma once
// vCPU detection: how many CPUs this process may really use, and which rule decided it.

#include <sched.h>  // sched_getaffinity, CPU_ISSET

#include <cmath>
#include <cstddef>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace inflight {

/// The vCPUs available to this process. `source` names the rule that decided `count`:
/// "cgroup v2 cpu.max", "cgroup v1 cfs quota", "affinity" or "hardware_concurrency".
/// `cpus` lists the CPU ids of the affinity mask, in ascending order.
struct vcpu_info {
  std::size_t count;
  std::string source;
  std::vector<int> cpus;
};

/// Detects vCPUs with the file system rooted at `root` ("/" in production; tests pass a fake
/// tree). The count is the smallest of: ceil(quota / period) of cgroup v2 `cpu.max` over the
/// process's cgroup and its ancestors ("max" means no quota), the cgroup v1 CFS quota over the
/// process's cpu cgroup and its ancestors, the affinity mask, and
/// std::thread::hardware_concurrency(). On a tie the earlier rule in that order is named. Missing
/// or unreadable files mean "does not apply". Never throws for file problems; the count is at
/// least 1.
vcpu_info detect_vcpus(const std::string& root);

/// detect_vcpus("/").
inline vcpu_info detect_vcpus() { return detect_vcpus("/"); }

namespace detail {

inline std::string join_path(std::string a, const std::string& b) {
  if (a.empty() || a.back() != '/') a += '/';
  return a + (b.size() > 0 && b.front() == '/' ? b.substr(1) : b);
}

inline bool read_first_line(const std::string& path, std::string& line) {
  std::ifstream in(path);
  return static_cast<bool>(std::getline(in, line));
}

// ceil(quota / period), or 0 when there is no quota.
inline std::size_t quota_cpus(long long quota, long long period) {
  if (quota <= 0 || period <= 0) return 0;
  return static_cast<std::size_t>((quota + period - 1) / period);
}

// The process's cgroup path in the hierarchy whose controller list satisfies `match`, from
// /proc/self/cgroup ("ID:controllers:/path"; v2's line is "0::/path"), or "/" when unknown.
template <class Match>
std::string cgroup_path(const std::string& root, Match match) {
  std::ifstream in(join_path(root, "proc/self/cgroup"));
  std::string line;
  while (std::getline(in, line)) {
    const auto first = line.find(':');
    const auto second = first == std::string::npos ? first : line.find(':', first + 1);
    if (second == std::string::npos) continue;
    if (match(line.substr(0, first), line.substr(first + 1, second - first - 1))) {
      const std::string path = line.substr(second + 1);
      return path.empty() ? "/" : path;
    }
  }
  return "/";
}

// The cgroup v2 path of this process ("0::/path" in /proc/self/cgroup), or "/" when unknown.
inline std::string cgroup_v2_path(const std::string& root) {
  return cgroup_path(root, [](const std::string& id, const std::string& controllers) {
    return id == "0" && controllers.empty();
  });
}

// The cgroup v1 path of this process in the hierarchy that has the cpu controller.
inline std::string cgroup_v1_cpu_path(const std::string& root) {
  return cgroup_path(root, [](const std::string&, const std::string& controllers) {
    std::istringstream list(controllers);
    std::string name;
    while (std::getline(list, name, ',')) {
      if (name == "cpu") return true;
    }
    return false;
  });
}

// Calls read(level) for `path` and each of its ancestors up to "/"; the smallest non-zero count
// wins (a parent's quota caps its children), 0 when none has one.
template <class Read>
std::size_t tightest_up_the_tree(std::string path, Read read) {
  std::size_t best = 0;
  for (;;) {
    const std::size_t n = read(path);
    if (n != 0 && (best == 0 || n < best)) best = n;
    if (path.empty() || path == "/") break;
    const auto slash = path.find_last_of('/');
    path = slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
  }
  return best;
}

// The tightest cpu.max from the process's cgroup up to the root of the hierarchy.
inline std::size_t cgroup_v2_cpus(const std::string& root) {
  const std::string base = join_path(root, "sys/fs/cgroup");
  return tightest_up_the_tree(cgroup_v2_path(root), [&](const std::string& path) -> std::size_t {
    std::string line;
    if (!read_first_line(join_path(join_path(base, path), "cpu.max"), line)) return 0;
    std::istringstream fields(line);
    std::string quota;
    long long period = 0;
    if (!(fields >> quota >> period) || quota == "max") return 0;
    return quota_cpus(std::atoll(quota.c_str()), period);
  });
}

// The tightest CFS quota from the process's own cpu cgroup up to the hierarchy's root, under
// whichever mount point names the cpu controller.
inline std::size_t cgroup_v1_cpus(const std::string& root) {
  const std::string path = cgroup_v1_cpu_path(root);
  std::size_t best = 0;
  for (const char* dir :
       {"sys/fs/cgroup/cpu", "sys/fs/cgroup/cpu,cpuacct", "sys/fs/cgroup/cpuacct,cpu"}) {
    const std::string base = join_path(root, dir);
    const std::size_t n = tightest_up_the_tree(path, [&](const std::string& level) -> std::size_t {
      std::string quota, period;
      const std::string d = join_path(base, level);
      if (!read_first_line(join_path(d, "cpu.cfs_quota_us"), quota) ||
          !read_first_line(join_path(d, "cpu.cfs_period_us"), period)) {
        return 0;
      }
      return quota_cpus(std::atoll(quota.c_str()), std::atoll(period.c_str()));
    });
    if (n != 0 && (best == 0 || n < best)) best = n;
  }
  return best;
}

inline std::vector<int> affinity_cpus() {
  std::vector<int> cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (CPU_ISSET(static_cast<std::size_t>(cpu), &set)) cpus.push_back(cpu);
    }
  }
  return cpus;
}

}  // namespace detail

inline vcpu_info detect_vcpus(const std::string& root) {
  vcpu_info info{0, "", detail::affinity_cpus()};
  auto consider = [&info](std::size_t n, const char* source) {
    if (n != 0 && (info.count == 0 || n < info.count)) {
      info.count = n;
      info.source = source;
    }
  };
  consider(detail::cgroup_v2_cpus(root), "cgroup v2 cpu.max");
  consider(detail::cgroup_v1_cpus(root), "cgroup v1 cfs quota");
  consider(info.cpus.size(), "affinity");
  consider(std::thread::hardware_concurrency(), "hardware_concurrency");
  if (info.count == 0) {
    info.count = 1;
    info.source = "fallback";
  }
  return info;
}

/// The raw first line of the process's cgroup v2 cpu.max (for reports), or "" when absent.
inline std::string cgroup_cpu_max(const std::string& root = "/") {
  std::string line;
  detail::read_first_line(
      detail::join_path(detail::join_path(root, "sys/fs/cgroup"),
                        detail::join_path(detail::cgroup_v2_path(root), "cpu.max")),
      line);
  return line;
}

}  // namespace inflight
