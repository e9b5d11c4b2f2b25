// The dispatcher's move-only function: holds what std::function refuses, stores small callables
// inline, destroys each exactly once.
#include "inflight/detail/unique_function.hpp"

#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <string>

namespace {

using inflight::detail::unique_function;

struct counted {
  static inline int alive = 0;
  counted() { ++alive; }
  counted(const counted&) { ++alive; }
  counted(counted&&) noexcept { ++alive; }
  ~counted() { --alive; }
};

TEST(UniqueFunction, HoldsMoveOnlyCallables) {
  unique_function<int()> f = [p = std::make_unique<int>(7)] { return *p; };
  ASSERT_TRUE(f);
  EXPECT_EQ(f(), 7);
  unique_function<int()> g = std::move(f);
  EXPECT_FALSE(f);  // NOLINT(bugprone-use-after-move): moved-from is empty
  EXPECT_EQ(g(), 7);
  g = nullptr;
  EXPECT_FALSE(g);
}

TEST(UniqueFunction, SmallCallablesInlineLargeOnTheHeapBothDestroyedOnce) {
  auto small = [c = counted()] { return 1; };
  auto large = [c = counted(), pad = std::array<char, 128>{}] { return static_cast<int>(pad[0]); };
  static_assert(unique_function<int()>::fits<decltype(small)>);
  static_assert(!unique_function<int()>::fits<decltype(large)>);
  const int before = counted::alive;
  {
    unique_function<int()> a = std::move(small);
    unique_function<int()> b = std::move(large);
    unique_function<int()> c = std::move(a);
    unique_function<int()> d;
    d = std::move(b);
    EXPECT_EQ(c(), 1);
    EXPECT_EQ(d(), 0);
  }
  EXPECT_EQ(counted::alive, before) << "every stored copy was destroyed, once";
}

TEST(UniqueFunction, ArgumentsAndResultsPassThrough) {
  unique_function<std::string(std::string, int)> f = [](std::string s, int n) {
    return s + std::to_string(n);
  };
  EXPECT_EQ(f("slot ", 3), "slot 3");
}

}  // namespace
