// Fuzzes the lambda runtime's response parser (include/inflight/detail/http_response.hpp): any
// bytes, arriving whole, in two pieces or a byte at a time, and then the connection's end, parse
// to the same response or the same refusal, never consume past the input, and stay within the
// limits (ASan, UBSan).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "inflight/detail/http_response.hpp"

namespace {

namespace http = inflight::detail::http;

// The response (status, body) or "bad" that `text` gives as it arrives in pieces cut at `cuts`.
std::string parse_all(std::string_view text, const std::vector<std::size_t>& cuts,
                      const http::limits& limits) {
  http::response_parser p(limits);
  std::vector<std::size_t> ends = cuts;
  ends.push_back(text.size());
  auto r = http::response_parser::result::incomplete;
  std::size_t fed = 0;
  for (std::size_t end : ends) {
    if (end < fed || end > text.size()) continue;
    fed = end;
    r = p.parse(text.substr(0, fed));
    if (r != http::response_parser::result::incomplete) break;
  }
  if (r == http::response_parser::result::incomplete) r = p.finish_at_eof(text);
  if (r == http::response_parser::result::bad) {
    if (p.reason().empty()) std::abort();
    return "bad";
  }
  const auto& res = p.get();
  if (p.consumed() > text.size() || res.body.size() > limits.max_body ||
      res.headers.size() > limits.max_headers || res.status < 200 || res.status > 999) {
    std::abort();
  }
  return std::to_string(res.status) + " " + std::to_string(p.consumed()) + " " + res.body;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t cut = data[0] % size;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  http::limits limits;
  limits.max_head = 512;
  limits.max_headers = 8;
  limits.max_body = 256;
  const auto whole = parse_all(text, {}, limits);
  std::vector<std::size_t> bytes;
  for (std::size_t i = 1; i < text.size() && i < 64; ++i) bytes.push_back(i);
  if (whole != parse_all(text, {cut}, limits)) std::abort();
  if (whole != parse_all(text, bytes, limits)) std::abort();
  return 0;
}
