#pragma once
// A point's ledger made by hand for the isolation tests: invocations that ended one way or
// another, and log lines that carry their ids as a runtime writes them.
#include <chrono>
#include <cstdint>
#include <string>

#include "isolation/ledger.hpp"
#include "runtime_api/invocations.hpp"

namespace inflight::test {

inline constexpr const char* test_prefix = "0123abcd-ef01-4234-8";

// Invocation `n` of event `payload` ended `how` with `response`, `ms_ago` milliseconds ago.
inline void end(bench::isolation::ledger& book, std::uint64_t n, std::size_t payload,
                const std::string& response = "{\"ok\":true}",
                bench::runtime_api::outcome how = bench::runtime_api::outcome::response,
                std::size_t tenant = 0) {
  bench::runtime_api::finished f;
  f.how = how;
  f.counted = true;
  f.number = n;
  f.payload = payload;
  f.tenant = tenant;
  f.response = response;
  book.ended(f);
}

// A JSON log line as the Node.js client writes one for invocation `n`, at system time `ms`.
inline std::string json_line(const bench::isolation::ledger& book, std::uint64_t n,
                             const std::string& message = "handled",
                             const std::string& when = "2026-12-01T14:16:32.746Z") {
  return "{\"timestamp\":\"" + when + "\",\"level\":\"INFO\",\"requestId\":\"" +
         book.ids().id_of(n) + "\",\"message\":\"" + message + "\"}\n";
}

}  // namespace inflight::test
