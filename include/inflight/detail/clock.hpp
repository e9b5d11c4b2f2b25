#pragma once
// Clock helpers shared by io_wait, cpu_work, the slot limiter and the fiber schedulers: absolute
// timespecs and saturating arithmetic, so that "wait forever" idioms (nanoseconds::max(),
// hours::max()) mean forever instead of overflowing inside <chrono>.

#include <time.h>  // timespec

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <ratio>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace inflight::detail {

using steady = std::chrono::steady_clock;

inline timespec to_timespec(steady::time_point tp) noexcept {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(tp.time_since_epoch());
  return timespec{static_cast<time_t>(ns.count() / 1'000'000'000),
                  static_cast<long>(ns.count() % 1'000'000'000)};
}

// Converts any duration to nanoseconds through long double, clamping to the representable range
// instead of overflowing (hours(1 << 40) is 4e24 ns). long double holds every int64 exactly on
// x86-64 (x87, 64-bit mantissa) and arm64 (IEEE binary128, 113 bits), so the comparison and the
// conversion of in-range values are exact; values finer than 1 ns round half away from zero. NaN
// throws, naming `what`. On arm64 binary128 is emulated in software (libgcc), so the hot paths
// take saturating_ns's integer path instead.
template <class Rep, class Period>
std::chrono::nanoseconds saturating_ns_wide(std::chrono::duration<Rep, Period> d,
                                            const char* what) {
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

// Whether saturating_ns converts a duration<Rep, Period> in integers: a signed integral count of
// at most 64 bits whose period is a whole number of nanoseconds (ns, us, ms, s, min, h) or one
// nanosecond divided by a whole number (ps, fs).
template <class Rep, class Period>
inline constexpr bool exact_ns_conversion = std::is_integral_v<Rep>&& std::is_signed_v<Rep> &&
                                            sizeof(Rep) <= 8 &&
                                            (std::ratio_divide<Period, std::nano>::den == 1 ||
                                             std::ratio_divide<Period, std::nano>::num == 1);

// saturating_ns_wide's result, in integer arithmetic where exact_ns_conversion holds (every
// std::chrono duration): the same clamping and rounding, and no floating point on the paths
// that run per invocation (io_wait, the histogram, the limiter's timeouts).
template <class Rep, class Period>
std::chrono::nanoseconds saturating_ns(std::chrono::duration<Rep, Period> d, const char* what) {
  if constexpr (!exact_ns_conversion<Rep, Period>) {
    return saturating_ns_wide(d, what);
  } else {
    using ns = std::chrono::nanoseconds;
    using ratio = std::ratio_divide<Period, std::nano>;
    constexpr auto max = std::numeric_limits<ns::rep>::max();
    constexpr auto min = std::numeric_limits<ns::rep>::min();
    const auto count = static_cast<std::int64_t>(d.count());
    if constexpr (ratio::den == 1) {  // whole nanoseconds per tick: clamp before multiplying
      constexpr std::int64_t per = ratio::num;
      if (count > max / per) return ns(max);
      if (count < min / per) return ns(min);
      return ns(count * per);
    } else {  // ticks finer than 1 ns: divide, rounding half away from zero; never overflows
      constexpr std::int64_t per = ratio::den;
      const std::int64_t q = count / per, r = count % per;  // r has count's sign
      const std::int64_t away = r < 0 ? -r : r;
      if (away >= per - away) return ns(count < 0 ? q - 1 : q + 1);
      return ns(q);
    }
  }
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
