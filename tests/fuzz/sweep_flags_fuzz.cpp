// Fuzzes the programs' command lines: the input, split at newlines, is an argument list for
// inflight_sweep (Google Benchmark's flags first, then inflight's) and for inflight_compare. Bad
// input must be a usage error whose line quotes no control character; anything else that
// escapes, or a crash, is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "compare/options.hpp"
#include "support/flags.hpp"
#include "sweep/benchmark_flags.hpp"
#include "sweep/parse.hpp"
#include "sweep/plan.hpp"

namespace {

void one_line_or_die(const std::string& message) {
  const std::string line = inflight::bench::one_line(message);
  for (char ch : line) {
    if (static_cast<unsigned char>(ch) < 0x20) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace inflight::bench;
  std::vector<std::string> args;
  std::string current;
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == '\n') {
      args.push_back(current);
      current.clear();
    } else {
      current += static_cast<char>(data[i]);
    }
  }
  args.push_back(current);
  const inflight::vcpu_info machine{2, "affinity", {0, 1}};
  try {
    const benchmark_flags f = split_benchmark_flags(args);
    const sweep_options o = parse_sweep_options(f.ours, machine);
    sweep_description d;
    d.io_wait = o.io_wait;
    d.cpu_work = o.cpu_work;
    d.mode = o.mode;
    d.rate = o.rate;
    d.arrivals = o.arrivals;
    d.nominal = o.nominal;
    for (model m : o.models) {
      for (std::size_t p : o.per_vcpu) {
        (void)point_name(d, {sweep_subject::kind::model, m, model_name(m)}, p);
      }
    }
    if (o.io_wait.cap() > o.duration || o.cpu_work.cap() > o.duration) std::abort();
  } catch (const usage_error& e) {
    one_line_or_die(e.what());
  }
  try {
    (void)compare::parse_compare_options(args);
  } catch (const compare::compare_error& e) {
    one_line_or_die(e.what());
  }
  return 0;
}
