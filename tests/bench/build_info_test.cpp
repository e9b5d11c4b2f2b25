// What a program says it was built as (support/build_info.hpp): --version from every program,
// the kernel it refuses, and, in a static build, that no program asks for a dynamic loader.
#include "support/build_info.hpp"

#include <elf.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace {

using namespace inflight::bench;
using ::testing::HasSubstr;
using ::testing::StartsWith;

struct program {
  const char* name;
  const char* path;
};

const std::vector<program>& programs() {
  static const std::vector<program> all{
      {"inflight_sweep", INFLIGHT_SWEEP},
      {"inflight_compare", INFLIGHT_COMPARE},
      {"inflight_overhead", INFLIGHT_OVERHEAD},
      {"inflight_runtime_api_bench", INFLIGHT_RUNTIME_API_BENCH},
      {"inflight_fd_wait_bench", INFLIGHT_FD_WAIT_BENCH},
  };
  return all;
}

struct output {
  int status = -1;
  std::string text;
};

output run(const std::string& command) {
  output o;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return o;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p) != nullptr) o.text += buf;
  const int status = pclose(p);
  o.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return o;
}

TEST(BuildInfo, TheVersionLineNamesTheArchitectureLinkageCompilerAndCommit) {
  const std::string line = version_line("inflight_x");
  EXPECT_THAT(line, StartsWith(std::string("inflight_x ") + inflight::version_string + " ("));
  EXPECT_THAT(line, HasSubstr(std::string("(") + build_arch + ", " + build_linkage + ", "));
  EXPECT_THAT(line, HasSubstr(build_compiler()));
  EXPECT_THAT(line, HasSubstr(std::string("commit ") + build_commit + ")"));
#if defined(__x86_64__)
  EXPECT_STREQ(build_arch, "x86_64");
#elif defined(__aarch64__)
  EXPECT_STREQ(build_arch, "aarch64");
#endif
  EXPECT_TRUE(std::string(build_linkage) == "static" || std::string(build_linkage) == "dynamic");
  EXPECT_STRNE(build_commit, "");
}

TEST(BuildInfo, EveryProgramAnswersVersionWithItsOwnNameAndExitsZero) {
  for (const auto& p : programs()) {
    const auto o = run(std::string(p.path) + " --version");
    EXPECT_EQ(o.status, 0) << p.name << ": " << o.text;
    EXPECT_EQ(o.text, version_line(p.name) + "\n") << p.name;
  }
}

TEST(BuildInfo, KernelReleasesAreReadByTheirMajorAndMinor) {
  const auto v = parse_kernel_release("6.1.0-18-amd64");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->major, 6);
  EXPECT_EQ(v->minor, 1);
  const auto el6 = parse_kernel_release("2.6.32-754.el6.x86_64");
  ASSERT_TRUE(el6);
  EXPECT_EQ(el6->major, 2);
  EXPECT_EQ(el6->minor, 6);
  EXPECT_FALSE(parse_kernel_release(""));
  EXPECT_FALSE(parse_kernel_release("linux"));
  EXPECT_FALSE(parse_kernel_release("6"));
}

TEST(BuildInfo, AKernelOlderThanTheCLibraryNeedsIsRefusedInOneLineNamingBoth) {
  const std::string needed =
      std::to_string(min_kernel.major) + "." + std::to_string(min_kernel.minor);
  const auto refusal = kernel_refusal("inflight_sweep", "2.6.32-754.el6.x86_64");
  ASSERT_TRUE(refusal);
  EXPECT_EQ(*refusal, std::string("inflight_sweep: this ") + build_arch + " build needs Linux " +
                          needed + " or later; this kernel is 2.6.32-754.el6.x86_64");
  EXPECT_EQ(refusal->find('\n'), std::string::npos);
  const std::string just_below =
      std::to_string(min_kernel.major) + "." + std::to_string(min_kernel.minor - 1) + ".9";
  EXPECT_TRUE(kernel_refusal("p", just_below.c_str()));
  EXPECT_FALSE(kernel_refusal("p", (needed + ".0").c_str()));
  EXPECT_FALSE(kernel_refusal("p", "6.18.44-fc"));
  EXPECT_FALSE(kernel_refusal("p", "10.0"));
  EXPECT_FALSE(kernel_refusal("p", "unreadable"));  // uname's word is let through
}

// The ELF program headers of `path`: true when one is PT_INTERP (the program needs ld.so).
bool asks_for_a_loader(const char* path) {
  std::ifstream in(path, std::ios::binary);
  Elf64_Ehdr eh{};
  in.read(reinterpret_cast<char*>(&eh), sizeof eh);
  EXPECT_TRUE(in && eh.e_ident[EI_CLASS] == ELFCLASS64) << path;
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph{};
    in.seekg(static_cast<std::streamoff>(eh.e_phoff + i * sizeof ph));
    in.read(reinterpret_cast<char*>(&ph), sizeof ph);
    EXPECT_TRUE(in) << path;
    if (ph.p_type == PT_INTERP) return true;
  }
  return false;
}

TEST(BuildInfo, AStaticBuildsProgramsNeedNoDynamicLoaderAndADynamicOnesDo) {
  const bool is_static = std::string(build_linkage) == "static";
  for (const auto& p : programs()) EXPECT_EQ(asks_for_a_loader(p.path), !is_static) << p.name;
}

}  // namespace
