#pragma once
// The ids inflight issued, found in what a runtime wrote. Every request id of one point's server
// starts with the same 20 characters (runtime_api::invocation_book::id_prefix) and ends with the
// invocation's number; its X-Ray root (Root=1-XXXXXXXX-YYYYYYYYYYYYYYYYYYYYYYYY) holds the id's
// first 8 hex digits and the number's low 48 bits. Tenant ids are tenant-N. Nothing else is read:
// a function's own fields, whatever they hold, are not ids.

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "runtime_api/invocations.hpp"

namespace inflight::bench::isolation {

/// Where one issued id was found: the invocation's number, and the characters it spans.
struct id_match {
  std::uint64_t number = 0;
  std::size_t begin = 0, end = 0;
};

/// Finds the ids of one server (its id prefix) in text.
class id_finder {
 public:
  /// `prefix`: the server's id_prefix(), 20 characters. Throws std::invalid_argument otherwise.
  explicit id_finder(std::string prefix);

  /// Calls `f(id_match)` for each request id or trace root in `text`, in order.
  template <class F>
  void each(std::string_view text, F&& f) const;

  /// The N of the first "tenant-N" in `text` (a whole token); 0 when there is none.
  static std::size_t tenant_in(std::string_view text);

  /// The request id of invocation `number`.
  std::string id_of(std::uint64_t number) const {
    return runtime_api::invocation_book::id_of(prefix_, number);
  }
  /// The number in the request id `id`, if it is one of this server's.
  std::optional<std::uint64_t> number_of(std::string_view id) const;

 private:
  static bool hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }
  static std::optional<std::uint64_t> parse_hex(std::string_view s);

  std::string prefix_;  // the request ids' 20 characters
  std::string trace_;   // "1-" + their first 8 + "-"
};

inline id_finder::id_finder(std::string prefix) : prefix_(std::move(prefix)) {
  if (prefix_.size() != 20) throw std::invalid_argument("id_finder: a prefix of 20 characters");
  trace_ = "1-" + prefix_.substr(0, 8) + "-";
}

inline std::optional<std::uint64_t> id_finder::parse_hex(std::string_view s) {
  std::uint64_t v = 0;
  for (char c : s) {
    if (!hex(c)) return std::nullopt;
    v = v * 16 + static_cast<std::uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  return v;
}

inline std::optional<std::uint64_t> id_finder::number_of(std::string_view id) const {
  if (id.size() != 36 || id.compare(0, 20, prefix_) != 0 || id[23] != '-') return std::nullopt;
  const auto hi = parse_hex(id.substr(20, 3));
  const auto lo = parse_hex(id.substr(24, 12));
  if (!hi || !lo) return std::nullopt;
  return (*hi << 48) | *lo;
}

template <class F>
void id_finder::each(std::string_view text, F&& f) const {
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t r = text.find(prefix_, at);
    const std::size_t t = text.find(trace_, at);
    if (r == std::string_view::npos && t == std::string_view::npos) return;
    if (r <= t) {  // npos is the largest: the earlier of the two
      if (auto n = number_of(text.substr(r, 36))) {
        f(id_match{*n, r, r + 36});
        at = r + 36;
      } else {
        at = r + 1;
      }
      continue;
    }
    const std::size_t digits = t + trace_.size();
    if (digits + 24 <= text.size()) {
      const auto lo = parse_hex(text.substr(digits, 12));
      if (lo && parse_hex(text.substr(digits + 12, 12))) {
        f(id_match{*lo, t, digits + 24});
        at = digits + 24;
        continue;
      }
    }
    at = t + 1;
  }
}

inline std::size_t id_finder::tenant_in(std::string_view text) {
  constexpr std::string_view word = "tenant-";
  for (std::size_t at = text.find(word); at != std::string_view::npos;
       at = text.find(word, at + 1)) {
    const bool starts =
        at == 0 || !(std::isalnum(static_cast<unsigned char>(text[at - 1])) || text[at - 1] == '-');
    std::size_t i = at + word.size(), n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && n < 100000000) {
      n = n * 10 + static_cast<std::size_t>(text[i] - '0');
      ++i;
    }
    const bool ends = i == text.size() || !std::isalnum(static_cast<unsigned char>(text[i]));
    if (starts && ends && i > at + word.size() && n != 0) return n;
  }
  return 0;
}

}  // namespace inflight::bench::isolation
