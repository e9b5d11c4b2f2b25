#pragma once
// The isolation check's own costs (bench/isolation/): what the Runtime API server's thread adds
// per invocation that ends (ledger::ended, on the hot path, beside the server's tens of µs per
// invocation), and what reading the log costs per line after the point (scan_log, outside the
// window). A Powertools-shaped JSON line and a small JSON response, as the real runs write them.

#include <benchmark/benchmark.h>

#include <string>

#include "isolation/ledger.hpp"
#include "isolation/log_scan.hpp"

namespace inflight::bench::overhead {

// One invocation's end: its response's digests with the ids masked, and its entry.
inline void BM_Isolation_ledger_ended(benchmark::State& state) {
  isolation::ledger book("0123abcd-ef01-4234-8");
  runtime_api::finished f;
  f.how = runtime_api::outcome::response;
  f.response = R"({"statusCode":200,"body":"{\"ok\":true,\"items\":3}"})";
  std::uint64_t n = 0;
  for (auto _ : state) {
    f.number = ++n;
    book.ended(f);
  }
  benchmark::DoNotOptimize(book.size());
  state.SetItemsProcessed(state.iterations());
}

// The log of `lines` Powertools lines, one per invocation, read after the point.
inline void BM_Isolation_scan_log(benchmark::State& state) {
  const auto lines = static_cast<std::uint64_t>(state.range(0));
  isolation::ledger book("0123abcd-ef01-4234-8");
  runtime_api::finished f;
  f.how = runtime_api::outcome::response;
  f.response = R"({"ok":true})";
  std::string log;
  for (std::uint64_t n = 1; n <= lines; ++n) {
    f.number = n;
    book.ended(f);
    log += R"({"level":"INFO","message":"handled","timestamp":"2026-12-01T14:16:32.746Z",)"
           R"("service":"isolation","cold_start":false,"function_arn":"arn:aws:lambda:us-east-1:)"
           R"(000000000000:function:ric","function_memory_size":"2048","function_name":"ric",)"
           R"("function_request_id":")" +
           book.ids().id_of(n) + R"(","sampling_rate":0,"xray_trace_id":"1-0123abcd-)" +
           book.ids().id_of(n).substr(24) + "000000000000\"}\n";
  }
  for (auto _ : state) {
    const auto facts = isolation::scan_log(log, book, false);
    benchmark::DoNotOptimize(facts.lines);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(lines));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(log.size()));
}

}  // namespace inflight::bench::overhead
