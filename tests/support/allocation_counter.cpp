// The replacement operator new and delete behind allocation_counter.hpp.
#include "support/allocation_counter.hpp"

#include <cstdlib>
#include <new>

namespace {
thread_local bool counting = false;
thread_local std::size_t allocations = 0;
}  // namespace

namespace inflight::test {
allocation_counter::allocation_counter() {
  allocations = 0;
  counting = true;
}
allocation_counter::~allocation_counter() { counting = false; }
std::size_t allocation_counter::count() const { return allocations; }
}  // namespace inflight::test

void* operator new(std::size_t n) {
  if (counting) ++allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
