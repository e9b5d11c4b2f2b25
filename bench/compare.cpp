// inflight_compare: turns inflight_sweep JSON files from several machines (or vCPU counts) into a
// comparison, a scaling fit and a recommended PerExecutionEnvironmentMaxConcurrency.
#include "support/compare.hpp"

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "support/compare_report.hpp"

namespace {

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) throw inflight::bench::compare::compare_error(path + ": cannot write");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace inflight::bench::compare;
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
    }
    const comparison c = build_comparison(std::move(files), options);
    std::fputs(render_report(c, options).c_str(), stdout);
    if (!options.csv.empty()) {
      std::ofstream csv(options.csv);
      if (!csv) throw compare_error("--csv=" + options.csv + ": cannot open for writing");
      write_csv(csv, c);
    }
    if (!options.svg_prefix.empty()) {
      write_file(options.svg_prefix + "-throughput.svg", throughput_svg(c));
      write_file(options.svg_prefix + "-p99.svg", p99_svg(c));
    }
  } catch (const compare_error& e) {
    std::fprintf(stderr, "inflight_compare: %s\n", e.what());
    return 2;
  }
  return 0;
}
