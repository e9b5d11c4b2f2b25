#pragma once
// Clock helpers shared by io_wait, cpu_work, the slot limiter and the fiber schedulers: absolute
// timespecs and saturating arithmetic, so that "wait forever" idioms (nanoseconds::max(),
// hours::max()) mean forever instead of overflowing inside <chrono>.

#include <time.h>  // timespec

#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace inflight::detail {

using steady = std::chrono::steady_clock;

inline timespec to_timespec(steady::time_point tp) noexcept {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(tp.time_since_epoch());
  return timespec{static_cast<time_t>(ns.count() / 1'000'000'000),
                  static_cast<long>(ns.count() % 1'000'000'000)};
}

// Converts any duration to nanoseconds, clamping to the representable range instead of
// overflowing (hours(1 << 40) is 4e24 ns). long double holds every int64 exactly on x86-64 and
// arm64, so the comparison and the conversion of in-range values are exact. NaN throws, naming
// `what`.
template <class Rep, class Period>
std::chrono::nanoseconds saturating_ns(std::chrono::duration<Rep, Period> d, const char* what) {
  using wide = std::chrono::duration<long double, std::nano>;
  const long double x = std::chrono::duration_cast<wide>(d).count();
  if (std::isnan(x))
    throw std::invalid_argument(std::string(what) + " is NaN; valid range is 0 ns or more");
  constexpr auto max = std::numeric_limits<std::chrono::nanoseconds::rep>::max();
  constexpr auto min = std::numeric_limits<std::chrono::nanoseconds::rep>::min();
  if (x >= static_cast<long double>(max)) return std::chrono::nanoseconds(max);
  if (x <= static_cast<long double>(min)) return std::chrono::nanoseconds(min);
  return std::chrono::nanoseconds(static_cast<std::chrono::nanoseconds::rep>(std::llround(x)));
}

// from + d for d >= 0, or time_point::max() when the sum would not fit: a deadline that never
// comes.
inline steady::time_point deadline_after(steady::time_point from,
                                         std::chrono::nanoseconds d) noexcept {
  const auto room = steady::time_point::max() - from;
  if (d >= std::chrono::duration_cast<std::chrono::nanoseconds>(room))
    return steady::time_point::max();
  return from + std::chrono::duration_cast<steady::duration>(d);
}

// The same for a plain duration sum (cpu_work's target on the thread CPU clock).
inline std::chrono::nanoseconds saturating_add(std::chrono::nanoseconds a,
                                               std::chrono::nanoseconds b) noexcept {
  if (b.count() > 0 && a > std::chrono::nanoseconds::max() - b)
    return std::chrono::nanoseconds::max();
  return a + b;
}

}  // namespace inflight::detail
