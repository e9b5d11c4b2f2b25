#pragma once
// Which program an exec point's runtime really is. The command the user names is often a script
// (`node_modules/.bin/aws-lambda-ric` starts `#!/usr/bin/env node`), so what runs is whichever
// interpreter that line finds on the runtime's PATH: a Node 20 on the system PATH instead of the
// pinned Node 22, unless --env=PATH says otherwise. Before the sweep, the plan works out what the
// command should run as (expected_runtime) and, for Node, asks its version; at each point the
// exec subject reads what did run (/proc/PID/exe), and the sweep says so when the two differ.

#include <dirent.h>
#include <limits.h>  // PATH_MAX
#include <poll.h>
#include <signal.h>
#include <stdlib.h>  // realpath
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "runtime_api/process_group.hpp"
#include "runtime_api/runtime_process.hpp"

namespace inflight::bench {

/// What an exec command runs as.
struct runtime_identity {
  std::string exe;      // absolute, links resolved; empty when it cannot be told
  std::string how;      // how it was found: "the command itself", "its #! line", ...
  std::string version;  // Node's `--version`; empty for any other runtime, or when it failed
};

namespace detail {

inline std::string canonical(const std::string& path) {
  char real[PATH_MAX];
  return ::realpath(path.c_str(), real) != nullptr ? std::string(real) : std::string();
}

// The first line of `exe --version`, when it answers within 5 s; else "".
inline std::string version_of(const std::string& exe) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return "";
  const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  std::string arg0 = exe, arg1 = "--version";
  char* argv[] = {arg0.data(), arg1.data(), nullptr};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(null, 0);
    ::dup2(out[1], 1);
    ::dup2(null, 2);
    ::execv(exe.c_str(), argv);
    ::_exit(127);
  }
  ::close(out[1]);
  if (null >= 0) ::close(null);
  std::string text;
  if (pid > 0) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    char buf[256];
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                            give_up - std::chrono::steady_clock::now())
                            .count();
      pollfd p{out[0], POLLIN, 0};
      if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) break;
      const ssize_t n = ::read(out[0], buf, sizeof buf);
      if (n <= 0 || text.size() > 4096) break;
      text.append(buf, static_cast<std::size_t>(n));
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
  ::close(out[0]);
  const auto end = text.find_first_of("\r\n");
  return text.substr(0, end);
}

}  // namespace detail

/// What `path` (as resolved for execve, relative to `cwd`) runs as under the runtime's
/// environment `env`: the interpreter of its "#!" line ("#!/usr/bin/env NAME" looked up on the
/// runtime's PATH), else the program itself; with Node's version when it is Node.
inline runtime_identity expected_runtime(
    const std::string& path, const std::string& cwd,
    const std::vector<std::pair<std::string, std::string>>& env) {
  runtime_identity id;
  const std::string file = path.front() == '/' ? path : cwd + "/" + path;
  std::string named = file;  // the name it runs by, before links are resolved
  std::ifstream in(file, std::ios::binary);
  std::string line;
  std::getline(in, line);
  if (line.rfind("#!", 0) == 0) {
    std::vector<std::string> words;
    std::size_t at = 2;
    while (at < line.size()) {
      const auto start = line.find_first_not_of(" \t\r", at);
      if (start == std::string::npos) break;
      const auto end = line.find_first_of(" \t\r", start);
      words.push_back(line.substr(start, end - start));
      at = end == std::string::npos ? line.size() : end;
    }
    if (!words.empty() && words[0].size() > 4 &&
        words[0].compare(words[0].size() - 4, 4, "/env") == 0 && words.size() > 1 &&
        words[1].front() != '-') {
      named = words[1];
      id.exe = detail::canonical(runtime_api::resolve_command(named, cwd, env));
      id.how = "its '#!" + line.substr(2) + "' line, on the runtime's PATH";
    } else if (!words.empty()) {
      named = words[0];
      id.exe = detail::canonical(named);
      id.how = "its '#!" + line.substr(2) + "' line";
    }
  } else {
    id.exe = detail::canonical(file);
    id.how = "the command itself";
  }
  const std::string base = named.substr(named.rfind('/') + 1);
  if (!id.exe.empty() && base.rfind("node", 0) == 0) id.version = detail::version_of(id.exe);
  return id;
}

/// The executable of the runtime that `keeper` (runtime_process::group()) started: its child in
/// its group, read from /proc/PID/exe; empty when it cannot be read.
inline std::string running_runtime(pid_t keeper) {
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return "";
  std::string exe;
  while (const dirent* e = ::readdir(proc)) {
    char* end = nullptr;
    const long pid = std::strtol(e->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    long ppid = 0, pgrp = 0;
    if (!runtime_api::detail::parent_and_group(pid, ppid, pgrp)) continue;
    if (ppid != keeper || pgrp != keeper) continue;
    char target[PATH_MAX];
    const std::string link = "/proc/" + std::to_string(pid) + "/exe";
    const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
    if (n > 0) exe.assign(target, static_cast<std::size_t>(n));
    break;
  }
  ::closedir(proc);
  return exe;
}

}  // namespace inflight::bench
