#pragma once
// The runtime process of one exec point: started without a shell as the sweep's child, in a
// process group of its own, confined to the point's CPUs, with its output on a descriptor the
// caller gives (runtime_log.hpp); ended with every process it started, when the point ends and
// when the sweep dies however it dies. A small keeper process between the sweep and the runtime
// holds the group and is a child subreaper, so descendants that leave the group (setsid(),
// setpgid()) are reparented to it once their parent dies; on SIGTERM (from the sweep, or from the
// kernel when the sweep goes: PR_SET_PDEATHSIG), or when the runtime exits, it kills its group
// and every process reparented to it, round after round, until none is left.

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "runtime_api/process_group.hpp"

extern char** environ;

namespace inflight::bench::runtime_api {

/// What to start.
struct launch_spec {
  std::vector<std::string> argv;                         // argv[0] is resolved by resolve_command()
  std::string cwd;                                       // empty: the sweep's
  std::vector<std::pair<std::string, std::string>> env;  // set over the sweep's environment
  std::vector<int> cpus;                                 // affinity; empty: not confined
  int log_fd = -1;                                       // stdout and stderr go here
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

namespace detail {

// The keeper: started by fork() from a threaded program, so system calls only. It waits for
// SIGTERM or for the runtime's exit (both blocked, taken with sigwaitinfo, so neither is missed
// before the wait), then ends every member and descendant; it exits as the runtime did.
[[noreturn]] inline void keeper_main(pid_t parent, pid_t runtime) noexcept {
  const pid_t self = ::getpid();
  int code = 128 + SIGKILL;
  sigset_t wanted;
  sigemptyset(&wanted);
  sigaddset(&wanted, SIGTERM);
  sigaddset(&wanted, SIGCHLD);
  for (bool done = ::getppid() != parent; !done;) {  // the sweep may be gone already
    siginfo_t info{};
    if (::sigwaitinfo(&wanted, &info) < 0) continue;
    if (info.si_signo == SIGTERM) break;
    int status = 0;
    for (pid_t p; (p = ::waitpid(-1, &status, WNOHANG)) > 0;) {
      if (p != runtime) continue;  // an orphan reparented here
      code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      done = true;
    }
  }
  // Killed processes' children come here as orphans, but only once their parent has wholly
  // exited (a dying threaded parent hands them to its other threads first), and a parent is
  // reaped only after that: so rounds go on until no child at all is left, not until a scan finds
  // nobody (which ended too early, with a threaded runtime's escapees still attached to it).
  for (int round = 0; round < 10000; ++round) {
    kill_members(self, self);
    int status = 0;
    pid_t p;
    while ((p = ::waitpid(-1, &status, WNOHANG)) > 0) {
      if (p == runtime && code == 128 + SIGKILL) {
        code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
    }
    if (p < 0 && errno == ECHILD) break;
    const timespec pause{0, 1'000'000};
    ::nanosleep(&pause, nullptr);
  }
  ::_exit(code);
}

}  // namespace detail

/// One started runtime. The destructor ends it and everything it started, and reaps the keeper.
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
    const int log = spec.log_fd;
    const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    int report[2];  // the runtime child writes execve's errno here when it fails
    if (::pipe2(report, O_CLOEXEC) != 0) {
      ::close(null);
      throw std::runtime_error(std::string("cannot create a pipe: ") + std::strerror(errno));
    }
    const pid_t parent = ::getpid();
    started_ = std::chrono::steady_clock::now();  // before fork: init_ms is never negative
    keeper_ = ::fork();
    if (keeper_ == 0) {
      ::setpgid(0, 0);
      // Whatever the forking thread blocked: SIGTERM and SIGCHLD are taken by sigwaitinfo, the
      // rest are open (a parent-death SIGTERM must never stay pending).
      ::signal(SIGCHLD, SIG_DFL);
      ::signal(SIGINT, SIG_IGN);
      sigset_t keep;
      sigemptyset(&keep);
      sigaddset(&keep, SIGTERM);
      sigaddset(&keep, SIGCHLD);
      ::sigprocmask(SIG_SETMASK, &keep, nullptr);
      ::prctl(PR_SET_CHILD_SUBREAPER, 1);
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      const pid_t rt = ::fork();
      if (rt == 0) {
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
      if (rt < 0) ::_exit(126);
      detail::keeper_main(parent, rt);
    }
    const int fork_errno = errno;
    ::close(report[1]);
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
  }
  ~runtime_process() { end(); }
  runtime_process(const runtime_process&) = delete;
  runtime_process& operator=(const runtime_process&) = delete;

  /// The runtime's process group (the keeper's), until the keeper is reaped.
  pid_t group() const { return group_; }
  std::chrono::steady_clock::time_point started() const { return started_; }

  /// The runtime's exit, once it has exited: "exited with status N" or "was killed by signal N";
  /// nullopt while it runs. Safe from any one thread at a time.
  std::optional<std::string> exited() {
    if (exit_ || keeper_ <= 0) return exit_;
    int status = 0;
    if (::waitpid(keeper_, &status, WNOHANG) == keeper_) reaped(status);
    return exit_;
  }

  /// Ends the runtime and everything it started (through the keeper), and reaps the keeper.
  void end() {
    if (keeper_ <= 0) return;
    ::kill(keeper_, SIGTERM);
    int status = 0;
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    for (;;) {
      const pid_t p = ::waitpid(keeper_, &status, WNOHANG);
      if (p == keeper_) break;
      if (p < 0 && errno != EINTR) break;
      if (std::chrono::steady_clock::now() > give_up) {  // a keeper that cannot finish: the group
        ::kill(-group_, SIGKILL);
        while (::waitpid(keeper_, &status, 0) < 0 && errno == EINTR) {
        }
        break;
      }
      const timespec pause{0, 1'000'000};
      ::nanosleep(&pause, nullptr);
    }
    reaped(status);
  }

 private:
  void reaped(int status) {
    keeper_ = -1;
    group_ = -1;  // its id may be reused from now on: never signalled again
    if (exit_) return;
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    exit_ = code > 128 ? "was killed by signal " + std::to_string(code - 128)
                       : "exited with status " + std::to_string(code);
  }

  pid_t keeper_ = -1;
  pid_t group_ = -1;
  std::chrono::steady_clock::time_point started_;
  std::optional<std::string> exit_;
};

}  // namespace inflight::bench::runtime_api
