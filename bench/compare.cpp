// inflight_compare: turns inflight_sweep JSON files from several machines (or vCPU counts) into a
// comparison, a scaling fit and a recommended PerExecutionEnvironmentMaxConcurrency.

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "compare/analysis.hpp"
#include "compare/cost.hpp"
#include "compare/load.hpp"
#include "compare/options.hpp"
#include "compare/render_cost.hpp"
#include "compare/render_csv.hpp"
#include "compare/render_svg.hpp"
#include "compare/render_text.hpp"
#include "support/build_info.hpp"
#include "support/flags.hpp"

namespace {

void write_file(const std::string& flag, const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.flush();
  if (!out) {
    throw inflight::bench::compare::compare_error(flag + "=" + path +
                                                  ": cannot write: " + std::strerror(errno));
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace inflight::bench::compare;
  if (const auto stop = inflight::bench::program_start(argc, argv, "inflight_compare"))
    return *stop;
  int status = 0;
  try {
    const auto options = parse_compare_options(std::vector<std::string>(argv + 1, argv + argc));
    if (options.help) {
      std::fputs(compare_help().c_str(), stdout);
      return 0;
    }
    std::vector<sweep_file> files;
    for (std::size_t i = 0; i < options.files.size(); ++i) {
      files.push_back(
          load_sweep(options.files[i], options.labels.empty() ? "" : options.labels[i]));
      if (options.match_per_vcpu) key_by_per_vcpu(files.back());
    }
    const comparison c = build_comparison(std::move(files), options);
    std::fputs(render_report(c, options).c_str(), stdout);
    std::optional<cost_report> cost;
    if (!options.price_per_hour.empty()) {
      cost = price(c, options);
      std::fputs(render_cost(c, *cost, options.format == "md").c_str(), stdout);
    }
    // A handler project can gate its CI on this: 1 when some curve has no cap that meets the
    // budget (and the CPU target), each reason printed above.
    for (const auto& a : c.curves) {
      if (!a.rec.per_vcpu) status = 1;
    }
    if (!options.csv.empty()) {
      std::ostringstream csv;
      write_csv(csv, c, cost ? &*cost : nullptr);
      write_file("--csv", options.csv, csv.str());
    }
    if (!options.svg_prefix.empty()) {
      write_file("--svg", options.svg_prefix + "-throughput.svg", throughput_svg(c));
      write_file("--svg", options.svg_prefix + "-p99.svg", p99_svg(c));
      if (cost) write_file("--svg", options.svg_prefix + "-cost.svg", cost_svg(c, *cost));
    }
  } catch (const compare_error& e) {
    std::fprintf(stderr, "inflight_compare: %s\n", inflight::bench::one_line(e.what()).c_str());
    return 2;
  } catch (const std::exception& e) {
    // Every input is checked where it is read; this line is the net under that, never a crash.
    std::fprintf(stderr, "inflight_compare: %s\n", inflight::bench::one_line(e.what()).c_str());
    return 2;
  }
  return status;
}
