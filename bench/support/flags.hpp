#pragma once
// Number parsing and error-line hygiene shared by the programs' flags.

#include <optional>
#include <string>
#include <vector>

#include "inflight/distribution.hpp"
#include "support/printable.hpp"

namespace inflight::bench {

/// The whole of `text` as a plain decimal number (digits, optional fraction and exponent; no sign,
/// space or hex) above 0 and at most `max`; nullopt otherwise.
inline std::optional<double> parse_positive_number(const std::string& text, double max) {
  const auto value = inflight::detail::parse_plain_number(text);
  if (!value || !(*value > 0) || *value > max) return std::nullopt;
  return value;
}

/// The comma-separated items of `text`, empty ones kept ("a,,b" is three, "" is one empty item).
inline std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::size_t start = 0;
  for (;;) {
    const auto comma = text.find(',', start);
    items.push_back(text.substr(start, comma - start));
    if (comma == std::string::npos) return items;
    start = comma + 1;
  }
}

/// `text` on one line, safe to print: see printable().
inline std::string one_line(const std::string& text) { return printable(text); }

}  // namespace inflight::bench
