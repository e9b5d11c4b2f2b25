#pragma once
// Number parsing shared by the programs' flags.

#include <cmath>
#include <optional>
#include <string>

namespace inflight::bench {

/// The whole of `text` as a finite number above 0 and at most `max`; nullopt otherwise.
inline std::optional<double> parse_positive_number(const std::string& text, double max) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (used != text.size() || !std::isfinite(value) || !(value > 0) || value > max)
    return std::nullopt;
  return value;
}

}  // namespace inflight::bench
