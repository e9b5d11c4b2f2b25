// inflight_overhead: inflight's primitives side by side with the baselines a user would otherwise
// write, in one binary and one run, so that every claim is a ratio measured on the same machine.
//
// Groups (filter with --benchmark_filter), one file each under overhead/:
//   Overshoot/<variant>/<waiters>, Burst/inflight_io_wait/64   timer precision (timers.hpp)
//   Littles/<variant>/<per_vcpu>   closed-loop throughput against Little's law (littles.hpp)
//   Invocation/<variant>           harness cost per invocation (invocation.hpp)
//   MemoryPerSlot/<variant>        RSS growth per in-flight slot at 1024 (memory.hpp)
//   Limiter, HistogramRecord, CpuWork   the hot-path primitives (primitives.hpp)
//   Isolation/ledger_ended, Isolation/scan_log   the isolation check's costs (isolation.hpp)
// After the run, each target beside the figure measured (targets.hpp).
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <string>
#include <thread>

#include "inflight/inflight.hpp"
#include "overhead/invocation.hpp"
#include "overhead/isolation.hpp"
#include "overhead/littles.hpp"
#include "overhead/memory.hpp"
#include "overhead/primitives.hpp"
#include "overhead/results.hpp"
#include "overhead/targets.hpp"
#include "overhead/timers.hpp"
#include "support/build_info.hpp"

namespace {

using namespace inflight::bench::overhead;

// Registers every group; the figures the summary needs go into `out`, and the limiter
// benchmark's threads share `limiter`.
void register_all(overhead_results* out, inflight::slot_limiter* limiter) {
  for (waiter w : {waiter::floor_1ns, waiter::default_slack, waiter::sleep_for, waiter::boost_fiber,
                   waiter::inflight_io_wait}) {
    benchmark::RegisterBenchmark(fmt::format("Overshoot/{}", waiter_name(w)).c_str(), BM_Overshoot,
                                 w, out)
        ->Arg(1)
        ->Arg(64)
        ->Iterations(1)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::RegisterBenchmark("Burst/inflight_io_wait", BM_Burst)
      ->Arg(64)
      ->Iterations(1)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  for (auto* bm : {benchmark::RegisterBenchmark("Littles/inflight", BM_Littles_inflight, out),
                   benchmark::RegisterBenchmark("Littles/naive_fiber", BM_Littles_naive_fiber)}) {
    bm->RangeMultiplier(2)->Range(1, 64)->Iterations(1)->UseRealTime()->Unit(
        benchmark::kMillisecond);
  }
  for (auto* bm :
       {benchmark::RegisterBenchmark("Invocation/inflight_yield", BM_Invocation_inflight_yield,
                                     out),
        benchmark::RegisterBenchmark("Invocation/bare_yield", BM_Invocation_bare_yield, out),
        benchmark::RegisterBenchmark("Invocation/thread_per_call", BM_Invocation_thread_per_call),
        benchmark::RegisterBenchmark("Invocation/asio_thread_pool_post",
                                     BM_Invocation_asio_post)}) {
    bm->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
  }
  benchmark::RegisterBenchmark("Invocation/inflight_empty", BM_Invocation_inflight_empty, out)
      ->Arg(1)
      ->Arg(8)
      ->Arg(64)
      ->Iterations(1)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("Invocation/fiber_per_call", BM_Invocation_fiber_per_call, out)
      ->Arg(1)
      ->Arg(64)
      ->Iterations(1)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  for (auto* bm :
       {benchmark::RegisterBenchmark("MemoryPerSlot/inflight", BM_MemoryPerSlot_inflight, out),
        benchmark::RegisterBenchmark("MemoryPerSlot/thread", BM_MemoryPerSlot_thread, out)}) {
    bm->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
  }
  auto* shared = benchmark::RegisterBenchmark("Limiter/try_acquire_release",
                                              BM_Limiter_try_acquire_release, limiter);
  shared->Threads(1)->Threads(2);
  if (std::thread::hardware_concurrency() >= 16) shared->Threads(16);
  shared->UseRealTime();
  benchmark::RegisterBenchmark("HistogramRecord", BM_HistogramRecord);
  benchmark::RegisterBenchmark("CpuWork/accuracy", BM_CpuWork_accuracy)
      ->Arg(100'000)
      ->Arg(200'000)
      ->Arg(2'000'000)
      ->Arg(20'000'000)
      ->Iterations(25)
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("Isolation/ledger_ended", BM_Isolation_ledger_ended);
  benchmark::RegisterBenchmark("Isolation/scan_log", BM_Isolation_scan_log)
      ->Arg(10000)
      ->Unit(benchmark::kMillisecond);
}

}  // namespace

int main(int argc, char** argv) {
  if (const auto stop = inflight::bench::program_start(argc, argv, "inflight_overhead")) {
    return *stop;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  const auto vcpus = inflight::detect_vcpus();
  benchmark::AddCustomContext("inflight_version", inflight::version_string);
  benchmark::AddCustomContext("inflight_build_type", INFLIGHT_BUILD_TYPE);
  inflight::bench::add_build_context();
  benchmark::AddCustomContext("vcpus", std::to_string(vcpus.count) + " (" + vcpus.source + ")");
  overhead_results results;
  inflight::slot_limiter limiter(1024);
  register_all(&results, &limiter);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  print_summary(results);
  return 0;
}
