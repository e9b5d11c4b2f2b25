#pragma once
// Seeded duration distributions for realistic IO waits and CPU work, and their text forms.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>

namespace inflight {

/// Parses a duration: a plain decimal number (digits, an optional fraction and exponent; no sign,
/// space or hex) with a unit, `ns`, `us`, `ms` or `s` (`1.5ms`, `200us`, `2s`), from 0 up to
/// 1e9 s; a bare `0` is allowed. Throws std::invalid_argument naming `what`, the text and that
/// range.
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

  /// Draws one duration, at most the truncation bound (see truncated()).
  template <class Rng>
  std::chrono::nanoseconds operator()(Rng& rng) const;

  /// A copy whose samples are cut at `max` (a sample above it is `max`), so that an exponential or
  /// lognormal tail cannot produce a wait longer than, say, a sweep point. mean() accounts for the
  /// cut; to_string() does not show it. Throws std::invalid_argument when max is negative.
  duration_distribution truncated(std::chrono::nanoseconds max) const;

  kind type() const noexcept { return kind_; }
  /// The analytic mean of the (possibly truncated) samples.
  std::chrono::nanoseconds mean() const noexcept;
  /// The median before truncation: the constant, (low + high) / 2, mean x ln 2, or the lognormal's
  /// median.
  std::chrono::nanoseconds median() const noexcept;
  /// The truncation bound; nanoseconds::max() when there is none.
  std::chrono::nanoseconds cap() const noexcept { return std::chrono::nanoseconds(cap_); }
  /// True for the constant distribution.
  bool is_constant() const noexcept { return kind_ == kind::constant; }
  /// The canonical text form, which parse() reads back.
  std::string to_string() const;

 private:
  kind kind_ = kind::constant;
  std::int64_t a_ = 0;  // constant value, uniform low, exponential mean, lognormal median (ns)
  std::int64_t b_ = 0;  // uniform high, lognormal p99 (ns)
  std::int64_t cap_ = std::numeric_limits<std::int64_t>::max();  // truncation bound (ns)

  double sigma() const noexcept;  // lognormal's shape
  std::chrono::nanoseconds capped(double ns) const noexcept;
};

namespace detail {
// z such that the standard normal CDF is 0.99.
inline constexpr double z99 = 2.3263478740408408;

// The length of the plain decimal number at the start of `text` (digits, optional fraction,
// optional exponent), 0 when there is none. No sign, space, hex, inf or nan: the forms a flag
// accepts are the same everywhere.
inline std::size_t plain_number_length(const std::string& text) noexcept {
  auto digits = [&](std::size_t i) {
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    return i;
  };
  std::size_t i = digits(0);
  const bool whole = i > 0;
  if (i < text.size() && text[i] == '.') {
    const std::size_t f = digits(i + 1);
    if (!whole && f == i + 1) return 0;
    i = f;
  } else if (!whole) {
    return 0;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    std::size_t e = i + 1;
    if (e < text.size() && (text[e] == '+' || text[e] == '-')) ++e;
    const std::size_t end = digits(e);
    if (end > e) i = end;
  }
  return i;
}

// The whole of `text` as a plain decimal number; nullopt for anything else.
inline std::optional<double> parse_plain_number(const std::string& text) {
  const std::size_t n = plain_number_length(text);
  if (n == 0 || n != text.size()) return std::nullopt;
  const double value = std::strtod(text.c_str(), nullptr);
  if (!std::isfinite(value)) return std::nullopt;
  return value;
}

[[noreturn]] inline void bad_value(const std::string& what, const std::string& text,
                                   const std::string& valid) {
  throw std::invalid_argument(what + ": '" + text + "' is invalid; valid: " + valid);
}
}  // namespace detail

inline std::chrono::nanoseconds parse_duration(const std::string& text, const std::string& what) {
  const std::string valid =
      "a number with a unit ns, us, ms or s, from 0 to 1000000000s (e.g. 200us, 1.5ms)";
  if (text == "0") return std::chrono::nanoseconds(0);
  const std::size_t used = detail::plain_number_length(text);
  if (used == 0) detail::bad_value(what, text, valid);
  const double value = std::strtod(text.substr(0, used).c_str(), nullptr);
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
  if (scale == 0 || !std::isfinite(value) || value < 0 || value * scale > 1e18) {
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

inline std::chrono::nanoseconds duration_distribution::capped(double ns) const noexcept {
  // Also keeps llround defined: a lognormal draw can exceed what int64 holds.
  if (!(ns < static_cast<double>(cap_))) return std::chrono::nanoseconds(cap_);
  return std::chrono::nanoseconds(std::llround(ns < 0 ? 0 : ns));
}

inline double duration_distribution::sigma() const noexcept {
  return std::log(static_cast<double>(b_) / static_cast<double>(a_)) / detail::z99;
}

template <class Rng>
std::chrono::nanoseconds duration_distribution::operator()(Rng& rng) const {
  switch (kind_) {
    case kind::constant:
      return std::chrono::nanoseconds(std::min(a_, cap_));
    case kind::uniform:
      return std::chrono::nanoseconds(
          std::min(std::uniform_int_distribution<std::int64_t>(a_, b_)(rng), cap_));
    case kind::exponential:
      return capped(std::exponential_distribution<double>(1.0 / static_cast<double>(a_))(rng));
    case kind::lognormal:
      return capped(
          std::lognormal_distribution<double>(std::log(static_cast<double>(a_)), sigma())(rng));
  }
  return std::chrono::nanoseconds(std::min(a_, cap_));
}

inline duration_distribution duration_distribution::truncated(std::chrono::nanoseconds max) const {
  if (max.count() < 0) detail::bad_value("truncation bound", format_duration(max), "0 or more");
  duration_distribution r = *this;
  r.cap_ = max.count();
  return r;
}

inline std::chrono::nanoseconds duration_distribution::mean() const noexcept {
  const double a = static_cast<double>(a_), b = static_cast<double>(b_);
  const double c = static_cast<double>(cap_);
  double m = a;
  switch (kind_) {
    case kind::constant:
      m = std::min(a, c);
      break;
    case kind::uniform:
      // E[min(X, c)] for X uniform on [a, b].
      m = c >= b ? (a + b) / 2 : c <= a ? c : ((c * c - a * a) / 2 + c * (b - c)) / (b - a);
      break;
    case kind::exponential:
      m = a * -std::expm1(-c / a);
      break;
    case kind::lognormal: {
      // E[min(X, c)] = e^(mu + s^2/2) Phi((ln c - mu - s^2) / s) + c (1 - Phi((ln c - mu) / s)).
      const double mu = std::log(a), s = sigma();
      auto phi = [](double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); };
      if (s == 0) {
        m = std::min(a, c);
      } else {
        const double lc = std::log(c);
        m = std::exp(mu + s * s / 2) * phi((lc - mu - s * s) / s) + c * (1 - phi((lc - mu) / s));
      }
      break;
    }
  }
  if (!(m < 9.2e18)) return std::chrono::nanoseconds::max();
  return std::chrono::nanoseconds(std::llround(m));
}

inline std::chrono::nanoseconds duration_distribution::median() const noexcept {
  switch (kind_) {
    case kind::uniform:
      return std::chrono::nanoseconds(a_ + (b_ - a_) / 2);
    case kind::exponential:
      return std::chrono::nanoseconds(std::llround(static_cast<double>(a_) * std::log(2.0)));
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
