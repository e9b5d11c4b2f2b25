#pragma once
// What the lambda runtime writes besides the handler's bytes: demangled exception types, JSON
// string contents, the error body Lambda's runtimes post, and the check that a request id can go
// into a path as it is.

#include <cxxabi.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <typeinfo>

namespace inflight::detail {

// The demangled name of a type ("std::out_of_range").
inline std::string type_name(const std::type_info& t) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(
      abi::__cxa_demangle(t.name(), nullptr, nullptr, &status), std::free);
  return status == 0 && name ? std::string(name.get()) : std::string(t.name());
}

// `s` as the inside of a JSON string.
inline std::string json_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static const char hex[] = "0123456789abcdef";
          out += "\\u00";
          out += hex[(c >> 4) & 0xf];
          out += hex[c & 0xf];
        } else {
          out += c;
        }
    }
  }
  return out;
}

// The body of /error and /init/error, as Lambda's runtimes send it.
inline std::string error_body(std::string_view type, std::string_view message) {
  return "{\"errorMessage\":\"" + json_escape(message) + "\",\"errorType\":\"" + json_escape(type) +
         "\",\"stackTrace\":[]}";
}

// Whether `id` can go into a request path (and a header) as it is.
inline bool valid_request_id(std::string_view id) {
  return !id.empty() && id.size() <= 256 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

}  // namespace inflight::detail
