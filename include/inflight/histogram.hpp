#pragma once
// A log-linear latency histogram in the manner of HdrHistogram: 1 ns .. 1 h at 3 significant
// digits.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "detail/clock.hpp"

namespace inflight {
namespace detail {

// Values below 2048 map to themselves; above, the top 11 significant bits pick the sub-bucket and
// the exponent picks the half-range of 1024 sub-buckets.
constexpr std::size_t histogram_index(std::uint64_t v) noexcept {
  constexpr std::uint64_t sub_count = 2048, half = 1024;
  if (v < sub_count) return static_cast<std::size_t>(v);
  // v >= 2048, so the shift is at least 1.
  const auto shift = static_cast<std::uint64_t>(63 - __builtin_clzll(v) - 10);
  return static_cast<std::size_t>(sub_count + (shift - 1) * half + ((v >> shift) - half));
}

}  // namespace detail

/// Records latencies in nanoseconds into fixed log-linear buckets; not synchronised, so keep one
/// per thread (or worker) and merge() them for the report.
///
/// Range 0 ns .. 1 h with 3 significant digits: every value below 2048 ns is exact, and above that
/// a bucket is at most 1/1024 of its value wide. Values above 1 h are counted in the top bucket and
/// in saturated(); min(), max() and mean() stay exact. Memory is fixed at about 260 KiB.
///
///     inflight::latency_histogram h;
///     h.record(1500);
///     auto p99 = h.percentile(99.0);
class latency_histogram {
 public:
  /// The highest value recorded in its own bucket: one hour in nanoseconds.
  static constexpr std::uint64_t highest_trackable = 3'600'000'000'000ull;

  latency_histogram();
  latency_histogram(const latency_histogram& other);
  latency_histogram& operator=(const latency_histogram& other);
  /// Moving leaves `other` empty; it reads as empty and may be recorded into again (it then
  /// allocates its buckets anew).
  latency_histogram(latency_histogram&& other) noexcept;
  latency_histogram& operator=(latency_histogram&& other) noexcept;

  /// Counts one value in nanoseconds; a few ns, no allocation (except on a moved-from histogram,
  /// which may throw std::bad_alloc).
  void record(std::uint64_t ns);
  /// Counts one duration, in any std::chrono unit; negative ones count as 0, ones past the range
  /// as saturated().
  template <class Rep, class Period>
  void record(std::chrono::duration<Rep, Period> d);
  /// Adds every count of `other` into this one.
  void merge(const latency_histogram& other);
  /// Forgets every value.
  void reset() noexcept;

  std::uint64_t count() const noexcept { return count_; }
  /// The value at percentile q (nearest rank), within 0.1% of the exact value; 0 when empty.
  /// Throws std::invalid_argument when q is outside [0, 100] or NaN.
  std::uint64_t percentile(double q) const;
  std::uint64_t min() const noexcept { return count_ ? min_ : 0; }
  std::uint64_t max() const noexcept { return max_; }
  /// The exact arithmetic mean; 0 when empty.
  double mean() const noexcept {
    return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0;
  }
  /// How many values were above highest_trackable.
  std::uint64_t saturated() const noexcept { return saturated_; }

 private:
  static constexpr std::uint64_t sub_count_ = 2048;  // linear sub-buckets: 1/1024 resolution
  static constexpr std::uint64_t half_ = sub_count_ / 2;
  static constexpr std::size_t bucket_count_ = detail::histogram_index(highest_trackable) + 1;
  static std::uint64_t lowest_of(std::size_t index) noexcept;
  static std::uint64_t width_of(std::size_t index) noexcept;
  void clear_scalars() noexcept;
  void ensure_buckets();

  std::unique_ptr<std::uint64_t[]> counts_;
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t min_ = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t max_ = 0;
  std::uint64_t saturated_ = 0;
};

inline latency_histogram::latency_histogram() : counts_(new std::uint64_t[bucket_count_]()) {}

inline latency_histogram::latency_histogram(const latency_histogram& other)
    : counts_(new std::uint64_t[bucket_count_]()),
      count_(other.count_),
      sum_(other.sum_),
      min_(other.min_),
      max_(other.max_),
      saturated_(other.saturated_) {
  if (other.counts_) std::copy_n(other.counts_.get(), bucket_count_, counts_.get());
}

inline latency_histogram::latency_histogram(latency_histogram&& other) noexcept
    : counts_(std::move(other.counts_)),
      count_(other.count_),
      sum_(other.sum_),
      min_(other.min_),
      max_(other.max_),
      saturated_(other.saturated_) {
  other.clear_scalars();
}

inline latency_histogram& latency_histogram::operator=(latency_histogram&& other) noexcept {
  if (this != &other) {
    counts_ = std::move(other.counts_);
    count_ = other.count_;
    sum_ = other.sum_;
    min_ = other.min_;
    max_ = other.max_;
    saturated_ = other.saturated_;
    other.clear_scalars();
  }
  return *this;
}

inline void latency_histogram::clear_scalars() noexcept {
  count_ = sum_ = max_ = saturated_ = 0;
  min_ = std::numeric_limits<std::uint64_t>::max();
}

inline void latency_histogram::ensure_buckets() {
  if (!counts_) counts_.reset(new std::uint64_t[bucket_count_]());
}

inline latency_histogram& latency_histogram::operator=(const latency_histogram& other) {
  if (this != &other) {
    latency_histogram copy(other);
    *this = std::move(copy);
  }
  return *this;
}

inline std::uint64_t latency_histogram::lowest_of(std::size_t index) noexcept {
  if (index < sub_count_) return index;
  const std::size_t shift = (index - sub_count_) / half_ + 1;
  return (half_ + (index - sub_count_) % half_) << shift;
}

inline std::uint64_t latency_histogram::width_of(std::size_t index) noexcept {
  return index < sub_count_ ? 1 : 1ull << ((index - sub_count_) / half_ + 1);
}

inline void latency_histogram::record(std::uint64_t ns) {
  if (counts_ == nullptr) ensure_buckets();
  if (ns > highest_trackable) {
    ++saturated_;
    ++counts_[bucket_count_ - 1];
  } else {
    ++counts_[detail::histogram_index(ns)];
  }
  ++count_;
  sum_ += ns;
  min_ = ns < min_ ? ns : min_;
  max_ = ns > max_ ? ns : max_;
}

template <class Rep, class Period>
void latency_histogram::record(std::chrono::duration<Rep, Period> d) {
  if constexpr (std::is_floating_point_v<Rep>) {
    const double ns = std::chrono::duration<double, std::nano>(d).count();
    record(!(ns > 0)    ? std::uint64_t{0}  // NaN too
           : ns >= 1e19 ? std::numeric_limits<std::uint64_t>::max()
                        : static_cast<std::uint64_t>(ns));
  } else {
    const auto ns = detail::saturating_ns(d, "latency");  // never throws for integral counts
    record(ns.count() < 0 ? std::uint64_t{0} : static_cast<std::uint64_t>(ns.count()));
  }
}

inline void latency_histogram::merge(const latency_histogram& other) {
  if (other.count_ == 0) return;
  ensure_buckets();
  for (std::size_t i = 0; i < bucket_count_; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  saturated_ += other.saturated_;
}

inline void latency_histogram::reset() noexcept {
  if (counts_) std::fill_n(counts_.get(), bucket_count_, 0);
  clear_scalars();
}

inline std::uint64_t latency_histogram::percentile(double q) const {
  if (!(q >= 0.0 && q <= 100.0)) {
    throw std::invalid_argument("percentile q is " + std::to_string(q) + "; valid range is 0..100");
  }
  if (count_ == 0) return 0;
  // Nearest rank: the smallest value with at least q% of the values at or below it.
  auto rank = static_cast<std::uint64_t>(std::ceil(q / 100.0 * static_cast<double>(count_) - 1e-9));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < bucket_count_; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      // The bucket's midpoint halves the worst-case error; the exact extremes stay exact.
      const std::uint64_t mid = lowest_of(i) + width_of(i) / 2;
      return std::clamp(mid, min(), max_);
    }
  }
  return max_;
}

}  // namespace inflight
