// Fuzzes inflight_compare's reader and everything downstream of it: any bytes go through
// parse_sweep, and a file that loads goes through the comparison, the report, the CSV and both
// charts. Only compare_error may leave them; a crash, a hang or another exception is a finding.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "compare/analysis.hpp"
#include "compare/load.hpp"
#include "compare/options.hpp"
#include "compare/render_csv.hpp"
#include "compare/render_svg.hpp"
#include "compare/render_text.hpp"
#include "compare/statistics.hpp"
#include "compare/usl.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace inflight::bench::compare;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    sweep_file f = parse_sweep(text, "fuzz.json");
    compare_options o;
    o.target_rps = 20000;
    const comparison c = build_comparison({f, f}, o);
    (void)render_report(c, o);
    std::ostringstream csv;
    write_csv(csv, c);
    (void)throughput_svg(c);
    (void)p99_svg(c);
  } catch (const compare_error&) {
  }
  return 0;
}
