#pragma once
// Hand-made inflight_sweep JSON files in a scratch directory, and a runner for the
// inflight_compare binary, for the compare tests.

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/scratch_dir.hpp"

namespace inflight::test {

namespace fs = std::filesystem;

class CompareFiles : public ::testing::Test {
 protected:
  // A sweep file with the given per-vCPU points of the fiber model and a hand-made curve.
  std::string sweep(const std::string& name, std::size_t vcpus,
                    const std::vector<std::size_t>& points, const std::string& model = "fiber") {
    nlohmann::json doc;
    doc["context"] = {{"inflight_version", "0.2.0"},
                      {"inflight_format", "2"},
                      {"vcpus", std::to_string(vcpus)},
                      {"cpu_model", "Test CPU"},
                      {"arch", "x86_64"},
                      {"io_wait", "2ms"},
                      {"cpu_work", "0"}};
    doc["benchmarks"] = nlohmann::json::array();
    for (std::size_t p : points) {
      const double x = 490.0 * static_cast<double>(p * vcpus);
      doc["benchmarks"].push_back(
          {{"name", model + "/closed/io:2ms/cpu:0/per_vcpu:" + std::to_string(p) + "/iterations:1"},
           {"run_name",
            model + "/closed/io:2ms/cpu:0/per_vcpu:" + std::to_string(p) + "/iterations:1"},
           {"run_type", "iteration"},
           {"throughput", x},
           {"throughput_per_vcpu", x / static_cast<double>(vcpus)},
           {"p50_us", 2040.0},
           {"p90_us", 2070.0},
           {"samples", 5000},
           {"interference", 0},
           {"p99_us", 2100.0 + static_cast<double>(p)},
           {"cpu_util", 0.02},
           {"throttled", 0},
           {"failed", 0}});
    }
    return write(name, doc.dump(2));
  }

  std::string write(const std::string& name, const std::string& text) {
    return scratch_.write(name, text);
  }

  struct run_result {
    int status;
    std::string out, err;
  };
  run_result run(const std::string& args) {
    const auto out = dir_ / "stdout", err = dir_ / "stderr";
    const int raw = std::system(
        (std::string(INFLIGHT_COMPARE) + " " + args + " >" + out.string() + " 2>" + err.string())
            .c_str());
    return {WEXITSTATUS(raw), slurp(out), slurp(err)};
  }
  static std::string slurp(const fs::path& p) { return inflight::test::scratch_dir::read(p); }

  inflight::test::scratch_dir scratch_;
  const fs::path& dir_ = scratch_.path();
};

}  // namespace inflight::test
