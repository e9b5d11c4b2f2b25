// The replacement operator new and delete behind allocation_fault.hpp.
#include "support/allocation_fault.hpp"

#include <atomic>
#include <cstdlib>
#include <limits>
#include <new>

namespace {
std::atomic<std::size_t> threshold{std::numeric_limits<std::size_t>::max()};
std::atomic<std::size_t> faults{0};
}  // namespace

namespace inflight::test {
void fail_next_allocation_of(std::size_t bytes) { threshold.store(bytes); }
void disarm_allocation_fault() { threshold.store(std::numeric_limits<std::size_t>::max()); }
std::size_t allocation_faults() { return faults.load(); }
}  // namespace inflight::test

// Arrays too: a sanitizer's runtime defines operator new[] itself, so it would not come here.
void* operator new[](std::size_t n) { return ::operator new(n); }
void operator delete[](void* p) noexcept { ::operator delete(p); }
void operator delete[](void* p, std::size_t) noexcept { ::operator delete(p); }

void* operator new(std::size_t n) {
  std::size_t armed = threshold.load(std::memory_order_relaxed);
  // Exactly one allocation takes the fault, whichever thread gets there first.
  if (n >= armed &&
      threshold.compare_exchange_strong(armed, std::numeric_limits<std::size_t>::max())) {
    faults.fetch_add(1);
    throw std::bad_alloc();
  }
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
