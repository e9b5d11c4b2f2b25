#pragma once
// Counts the heap allocations the calling thread makes while a counter is alive. The global
// operator new it needs lives in allocation_counter.cpp, a translation unit of its own, so the
// compiler never pairs an inlined new with the replacement delete.

#include <cstddef>

namespace inflight::test {

/// Allocations by this thread since construction.
class allocation_counter {
 public:
  allocation_counter();
  ~allocation_counter();
  allocation_counter(const allocation_counter&) = delete;
  allocation_counter& operator=(const allocation_counter&) = delete;
  std::size_t count() const;
};

}  // namespace inflight::test
