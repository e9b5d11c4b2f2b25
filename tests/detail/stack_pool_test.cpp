// The dispatcher's pool of fiber stacks: stacks are reused, each has a guard page, and a stack
// that cannot be mapped is std::bad_alloc (the dispatcher turns it into an unstarted call).
#include "inflight/detail/stack_pool.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <new>
#include <string>

#include "support/emulation.hpp"
#include "support/faults.hpp"

namespace {

TEST(StackPool, ReusesFreedStacks) {
  inflight::detail::stack_pool pool(64 * 1024);
  auto a = pool.allocate();
  EXPECT_GE(a.size, 64u * 1024);
  void* top = a.sp;
  pool.deallocate(a);
  auto b = pool.allocate();
  EXPECT_EQ(b.sp, top) << "a freed stack is handed out again";
  pool.deallocate(b);
}

// The permissions /proc/self/maps lists for the mapping that holds `p` ("rw-p", "---p").
std::string permissions_at(const void* p) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  const auto addr = reinterpret_cast<std::uintptr_t>(p);
  while (std::getline(maps, line)) {
    std::uintptr_t lo = 0, hi = 0;
    char perms[5] = {};
    if (std::sscanf(line.c_str(), "%lx-%lx %4s", &lo, &hi, perms) == 3 && lo <= addr && addr < hi) {
      return perms;
    }
  }
  return "";
}

TEST(StackPool, TheGuardPageBelowEachStackIsNotAccessible) {
  inflight::detail::stack_pool pool(16 * 1024);
  auto s = pool.allocate();
  char* lowest_usable = static_cast<char*>(s.sp) - s.size;
  const char* guard = lowest_usable - sysconf(_SC_PAGESIZE);
  EXPECT_EQ(permissions_at(guard), "---p");
  EXPECT_EQ(permissions_at(lowest_usable), "rw-p");
  pool.deallocate(s);
}

TEST(StackPool, AStackThatCannotBeMappedIsBadAlloc) {
  if (!inflight::test::address_space_limits_apply())
    GTEST_SKIP() << "RLIMIT_AS is not enforced here (qemu-user ignores it)";
  inflight::detail::stack_pool pool(std::size_t{512} << 20);
  inflight::test::address_space_limit limit(std::size_t{64} << 20);
  EXPECT_THROW(pool.allocate(), std::bad_alloc);
}

}  // namespace
