#pragma once
// Number parsing and error-line hygiene shared by the programs' flags.

#include <cstdio>
#include <optional>
#include <string>

#include "inflight/distribution.hpp"

namespace inflight::bench {

/// The whole of `text` as a plain decimal number (digits, optional fraction and exponent; no sign,
/// space or hex) above 0 and at most `max`; nullopt otherwise.
inline std::optional<double> parse_positive_number(const std::string& text, double max) {
  const auto value = inflight::detail::parse_plain_number(text);
  if (!value || !(*value > 0) || *value > max) return std::nullopt;
  return value;
}

/// `text` with control characters escaped (\n, \t, \xHH), so that an error that quotes a value
/// stays one line.
inline std::string one_line(const std::string& text) {
  std::string out;
  for (const char ch : text) {
    const auto u = static_cast<unsigned char>(ch);
    if (ch == '\n') {
      out += "\\n";
    } else if (ch == '\r') {
      out += "\\r";
    } else if (ch == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "\\x%02x", u);
      out += hex;
    } else {
      out += ch;
    }
  }
  return out;
}

}  // namespace inflight::bench
