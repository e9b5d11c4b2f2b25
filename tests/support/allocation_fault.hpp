#pragma once
// A fault injector for the tests that must see what a failed allocation does mid-request: a
// replacement operator new (allocation_fault.cpp, linked into those tests only) throws
// std::bad_alloc for the next allocation of at least `bytes`, once, on any thread.

#include <cstddef>

namespace inflight::test {

/// Arms the fault: the next allocation of `bytes` or more throws std::bad_alloc, then it disarms.
void fail_next_allocation_of(std::size_t bytes);
/// Disarms it without a fault.
void disarm_allocation_fault();
/// Faults injected since the start.
std::size_t allocation_faults();

}  // namespace inflight::test
