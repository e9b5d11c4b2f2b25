#pragma once
// What some tests need from the kernel and qemu-user does not give an emulated process (the
// aarch64 tests run on x86_64 under qemu-aarch64-static: tests/package/binfmt_aarch64.sh). Each
// is probed once, in a child process, so the test's own process is untouched. A test that needs
// one skips where it is missing, naming it; on a real kernel, x86_64 or arm64, each is there.

#include <sys/mman.h>
#include <sys/prctl.h>     // PR_SET_CHILD_SUBREAPER
#include <sys/resource.h>  // setrlimit, RLIMIT_AS
#include <sys/wait.h>
#include <unistd.h>

#include <cstddef>
#include <string>

namespace inflight::test {

namespace detail {
// Runs `probe` in a forked child; true when it exited 0.
template <class Probe>
bool child_says_yes(Probe probe) {
  const pid_t pid = fork();
  if (pid == 0) _exit(probe() ? 0 : 1);
  int status = 0;
  return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
         WEXITSTATUS(status) == 0;
}

inline std::string link_of(const std::string& path) {
  char buf[4096];
  const ssize_t n = readlink(path.c_str(), buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}
}  // namespace detail

/// Whether a lowered RLIMIT_AS makes a larger mmap fail (qemu-user accepts the call and ignores
/// it, since its own mappings live in the same process).
inline bool address_space_limits_apply() {
  static const bool yes = detail::child_says_yes([] {
    const rlimit low{64u << 20, 64u << 20};  // far below what any process here has mapped
    if (setrlimit(RLIMIT_AS, &low) != 0) return false;
    void* p = mmap(nullptr, std::size_t{1} << 30, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED;
  });
  return yes;
}

/// Whether prctl(PR_SET_CHILD_SUBREAPER) works (qemu-user 7.2 answers EINVAL).
inline bool child_subreaper_available() {
  static const bool yes =
      detail::child_says_yes([] { return prctl(PR_SET_CHILD_SUBREAPER, 1) == 0; });
  return yes;
}

/// Whether /proc/PID/exe of another process names its program (under qemu-user it names the
/// emulator; only /proc/self/exe is translated).
inline bool proc_exe_names_the_program() {
  static const bool yes = [] {
    int gate[2];
    if (pipe(gate) != 0) return false;
    const pid_t pid = fork();
    if (pid == 0) {  // the same program as the test: it waits for the pipe to close
      close(gate[1]);
      char c;
      (void)!read(gate[0], &c, 1);
      _exit(0);
    }
    close(gate[0]);
    const bool same = pid > 0 && detail::link_of("/proc/" + std::to_string(pid) + "/exe") ==
                                     detail::link_of("/proc/self/exe");
    close(gate[1]);
    int status = 0;
    if (pid > 0) waitpid(pid, &status, 0);
    return same;
  }();
  return yes;
}

}  // namespace inflight::test
