#pragma once
// What two texts a runtime wrote (log lines, responses) are compared by: an exact digest and a
// shape digest, each with the issued ids masked, so the same line written under two different
// request ids compares equal. The shape keeps JSON's structure and keys and drops its values:
// strings become s, numbers 0, true and false b, and in text that is not JSON every word holding a
// digit becomes 0 (timestamps, counters), while plain words stay. Also the top-level "timestamp" of
// a JSON line, which Lambda's JSON log format and the Lambda libraries write.

#include <cctype>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "isolation/ids.hpp"

namespace inflight::bench::isolation {

/// Both digests of a text, and the ids found in it.
struct text_digest {
  std::uint64_t exact = 0, shape = 0;
};

namespace detail {
struct fnv {
  std::uint64_t h = 1469598103934665603ull;
  void add(char c) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  void add(std::string_view s) {
    for (char c : s) add(c);
  }
};

inline bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// The shape of `s` (ids already masked) into `out`.
inline void add_shape(std::string_view s, fnv& out) {
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '"') {  // a JSON string: a key keeps its text, a value is s
      std::size_t j = i + 1;
      while (j < s.size() && s[j] != '"') j += s[j] == '\\' ? 2 : 1;
      const std::string_view body = s.substr(i + 1, std::min(j, s.size()) - i - 1);
      std::size_t k = j + 1;
      while (k < s.size() && (s[k] == ' ' || s[k] == '\t')) ++k;
      if (k < s.size() && s[k] == ':') {
        out.add('k');
        out.add(body);
        out.add('"');
      } else {
        out.add('s');
      }
      i = j + 1;
    } else if (word_char(c) || (c == '-' && i + 1 < s.size() &&
                                std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
      std::size_t j = i + 1;
      bool digit = std::isdigit(static_cast<unsigned char>(c)) != 0;
      while (j < s.size() && (word_char(s[j]) || s[j] == '.')) {
        digit = digit || std::isdigit(static_cast<unsigned char>(s[j]));
        ++j;
      }
      const std::string_view word = s.substr(i, j - i);
      if (digit) {
        out.add('0');
      } else if (word == "true" || word == "false") {
        out.add('b');
      } else {
        out.add(word);
      }
      out.add(' ');
      i = j;
    } else {
      if (!std::isspace(static_cast<unsigned char>(c))) out.add(c);
      ++i;
    }
  }
}

// Days from 1970-01-01 to y-m-d (proleptic Gregorian).
inline std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}
}  // namespace detail

/// No timestamp.
inline constexpr std::int64_t no_time = std::numeric_limits<std::int64_t>::min();

/// Both digests of `text` with every id `ids` finds masked as "@id". Calls `seen(id_match)` for
/// each id.
template <class F>
text_digest digest(std::string_view text, const id_finder& ids, F&& seen) {
  std::string masked;
  masked.reserve(text.size());
  std::size_t at = 0;
  ids.each(text, [&](const id_match& m) {
    masked.append(text.substr(at, m.begin - at));
    masked.append("@id");
    at = m.end;
    seen(m);
  });
  masked.append(text.substr(at));
  detail::fnv exact, shape;
  exact.add(masked);
  detail::add_shape(masked, shape);
  return {exact.h, shape.h};
}

/// The top-level "timestamp" of a JSON line in ISO 8601 UTC (2026-12-01T14:16:32.746Z, the
/// fraction optional), in milliseconds since the epoch; no_time when there is none.
inline std::int64_t line_time_ms(std::string_view line) {
  if (line.empty() || line.front() != '{') return no_time;
  constexpr std::string_view key = "\"timestamp\":\"";
  const std::size_t at = line.find(key);
  if (at == std::string_view::npos) return no_time;
  const std::string_view t = line.substr(at + key.size());
  auto num = [&](std::size_t from, std::size_t n) -> std::int64_t {
    if (from + n > t.size()) return -1;
    std::int64_t v = 0;
    for (std::size_t i = from; i < from + n; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(t[i]))) return -1;
      v = v * 10 + (t[i] - '0');
    }
    return v;
  };
  const std::int64_t y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2),
                     s = num(17, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || mi < 0 || s < 0) return no_time;
  if (t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':') return no_time;
  std::int64_t ms = 0;
  std::size_t i = 19;
  if (i < t.size() && t[i] == '.') {
    std::int64_t scale = 100;
    for (++i; i < t.size() && std::isdigit(static_cast<unsigned char>(t[i])); ++i) {
      ms += (t[i] - '0') * scale;
      scale /= 10;
    }
  }
  if (i >= t.size() || t[i] != 'Z') return no_time;  // only UTC, as Lambda writes it
  const std::int64_t days =
      detail::days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return ((days * 24 + h) * 60 + mi) * 60000 + s * 1000 + ms;
}

}  // namespace inflight::bench::isolation
