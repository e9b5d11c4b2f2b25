#pragma once
// What HTTP/1.1 requests and responses share: header lines with limits, the framing they declare
// (Content-Length, chunked, Connection), and an incremental body decoder. Strict: anything not
// understood is an error with the status a server would answer, never a guess. Used by the
// Runtime API server's request parser (bench/runtime_api/http_request.hpp) and by the lambda
// runtime's client (http_client.hpp).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace inflight::detail::http {

using header_list = std::vector<std::pair<std::string, std::string>>;

inline bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);
         });
}

/// The value of header `name` (case-insensitive) in `headers`, or empty.
inline std::string_view find_header(const header_list& headers, std::string_view name) noexcept {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return v;
  }
  return {};
}

inline bool is_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

inline bool is_digits(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// Calls `f` with each element of a comma-separated header value (RFC 9110 5.6.1), trimmed of
/// spaces and tabs; empty elements are skipped.
template <class F>
void for_each_token(std::string_view list, F&& f) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    std::string_view t = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
    if (!t.empty()) f(t);
  }
}

/// Limits of one message; a message over them is refused (a server answers 431 for the head, 413
/// for the body). A chunked body's framing (size lines, extensions, CRLFs and trailer) may add at
/// most max_head + the decoded body's size in wire bytes, so a message never takes more than
/// about max_head + 2 x max_body + max_head bytes on the wire.
struct limits {
  std::size_t max_head = 16 * 1024;                // start line + headers, bytes
  std::size_t max_headers = 64;                    // header lines
  std::size_t max_body = 6 * 1024 * 1024 + 65536;  // Lambda's 6 MB payloads, plus room
};

/// Where the head in `in` ends (the index of its CRLF CRLF), once it has all arrived. Empty while
/// more may come; false in `fits` when the head is, or will be, over `max_head`.
inline std::size_t find_head_end(std::string_view in, std::size_t max_head, bool& fits) noexcept {
  const auto end = in.find("\r\n\r\n");
  fits = end == std::string_view::npos ? in.size() <= max_head : end + 4 <= max_head;
  return end;
}

/// A failure: the status a server answers (400, 413, 431, 501, 505) and why.
struct error {
  int status = 0;
  std::string reason;
};

/// How a message's body is framed, from its headers.
struct framing {
  bool have_length = false;
  std::uint64_t length = 0;
  bool chunked = false;
  bool close = false;       // "Connection: close"
  bool keep_alive = false;  // "Connection: keep-alive"
};

/// Parses header lines, each ended by CRLF, into `out` (names keep their case), and what they say
/// of the framing into `f`. False with `err` set on a malformed line, a control character in a
/// value, more than `max_headers` lines, a bad or conflicting Content-Length, a Transfer-Encoding
/// other than chunked or given twice, or both Content-Length and chunked. Connection is read as a
/// token list ("close, TE" closes).
inline bool parse_header_lines(std::string_view lines, std::size_t max_headers, header_list& out,
                               framing& f, error& err) {
  auto fail = [&err](int status, const char* reason) {
    err = {status, reason};
    return false;
  };
  std::size_t start = 0;
  while (start < lines.size()) {
    const auto eol = lines.find("\r\n", start);
    if (eol == std::string_view::npos) return fail(400, "header line not ended by CRLF");
    const std::string_view h = lines.substr(start, eol - start);
    start = eol + 2;
    if (out.size() == max_headers) return fail(431, "too many headers");
    const auto colon = h.find(':');
    if (colon == std::string_view::npos || !is_token(h.substr(0, colon))) {
      return fail(400, "malformed header line");
    }
    const auto name = h.substr(0, colon);
    auto value = h.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    if (std::any_of(value.begin(), value.end(), [](char c) {
          return (static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f;
        })) {
      return fail(400, "control character in a header value");
    }
    if (iequals(name, "content-length")) {
      if (!is_digits(value) || value.size() > 12) return fail(400, "bad Content-Length");
      std::uint64_t v = 0;
      for (char c : value) v = v * 10 + static_cast<unsigned>(c - '0');
      if (f.have_length && v != f.length) return fail(400, "conflicting Content-Length headers");
      f.have_length = true;
      f.length = v;
    } else if (iequals(name, "transfer-encoding")) {
      // Only "chunked", once: a repeat or another coding could frame the body two ways.
      if (f.chunked) return fail(400, "repeated Transfer-Encoding");
      bool chunked = false, other = false;
      for_each_token(value, [&](std::string_view t) {
        (iequals(t, "chunked") && !chunked ? chunked : other) = true;
      });
      if (other || !chunked) return fail(501, "unsupported Transfer-Encoding");
      f.chunked = true;
    } else if (iequals(name, "connection")) {
      for_each_token(value, [&f](std::string_view t) {
        if (iequals(t, "close")) f.close = true;
        if (iequals(t, "keep-alive")) f.keep_alive = true;
      });
    }
    out.emplace_back(name, value);
  }
  if (f.chunked && f.have_length) return fail(400, "both Content-Length and Transfer-Encoding");
  return true;
}

/// Reads one body, framed by a length or chunked (extensions and trailers are skipped), from the
/// bytes of a connection as they arrive.
class body_decoder {
 public:
  enum class result { incomplete, complete, bad };

  /// A body of `length` bytes; false (413) when it is over `max_body`.
  bool start_length(std::uint64_t length, std::size_t max_body, error& err) {
    if (length > max_body) {
      err = {413, "body too large"};
      return false;
    }
    state_ = length == 0 ? state::done : state::fixed;
    remaining_ = static_cast<std::size_t>(length);
    max_body_ = max_body;
    return true;
  }
  /// A chunked body of at most `max_body` bytes, its trailer of at most `max_trailer` bytes in
  /// all, and its framing of at most `max_trailer` + the body's size.
  void start_chunked(std::size_t max_body, std::size_t max_trailer) {
    state_ = state::chunk_size;
    max_body_ = max_body;
    max_trailer_ = max_trailer;
    trailer_bytes_ = framing_bytes_ = 0;
  }

  /// Decodes from `in` at `pos` (advanced past what it takes), appending to `body`.
  result feed(std::string_view in, std::size_t& pos, std::string& body, error& err) {
    auto fail = [&err](int status, const char* reason) {
      err = {status, reason};
      return result::bad;
    };
    for (;;) {
      switch (state_) {
        case state::done:
          return result::complete;
        case state::fixed:
          if (in.size() - pos < remaining_) return result::incomplete;
          body.append(in.substr(pos, remaining_));
          pos += remaining_;
          state_ = state::done;
          break;
        case state::chunk_size: {
          const auto eol = in.find("\r\n", pos);
          // Bounded whether the line arrives in pieces or in one read.
          if ((eol == std::string_view::npos ? in.size() : eol) - pos > max_chunk_line) {
            return fail(400, "chunk size line too long");
          }
          if (eol == std::string_view::npos) return result::incomplete;
          if (!add_framing(eol + 2 - pos, body.size())) return fail(413, framing_too_large);
          std::string_view line = in.substr(pos, eol - pos);
          if (const auto semi = line.find(';'); semi != std::string_view::npos) {
            line = line.substr(0, semi);  // chunk extensions are ignored
          }
          if (line.empty() || line.size() > 8) return fail(400, "bad chunk size");
          std::uint64_t size = 0;
          for (char c : line) {
            const int d = hex_digit(c);
            if (d < 0) return fail(400, "bad chunk size");
            size = size * 16 + static_cast<unsigned>(d);
          }
          pos = eol + 2;
          if (size == 0) {
            state_ = state::trailer;
            break;
          }
          if (body.size() + size > max_body_) return fail(413, "body too large");
          remaining_ = static_cast<std::size_t>(size);
          state_ = state::chunk_data;
          break;
        }
        case state::chunk_data:
          if (in.size() - pos < remaining_ + 2) return result::incomplete;
          if (in.substr(pos + remaining_, 2) != "\r\n") return fail(400, "chunk not ended by CRLF");
          body.append(in.substr(pos, remaining_));
          pos += remaining_ + 2;
          if (!add_framing(2, body.size())) return fail(413, framing_too_large);
          state_ = state::chunk_size;
          break;
        case state::trailer: {  // trailer lines, ignored, up to an empty line
          const auto eol = in.find("\r\n", pos);
          // The whole trailer is bounded, not each line.
          const std::size_t line = (eol == std::string_view::npos ? in.size() : eol + 2) - pos;
          if (trailer_bytes_ + line > max_trailer_) return fail(431, "trailer too large");
          if (eol == std::string_view::npos) return result::incomplete;
          trailer_bytes_ += line;
          if (!add_framing(line, body.size())) return fail(413, framing_too_large);
          const bool last = eol == pos;
          pos = eol + 2;
          if (last) state_ = state::done;
          break;
        }
      }
    }
  }

 private:
  enum class state { done, fixed, chunk_size, chunk_data, trailer };

  static constexpr std::size_t max_chunk_line = 1024;
  static constexpr const char* framing_too_large = "chunked framing too large for its body";

  // Counts `n` wire bytes of framing; false once they outgrow max_trailer_ + the body so far.
  bool add_framing(std::size_t n, std::size_t body_size) noexcept {
    framing_bytes_ += n;
    return framing_bytes_ <= max_trailer_ + body_size;
  }

  static int hex_digit(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  state state_ = state::done;
  std::size_t remaining_ = 0;
  std::size_t max_body_ = 0;
  std::size_t max_trailer_ = 0;
  std::size_t trailer_bytes_ = 0;  // of the trailer so far
  std::size_t framing_bytes_ = 0;  // size lines, CRLFs and trailer so far
};

}  // namespace inflight::detail::http
