#pragma once
// Seeded duration distributions for realistic IO waits and CPU work, and their text forms.

#include <chrono>
#include <cmath>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>

namespace inflight {

/// Parses a duration: a non-negative number with a unit, `ns`, `us`, `ms` or `s` (`1.5ms`,
/// `200us`, `2s`); a bare `0` is allowed. Throws std::invalid_argument naming `what` and the text.
std::chrono::nanoseconds parse_duration(const std::string& text,
                                        const std::string& what = "duration");

/// Formats a duration in the largest unit that keeps it exact: 2000000 ns -> "2ms".
std::string format_duration(std::chrono::nanoseconds d);

/// A distribution of durations, sampled with a generator the caller owns (so one seed reproduces
/// a run). Immutable, so one object may be shared by many threads.
///
///     auto wait = inflight::duration_distribution::parse("lognormal:2ms,p99=20ms");
///     std::mt19937_64 rng(42);
///     inflight::io_wait(wait(rng));
class duration_distribution {
 public:
  enum class kind { constant, uniform, exponential, lognormal };

  /// Always `d`. Throws std::invalid_argument when d is negative.
  static duration_distribution constant(std::chrono::nanoseconds d);
  /// Uniform on [lo, hi]. Throws std::invalid_argument unless 0 <= lo <= hi.
  static duration_distribution uniform(std::chrono::nanoseconds lo, std::chrono::nanoseconds hi);
  /// Exponential with the given mean. Throws std::invalid_argument unless mean > 0.
  static duration_distribution exponential(std::chrono::nanoseconds mean);
  /// Lognormal with the given median and 99th percentile. Throws std::invalid_argument unless
  /// 0 < median <= p99.
  static duration_distribution lognormal(std::chrono::nanoseconds median,
                                         std::chrono::nanoseconds p99);
  /// Parses `2ms`, `uniform:1ms..3ms`, `exp:2ms` or `lognormal:2ms,p99=20ms`. Throws
  /// std::invalid_argument naming `what`, the text and the valid forms.
  static duration_distribution parse(const std::string& text,
                                     const std::string& what = "distribution");

  /// Constant zero.
  duration_distribution() = default;

  /// Draws one duration.
  template <class Rng>
  std::chrono::nanoseconds operator()(Rng& rng) const;

  kind type() const noexcept { return kind_; }
  /// The distribution's analytic mean.
  std::chrono::nanoseconds mean() const noexcept;
  /// True for the constant distribution.
  bool is_constant() const noexcept { return kind_ == kind::constant; }
  /// The canonical text form, which parse() reads back.
  std::string to_string() const;

 private:
  kind kind_ = kind::constant;
  std::int64_t a_ = 0;  // constant value, uniform low, exponential mean, lognormal median (ns)
  std::int64_t b_ = 0;  // uniform high, lognormal p99 (ns)
};

namespace detail {
// z such that the standard normal CDF is 0.99.
inline constexpr double z99 = 2.3263478740408408;

[[noreturn]] inline void bad_value(const std::string& what, const std::string& text,
                                   const std::string& valid) {
  throw std::invalid_argument(what + ": '" + text + "' is invalid; valid: " + valid);
}
}  // namespace detail

inline std::chrono::nanoseconds parse_duration(const std::string& text, const std::string& what) {
  const std::string valid = "a number >= 0 with a unit ns, us, ms or s (e.g. 200us, 1.5ms)";
  if (text == "0") return std::chrono::nanoseconds(0);
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    detail::bad_value(what, text, valid);
  }
  const std::string unit = text.substr(used);
  double scale = 0;
  if (unit == "ns")
    scale = 1;
  else if (unit == "us")
    scale = 1e3;
  else if (unit == "ms")
    scale = 1e6;
  else if (unit == "s")
    scale = 1e9;
  if (scale == 0 || !std::isfinite(value) || value < 0 || text[0] == '+' || std::isspace(text[0]) ||
      value * scale > 1e18) {
    detail::bad_value(what, text, valid);
  }
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(value * scale)));
}

inline std::string format_duration(std::chrono::nanoseconds d) {
  const std::int64_t ns = d.count();
  if (ns != 0 && ns % 1'000'000'000 == 0) return std::to_string(ns / 1'000'000'000) + "s";
  if (ns != 0 && ns % 1'000'000 == 0) return std::to_string(ns / 1'000'000) + "ms";
  if (ns != 0 && ns % 1'000 == 0) return std::to_string(ns / 1'000) + "us";
  return ns == 0 ? "0" : std::to_string(ns) + "ns";
}

inline duration_distribution duration_distribution::constant(std::chrono::nanoseconds d) {
  if (d.count() < 0) detail::bad_value("constant duration", format_duration(d), "0 or more");
  duration_distribution r;
  r.a_ = d.count();
  return r;
}

inline duration_distribution duration_distribution::uniform(std::chrono::nanoseconds lo,
                                                            std::chrono::nanoseconds hi) {
  if (lo.count() < 0 || hi < lo) {
    detail::bad_value("uniform duration", format_duration(lo) + ".." + format_duration(hi),
                      "0 <= low <= high");
  }
  duration_distribution r;
  r.kind_ = kind::uniform;
  r.a_ = lo.count();
  r.b_ = hi.count();
  return r;
}

inline duration_distribution duration_distribution::exponential(std::chrono::nanoseconds mean) {
  if (mean.count() <= 0) detail::bad_value("exponential mean", format_duration(mean), "above 0");
  duration_distribution r;
  r.kind_ = kind::exponential;
  r.a_ = mean.count();
  return r;
}

inline duration_distribution duration_distribution::lognormal(std::chrono::nanoseconds median,
                                                              std::chrono::nanoseconds p99) {
  if (median.count() <= 0 || p99 < median) {
    detail::bad_value("lognormal duration",
                      format_duration(median) + ",p99=" + format_duration(p99),
                      "0 < median <= p99");
  }
  duration_distribution r;
  r.kind_ = kind::lognormal;
  r.a_ = median.count();
  r.b_ = p99.count();
  return r;
}

inline duration_distribution duration_distribution::parse(const std::string& text,
                                                          const std::string& what) {
  const std::string valid = "2ms, uniform:1ms..3ms, exp:2ms or lognormal:2ms,p99=20ms";
  const auto colon = text.find(':');
  const std::string head = text.substr(0, colon);
  const std::string rest = colon == std::string::npos ? "" : text.substr(colon + 1);
  try {
    if (colon == std::string::npos) return constant(parse_duration(text, what));
    if (head == "uniform") {
      const auto dots = rest.find("..");
      if (dots == std::string::npos) detail::bad_value(what, text, valid);
      return uniform(parse_duration(rest.substr(0, dots), what),
                     parse_duration(rest.substr(dots + 2), what));
    }
    if (head == "exp") return exponential(parse_duration(rest, what));
    if (head == "lognormal") {
      const auto comma = rest.find(",p99=");
      if (comma == std::string::npos) detail::bad_value(what, text, valid);
      return lognormal(parse_duration(rest.substr(0, comma), what),
                       parse_duration(rest.substr(comma + 5), what));
    }
  } catch (const std::invalid_argument&) {
    detail::bad_value(what, text, valid);
  }
  detail::bad_value(what, text, valid);
}

template <class Rng>
std::chrono::nanoseconds duration_distribution::operator()(Rng& rng) const {
  switch (kind_) {
    case kind::constant:
      return std::chrono::nanoseconds(a_);
    case kind::uniform:
      return std::chrono::nanoseconds(std::uniform_int_distribution<std::int64_t>(a_, b_)(rng));
    case kind::exponential:
      return std::chrono::nanoseconds(
          std::llround(std::exponential_distribution<double>(1.0 / static_cast<double>(a_))(rng)));
    case kind::lognormal: {
      const double sigma =
          std::log(static_cast<double>(b_) / static_cast<double>(a_)) / detail::z99;
      return std::chrono::nanoseconds(std::llround(
          std::lognormal_distribution<double>(std::log(static_cast<double>(a_)), sigma)(rng)));
    }
  }
  return std::chrono::nanoseconds(a_);
}

inline std::chrono::nanoseconds duration_distribution::mean() const noexcept {
  switch (kind_) {
    case kind::uniform:
      return std::chrono::nanoseconds((a_ + b_) / 2);
    case kind::lognormal: {
      const double sigma =
          std::log(static_cast<double>(b_) / static_cast<double>(a_)) / detail::z99;
      return std::chrono::nanoseconds(
          std::llround(static_cast<double>(a_) * std::exp(sigma * sigma / 2)));
    }
    default:
      return std::chrono::nanoseconds(a_);
  }
}

inline std::string duration_distribution::to_string() const {
  switch (kind_) {
    case kind::uniform:
      return "uniform:" + format_duration(std::chrono::nanoseconds(a_)) + ".." +
             format_duration(std::chrono::nanoseconds(b_));
    case kind::exponential:
      return "exp:" + format_duration(std::chrono::nanoseconds(a_));
    case kind::lognormal:
      return "lognormal:" + format_duration(std::chrono::nanoseconds(a_)) +
             ",p99=" + format_duration(std::chrono::nanoseconds(b_));
    default:
      return format_duration(std::chrono::nanoseconds(a_));
  }
}

}  // namespace inflight
