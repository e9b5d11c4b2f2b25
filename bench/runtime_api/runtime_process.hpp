#pragma once
// The runtime process of one exec point: started without a shell as the sweep's child, in a
// process group of its own, confined to the point's CPUs, with its output in a log file; ended
// with its whole group (grandchildren included) when the point ends, and when the sweep dies
// however it dies: a small keeper process between the sweep and the runtime holds the group,
// gets SIGTERM from the kernel when the sweep goes (PR_SET_PDEATHSIG), and kills the group.

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

extern char** environ;

namespace inflight::bench::runtime_api {

/// What to start.
struct launch_spec {
  std::vector<std::string> argv;                         // argv[0] is resolved by resolve_command()
  std::string cwd;                                       // empty: the sweep's
  std::vector<std::pair<std::string, std::string>> env;  // set over the sweep's environment
  std::vector<int> cpus;                                 // affinity; empty: not confined
  std::string log_path;                                  // stdout and stderr go here
};

/// The value of `name` in `env` (the last setting wins), else in the sweep's environment.
inline std::string env_value(const std::vector<std::pair<std::string, std::string>>& env,
                             const std::string& name) {
  for (auto it = env.rbegin(); it != env.rend(); ++it) {
    if (it->first == name) return it->second;
  }
  const char* v = std::getenv(name.c_str());
  return v ? v : "";
}

/// The path execve() needs for `command`: as given when it holds a '/' (relative to `cwd`), else
/// the first executable match in PATH (from `env` when it sets PATH). Empty when there is none.
inline std::string resolve_command(const std::string& command, const std::string& cwd,
                                   const std::vector<std::pair<std::string, std::string>>& env) {
  auto executable = [](const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
  };
  if (command.find('/') != std::string::npos) {
    const std::string p = command.front() == '/' || cwd.empty() ? command : cwd + "/" + command;
    return executable(p) ? command : "";
  }
  std::stringstream path(env_value(env, "PATH"));
  std::string dir;
  while (std::getline(path, dir, ':')) {
    if (dir.empty()) dir = ".";
    std::string p = dir + "/" + command;
    if (dir.front() != '/' && !cwd.empty()) p = cwd + "/" + p;
    if (executable(p)) return p;
  }
  return "";
}

/// CPU and memory of a process group, from /proc.
struct group_usage {
  double cpu_seconds = 0;  // utime + stime of its live processes, plus their reaped children's
  double rss_mb = 0;       // VmRSS summed
  double rss_peak_mb = 0;  // VmHWM summed (each process's own peak)
  std::size_t processes = 0;
};

inline group_usage usage_of_group(pid_t group) {
  group_usage u;
  const double hz = static_cast<double>(sysconf(_SC_CLK_TCK));
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return u;
  while (const dirent* e = ::readdir(proc)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    const std::string dir = std::string("/proc/") + e->d_name;
    std::ifstream in(dir + "/stat");
    std::string text;
    if (!std::getline(in, text)) continue;
    const auto close = text.rfind(')');
    if (close == std::string::npos || close + 2 > text.size()) continue;
    std::istringstream fields(text.substr(close + 2));
    std::vector<std::string> f;
    std::string x;
    while (fields >> x) f.push_back(x);
    // After the name: state(0) ppid(1) pgrp(2) ... utime(11) stime(12) cutime(13) cstime(14).
    if (f.size() < 15 || std::atol(f[2].c_str()) != group) continue;
    ++u.processes;
    u.cpu_seconds += static_cast<double>(std::atoll(f[11].c_str()) + std::atoll(f[12].c_str()) +
                                         std::atoll(f[13].c_str()) + std::atoll(f[14].c_str())) /
                     hz;
    std::ifstream status(dir + "/status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("VmRSS:", 0) == 0) u.rss_mb += std::atof(line.c_str() + 6) / 1024;
      if (line.rfind("VmHWM:", 0) == 0) u.rss_peak_mb += std::atof(line.c_str() + 6) / 1024;
    }
  }
  ::closedir(proc);
  return u;
}

/// The last `n` lines of the file at `path` (at most 64 KiB of it), joined with " | ".
inline std::string last_lines(const std::string& path, std::size_t n) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::streamoff>(in.tellg());
  in.seekg(std::max<std::streamoff>(0, size - 65536));
  std::deque<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    lines.push_back(line.size() > 300 ? line.substr(0, 300) + "..." : line);
    if (lines.size() > n) lines.pop_front();
  }
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : " | ") + l;
  return out;
}

namespace detail {
extern "C" inline void keeper_on_term(int) {
  ::kill(0, SIGKILL);  // the whole group, this keeper included
}
}  // namespace detail

/// One started runtime. The destructor ends its whole process group and reaps the keeper.
class runtime_process {
 public:
  /// Starts `spec`. Throws std::runtime_error when it cannot (the command cannot be executed:
  /// the reason is execve's).
  explicit runtime_process(const launch_spec& spec) {
    // Everything the children need is built before fork: after it only async-signal-safe calls.
    std::vector<std::string> env_strings;
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string kv = *e;
      const auto eq = kv.find('=');
      bool overridden = false;
      for (const auto& [k, v] : spec.env) overridden = overridden || kv.substr(0, eq) == k;
      if (!overridden) env_strings.push_back(kv);
    }
    for (std::size_t i = 0; i < spec.env.size(); ++i) {
      bool set_again = false;  // the last setting of a name wins
      for (std::size_t j = i + 1; j < spec.env.size(); ++j) {
        set_again = set_again || spec.env[j].first == spec.env[i].first;
      }
      if (!set_again) env_strings.push_back(spec.env[i].first + "=" + spec.env[i].second);
    }
    std::vector<char*> envp, argv;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> args = spec.argv;
    for (auto& s : args) argv.push_back(s.data());
    argv.push_back(nullptr);
    const std::string path = args.front();
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int c : spec.cpus) CPU_SET(c, &set);
    const bool confine = !spec.cpus.empty();
    const int log = ::open(spec.log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (log < 0) {
      throw std::runtime_error("cannot write the runtime's log " + spec.log_path + ": " +
                               std::strerror(errno));
    }
    const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    int report[2];  // the runtime child writes execve's errno here when it fails
    if (::pipe2(report, O_CLOEXEC) != 0) {
      ::close(log);
      ::close(null);
      throw std::runtime_error(std::string("cannot create a pipe: ") + std::strerror(errno));
    }
    const pid_t parent = ::getpid();
    keeper_ = ::fork();
    if (keeper_ == 0) {
      ::setpgid(0, 0);
      struct sigaction sa {};
      sa.sa_handler = detail::keeper_on_term;
      ::sigaction(SIGTERM, &sa, nullptr);
      ::signal(SIGINT, SIG_IGN);
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != parent) detail::keeper_on_term(0);
      const pid_t rt = ::fork();
      if (rt == 0) {
        ::signal(SIGTERM, SIG_DFL);
        ::signal(SIGINT, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::dup2(null, 0);
        ::dup2(log, 1);
        ::dup2(log, 2);
        int err = 0;
        if (!spec.cwd.empty() && ::chdir(spec.cwd.c_str()) != 0) err = errno;
        if (err == 0 && confine && ::sched_setaffinity(0, sizeof set, &set) != 0) err = errno;
        if (err == 0) {
          ::execve(path.c_str(), argv.data(), envp.data());
          err = errno;
        }
        [[maybe_unused]] const auto w = ::write(report[1], &err, sizeof err);
        ::_exit(127);
      }
      ::close(report[1]);
      int status = 0;
      while (rt > 0 && ::waitpid(rt, &status, 0) < 0 && errno == EINTR) {
      }
      ::_exit(rt < 0                ? 126
              : WIFEXITED(status)   ? WEXITSTATUS(status)
              : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
                                    : 1);
    }
    const int fork_errno = errno;
    ::close(report[1]);
    ::close(log);
    ::close(null);
    if (keeper_ < 0) {
      ::close(report[0]);
      throw std::runtime_error(std::string("cannot start the runtime: ") +
                               std::strerror(fork_errno));
    }
    // Both sides set the group, so it exists before anyone signals it.
    ::setpgid(keeper_, keeper_);
    group_ = keeper_;
    int err = 0;
    ssize_t got;
    while ((got = ::read(report[0], &err, sizeof err)) < 0 && errno == EINTR) {
    }
    ::close(report[0]);
    if (got == static_cast<ssize_t>(sizeof err)) {
      end();
      throw std::runtime_error("cannot execute '" + spec.argv.front() + "': " + std::strerror(err));
    }
    started_ = std::chrono::steady_clock::now();
  }
  ~runtime_process() { end(); }
  runtime_process(const runtime_process&) = delete;
  runtime_process& operator=(const runtime_process&) = delete;

  pid_t group() const { return group_; }
  std::chrono::steady_clock::time_point started() const { return started_; }

  /// The runtime's exit, once it has exited: "exited with status N" or "was killed by signal N";
  /// nullopt while it runs. Safe from any one thread at a time.
  std::optional<std::string> exited() {
    if (exit_) return exit_;
    if (keeper_ <= 0) return exit_;
    int status = 0;
    if (::waitpid(keeper_, &status, WNOHANG) == keeper_) {
      keeper_ = -1;
      const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      exit_ = code > 128 ? "was killed by signal " + std::to_string(code - 128)
                         : "exited with status " + std::to_string(code);
    }
    return exit_;
  }

  /// Kills the whole group and reaps the keeper.
  void end() {
    if (group_ > 0) ::kill(-group_, SIGKILL);
    if (keeper_ > 0) {
      while (::waitpid(keeper_, nullptr, 0) < 0 && errno == EINTR) {
      }
      keeper_ = -1;
    }
  }

 private:
  pid_t keeper_ = -1;
  pid_t group_ = -1;
  std::chrono::steady_clock::time_point started_;
  std::optional<std::string> exit_;
};

}  // namespace inflight::bench::runtime_api
