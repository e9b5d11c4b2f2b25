#pragma once
// --exec resolved against the filesystem, once, before the first point: the command split and
// found (a relative program from --cwd, a bare name on PATH), the directory made absolute, the
// event file read and checked. Every failure is a usage_error line (exit 2).

#include <limits.h>  // PATH_MAX
#include <stdlib.h>  // realpath
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "exec/runtime_identity.hpp"
#include "point/spec.hpp"
#include "runtime_api/command_line.hpp"
#include "runtime_api/runtime_process.hpp"
#include "sweep/flag_values.hpp"
#include "sweep/invocation_events.hpp"
#include "sweep/options.hpp"

namespace inflight::bench {

/// The runtime that --exec and its flags describe. Throws usage_error when the command cannot be
/// split or executed, the directory does not exist, the event file is unreadable, not JSON or
/// JSON Lines, over 64 MiB, or holds an event over Lambda's 6 MB (or, with
/// --event_format=invocation, one not of that form), or --log_dir is not a directory this user can
/// write.
inline std::shared_ptr<const exec_spec> resolve_exec(const exec_options& x) {
  using detail::usage;
  auto e = std::make_shared<exec_spec>();
  const std::string& command = x.command;
  try {
    e->argv = runtime_api::split_command(command);
  } catch (const std::invalid_argument& err) {
    usage("exec", command,
          std::string("cannot split the command: ") + err.what() +
              "; valid: a command line, quoted as a shell would");
  }
  e->env = x.env;
  if (!x.cwd.empty()) {
    const std::string& dir = x.cwd;
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      usage("cwd", dir, "not a directory; valid: an existing directory");
    }
    char real[PATH_MAX];
    e->cwd = ::realpath(dir.c_str(), real) != nullptr ? real : dir;
  } else {
    char here[PATH_MAX];
    e->cwd = ::getcwd(here, sizeof here) != nullptr ? here : ".";
  }
  e->path = runtime_api::resolve_command(e->argv.front(), e->cwd, x.env);
  if (e->path.empty()) {
    usage("exec", command,
          "'" + e->argv.front() + "' " +
              (e->argv.front().find('/') != std::string::npos
                   ? "is not an executable file (relative to --cwd)"
                   : "is not found in PATH") +
              "; valid: a command that can be executed");
  }
  const std::string base = e->argv.front().substr(e->argv.front().rfind('/') + 1);
  e->label = detail::checked_label(!x.label.empty() ? x.label : base);
  if (!x.event.empty()) {
    const std::string& file = x.event;
    // A regular file of bounded size: never a device or a FIFO that reads forever.
    constexpr std::size_t max_bytes = 64 * 1024 * 1024;
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) {
      usage("event", file,
            std::string("cannot read: ") + std::strerror(errno) + "; valid: a readable file");
    }
    if (!S_ISREG(st.st_mode)) {
      usage("event", file, "not a regular file; valid: a readable file of JSON or JSON Lines");
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      usage("event", file,
            std::string("cannot read: ") + std::strerror(errno) + "; valid: a readable file");
    }
    std::string all;
    char chunk[65536];
    while (all.size() <= max_bytes && in.read(chunk, sizeof chunk).gcount() > 0) {
      all.append(chunk, static_cast<std::size_t>(in.gcount()));
    }
    if (in.bad()) usage("event", file, "cannot read; valid: a readable file");
    if (all.size() > max_bytes) {
      usage("event", file, "larger than 64 MiB; valid: up to 64 MiB of JSON or JSON Lines");
    }
    // Lambda refuses an invocation payload over 6 MB; one here would fail every invocation.
    constexpr std::size_t max_event = 6291456;
    auto fits = [&](const std::string& event, const std::string& where) {
      if (event.size() > max_event) {
        usage("event", file,
              where + " is " + std::to_string(event.size()) +
                  " bytes, over Lambda's 6 MB payload limit; valid: events of at most 6291456 "
                  "bytes");
      }
    };
    if (nlohmann::json::accept(all)) {
      fits(all, "the event");
      e->events.push_back(all);
    } else {
      std::istringstream lines(all);
      std::string line;
      std::size_t n = 0;
      while (std::getline(lines, line)) {
        ++n;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        if (!nlohmann::json::accept(line)) {
          usage("event", file,
                "line " + std::to_string(n) +
                    " is not JSON; valid: one JSON document, or JSON Lines (one per line)");
        }
        fits(line, "line " + std::to_string(n));
        e->events.push_back(line);
      }
      if (e->events.empty()) usage("event", file, "holds no JSON; valid: JSON or JSON Lines");
    }
    if (x.event_invocations) detail::split_invocations(*e, file);
  } else if (x.event_invocations) {
    usage("event_format", "invocation", "needs --event; valid: payload without one");
  }
  const runtime_identity id = expected_runtime(e->path, e->cwd, e->env);
  e->runtime_exe = id.exe;
  e->runtime_found = id.how;
  e->runtime_version = id.version;
  e->tenants = x.tenants;
  e->isolation = x.isolation;
  e->deadline = x.deadline;
  e->init_timeout = x.init_timeout;
  if (!x.log_dir.empty()) {
    struct stat st {};
    const bool exists = ::stat(x.log_dir.c_str(), &st) == 0;
    const int err = errno;
    if (!exists || !S_ISDIR(st.st_mode) || ::access(x.log_dir.c_str(), W_OK | X_OK) != 0) {
      usage("log_dir", x.log_dir,
            std::string(exists ? "not a writable directory" : std::strerror(err)) +
                "; valid: " + flag_range("log_dir", 0));
    }
    char real[PATH_MAX];
    e->log_dir = ::realpath(x.log_dir.c_str(), real) != nullptr ? real : x.log_dir;
  }
  return e;
}

}  // namespace inflight::bench
