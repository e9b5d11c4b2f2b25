#pragma once
// What a program was built as (architecture, linkage, compiler, build type, commit) for
// --version and the JSON context, and the one check a portable binary makes before anything
// else: that the kernel is one its C library can run on.

#include <benchmark/benchmark.h>
#include <sys/utsname.h>

#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include "inflight/version.hpp"
#include "inflight_commit.hpp"  // generated at build time: INFLIGHT_COMMIT (cmake/commit.cmake)

#ifndef INFLIGHT_BUILD_TYPE
#error "INFLIGHT_BUILD_TYPE is set by bench/CMakeLists.txt"
#endif
#ifndef INFLIGHT_BUILD_LINKAGE
#error "INFLIGHT_BUILD_LINKAGE is set by bench/CMakeLists.txt"
#endif

namespace inflight::bench {

/// The instruction set the program was compiled for (not the machine it runs on: under
/// qemu-user or on another CPU they differ, and the JSON context says both).
#if defined(__x86_64__)
inline constexpr const char* build_arch = "x86_64";
#elif defined(__aarch64__)
inline constexpr const char* build_arch = "aarch64";
#else
inline constexpr const char* build_arch = "unknown";
#endif

/// "static" (every library linked in: the portable tarball) or "dynamic".
inline constexpr const char* build_linkage = INFLIGHT_BUILD_LINKAGE;

/// The compiler and its version, as it names itself.
inline std::string build_compiler() {
#if defined(__clang__)
  return std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
  return std::string("gcc ") + __VERSION__;
#else
  return "unknown";
#endif
}

/// The commit the sources were at when built, with "-dirty" when the tree had changes; "unknown"
/// outside a git checkout.
inline constexpr const char* build_commit = INFLIGHT_COMMIT;

/// "PROGRAM 0.2.0 (x86_64, static, gcc 12.2.0, Release, commit 0123abcd4567)".
inline std::string version_line(const char* program) {
  return std::string(program) + " " + inflight::version_string + " (" + build_arch + ", " +
         build_linkage + ", " + build_compiler() + ", " + INFLIGHT_BUILD_TYPE + ", commit " +
         build_commit + ")";
}

/// The build's keys in Google Benchmark's context (the JSON's "context"), beside inflight_version.
inline void add_build_context() {
  benchmark::AddCustomContext("build_arch", build_arch);
  benchmark::AddCustomContext("build_linkage", build_linkage);
  benchmark::AddCustomContext("build_compiler", build_compiler());
  benchmark::AddCustomContext("build_commit", build_commit);
}

/// A kernel's "major.minor", as uname(2) gives it.
struct kernel_version {
  int major = 0;
  int minor = 0;
  friend bool operator<(kernel_version a, kernel_version b) {
    return a.major != b.major ? a.major < b.major : a.minor < b.minor;
  }
};

/// The leading "major.minor" of a release such as "6.1.0-18-amd64"; nullopt when it has none.
inline std::optional<kernel_version> parse_kernel_release(const char* release) {
  int major = 0, minor = 0, used = 0;
  if (std::sscanf(release, "%d.%d%n", &major, &minor, &used) != 2 || major < 0 || minor < 0) {
    return std::nullopt;
  }
  return kernel_version{major, minor};
}

/// The oldest kernel this build's C library supports: glibc's --enable-kernel for the
/// architecture, as Debian 12 builds it (the ELF note `file` prints, "for GNU/Linux 3.2.0").
/// inflight's own system calls (epoll, timerfd, eventfd2, accept4, pipe2) are all older.
inline constexpr kernel_version min_kernel =
#if defined(__aarch64__)
    kernel_version{3, 7};
#else
    kernel_version{3, 2};
#endif

/// The one line a program prints instead of running on the kernel `release`, or nullopt when it
/// can run there. A release it cannot read is let through: uname(2) is the kernel's own word.
inline std::optional<std::string> kernel_refusal(const char* program, const char* release) {
  const auto v = parse_kernel_release(release);
  if (!v || !(*v < min_kernel)) return std::nullopt;
  return std::string(program) + ": this " + build_arch + " build needs Linux " +
         std::to_string(min_kernel.major) + "." + std::to_string(min_kernel.minor) +
         " or later; this kernel is " + release;
}

/// What every program does first: refuse a kernel it cannot run on (one line, exit 1), and
/// answer --version (exit 0). Returns the exit status when the program should stop there.
inline std::optional<int> program_start(int argc, char** argv, const char* program) {
  utsname u{};
  if (uname(&u) == 0) {
    if (const auto refusal = kernel_refusal(program, u.release)) {
      std::fprintf(stderr, "%s\n", refusal->c_str());
      return 1;
    }
  }
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--version") == 0) {
      std::printf("%s\n", version_line(program).c_str());
      return 0;
    }
  }
  return std::nullopt;
}

}  // namespace inflight::bench
