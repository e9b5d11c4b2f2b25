#pragma once
// A per-worker pool of fiber stacks for the dispatcher.
//
// Why not boost::context::pooled_fixedsize_stack: boost::pool threads its free list through the
// first bytes of every block, so each pooled stack costs one more resident page at its far end, and
// it has no guard page. Here every stack is its own mmap with a PROT_NONE guard page below it (an
// overflow faults instead of corrupting a neighbour); only the pages a fiber really touches become
// resident. Freed stacks go on a free list and are reused, so steady state maps nothing.

#include <sys/mman.h>  // mmap, mprotect, munmap
#include <unistd.h>    // sysconf

#include <boost/context/stack_context.hpp>
#include <cstddef>
#include <memory>
#include <new>
#include <vector>

namespace inflight::detail {

class stack_pool {
 public:
  explicit stack_pool(std::size_t usable) {
    page_ = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    mapping_ = (usable + page_ - 1) / page_ * page_ + page_;
  }
  ~stack_pool() {
    for (void* base : free_) munmap(base, mapping_);
  }
  stack_pool(const stack_pool&) = delete;
  stack_pool& operator=(const stack_pool&) = delete;

  boost::context::stack_context allocate() {
    void* base;
    if (!free_.empty()) {
      base = free_.back();
      free_.pop_back();
    } else {
      base = mmap(nullptr, mapping_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (base == MAP_FAILED) throw std::bad_alloc();
      if (mprotect(base, page_, PROT_NONE) != 0) {
        munmap(base, mapping_);
        throw std::bad_alloc();
      }
    }
    boost::context::stack_context sc;
    sc.size = mapping_ - page_;
    sc.sp = static_cast<char*>(base) + mapping_;
    return sc;
  }

  void deallocate(boost::context::stack_context& sc) noexcept {
    free_.push_back(static_cast<char*>(sc.sp) - mapping_);
  }

 private:
  std::size_t page_ = 0;
  std::size_t mapping_ = 0;
  std::vector<void*> free_;
};

// The StackAllocator handed to each fiber. Boost.Fiber copies it into the fiber and returns the
// stack when the scheduler destroys the finished fiber, which can be after the worker's loop
// ends, so every handle shares ownership of the pool.
class pooled_stack {
 public:
  explicit pooled_stack(std::size_t usable) : pool_(std::make_shared<stack_pool>(usable)) {}
  boost::context::stack_context allocate() { return pool_->allocate(); }
  void deallocate(boost::context::stack_context& sc) noexcept { pool_->deallocate(sc); }

 private:
  std::shared_ptr<stack_pool> pool_;
};

}  // namespace inflight::detail
