// Fuzzes the Runtime API server's request parser: any bytes, arriving whole or in two pieces,
// parse to the same requests or the same refusal, never consume past the input, and stay within
// the limits (ASan, UBSan).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "runtime_api/http_request.hpp"

namespace {

using inflight::bench::runtime_api::http_limits;
using inflight::bench::runtime_api::request_parser;

struct outcome {
  std::vector<std::string> requests;  // method, target and body of each complete request
  int refused = 0;                    // the status of a refusal, 0 for none
};

// Parses `text` as it arrives in pieces cut at `cuts`, pipelined requests included.
outcome parse_all(std::string_view text, const std::vector<std::size_t>& cuts,
                  const http_limits& limits) {
  outcome out;
  request_parser p(limits);
  std::string buf;
  std::size_t fed = 0;
  std::vector<std::size_t> ends = cuts;
  ends.push_back(text.size());
  for (std::size_t end : ends) {
    if (end < fed || end > text.size()) continue;
    buf.append(text.substr(fed, end - fed));
    fed = end;
    for (;;) {
      const auto r = p.parse(buf);
      if (r == request_parser::result::incomplete) break;
      if (r == request_parser::result::bad) {
        if (p.status() < 400 || p.status() > 505 || p.reason().empty()) std::abort();
        out.refused = p.status();
        return out;
      }
      if (p.consumed() == 0 || p.consumed() > buf.size()) std::abort();
      const auto& req = p.request();
      if (req.body.size() > limits.max_body || req.headers.size() > limits.max_headers) {
        std::abort();
      }
      out.requests.push_back(req.method + " " + req.target + " " + req.body);
      buf.erase(0, p.consumed());
      p.reset();
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t cut = data[0] % (size);
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  http_limits limits;
  limits.max_head = 512;
  limits.max_headers = 8;
  limits.max_body = 256;
  const auto whole = parse_all(text, {}, limits);
  const auto pieces = parse_all(text, {cut}, limits);
  std::vector<std::size_t> bytes;
  for (std::size_t i = 1; i < text.size() && i < 64; ++i) bytes.push_back(i);
  const auto bytewise = parse_all(text, bytes, limits);
  // A head over the limit may be refused before its end arrives in one split and after it in
  // another only with the same status; otherwise the splits agree exactly.
  if (whole.requests != pieces.requests || whole.refused != pieces.refused) std::abort();
  if (whole.requests != bytewise.requests || whole.refused != bytewise.refused) std::abort();
  return 0;
}
