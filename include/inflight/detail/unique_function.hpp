#pragma once
// A move-only std::function for the dispatcher's calls. It holds callables that cannot be copied
// (a held slot_limiter::slot, a unique_ptr, a promise), which std::function refuses, and keeps
// small ones (up to 48 bytes, nothrow-movable) inline, so submitting one allocates nothing.

#include <cstddef>
#include <functional>
#include <new>
#include <type_traits>
#include <utility>

namespace inflight::detail {

template <class Signature>
class unique_function;

template <class R, class... Args>
class unique_function<R(Args...)> {
 public:
  static constexpr std::size_t inline_size = 48;

  unique_function() noexcept = default;
  unique_function(std::nullptr_t) noexcept {}  // NOLINT(google-explicit-constructor)
  template <class F, class D = std::decay_t<F>,
            class = std::enable_if_t<!std::is_same_v<D, unique_function> &&
                                     std::is_invocable_r_v<R, D&, Args...>>>
  unique_function(F&& f) {  // NOLINT(google-explicit-constructor): as std::function
    if constexpr (fits<D>) {
      ::new (static_cast<void*>(buffer_)) D(std::forward<F>(f));
      ops_ = &inline_ops<D>::table;
    } else {
      ::new (static_cast<void*>(buffer_)) D*(new D(std::forward<F>(f)));
      ops_ = &heap_ops<D>::table;
    }
  }
  unique_function(unique_function&& other) noexcept { take(other); }
  unique_function& operator=(unique_function&& other) noexcept {
    if (this != &other) {
      reset();
      take(other);
    }
    return *this;
  }
  unique_function& operator=(std::nullptr_t) noexcept {
    reset();
    return *this;
  }
  unique_function(const unique_function&) = delete;
  unique_function& operator=(const unique_function&) = delete;
  ~unique_function() { reset(); }

  explicit operator bool() const noexcept { return ops_ != nullptr; }
  R operator()(Args... args) { return ops_->invoke(buffer_, std::forward<Args>(args)...); }

  // Whether a callable of type F is stored without a heap allocation.
  template <class F>
  static constexpr bool fits =
      sizeof(F) <= inline_size &&
      alignof(F) <= alignof(std::max_align_t) && std::is_nothrow_move_constructible_v<F>;

 private:
  struct ops {
    R (*invoke)(void*, Args&&...);
    void (*move)(void* from, void* to) noexcept;  // leaves `from` destroyed
    void (*destroy)(void*) noexcept;
  };
  template <class F>
  struct inline_ops {
    static R invoke(void* s, Args&&... args) {
      return std::invoke(*static_cast<F*>(s), std::forward<Args>(args)...);
    }
    static void move(void* from, void* to) noexcept {
      ::new (to) F(std::move(*static_cast<F*>(from)));
      static_cast<F*>(from)->~F();
    }
    static void destroy(void* s) noexcept { static_cast<F*>(s)->~F(); }
    static constexpr ops table{&invoke, &move, &destroy};
  };
  template <class F>
  struct heap_ops {
    static R invoke(void* s, Args&&... args) {
      return std::invoke(**static_cast<F**>(s), std::forward<Args>(args)...);
    }
    static void move(void* from, void* to) noexcept { ::new (to) F*(*static_cast<F**>(from)); }
    static void destroy(void* s) noexcept { delete *static_cast<F**>(s); }
    static constexpr ops table{&invoke, &move, &destroy};
  };

  void take(unique_function& other) noexcept {
    if (other.ops_ != nullptr) {
      other.ops_->move(other.buffer_, buffer_);
      ops_ = other.ops_;
      other.ops_ = nullptr;
    }
  }
  void reset() noexcept {
    if (ops_ != nullptr) {
      const ops* o = ops_;
      ops_ = nullptr;  // a callable whose destructor reaches back here sees an empty function
      o->destroy(buffer_);
    }
  }

  alignas(std::max_align_t) unsigned char buffer_[inline_size];
  const ops* ops_ = nullptr;
};

}  // namespace inflight::detail
