// Google Benchmark's flags, checked before Google Benchmark sees them.
#include "sweep/benchmark_flags.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/usage_errors.hpp"

namespace {

using namespace inflight::bench;

using inflight::test::invalid_case;

TEST(BenchmarkFlags, CheckedBeforeGoogleBenchmarkSeesThem) {
  const std::vector<invalid_case> cases = {
      {{"--benchmark_repetitions=-1"}, "--benchmark_repetitions=-1: valid: a whole number 1..1000"},
      {{"--benchmark_repetitions=abc"},
       "--benchmark_repetitions=abc: valid: a whole number 1..1000"},
      {{"--benchmark_repetitions=0"}, "--benchmark_repetitions=0: valid: a whole number 1..1000"},
      {{"--benchmark_out_format=xml", "--benchmark_out=x"},
       "--benchmark_out_format=xml: valid: json or console (for CSV use --csv)"},
      {{"--benchmark_out_format=json"}, "--benchmark_out_format=json: needs --benchmark_out=FILE"},
      {{"--benchmark_out="}, "--benchmark_out=: valid: a file path"},
      {{"--benchmark_filter=(("},
       "--benchmark_filter=((: valid: a POSIX extended regular expression of 1..200 characters, "
       "without {m,n} bounds, stacked repetitions (a++) or groups nested deeper than 5"},
      // Found by the fuzz target: regcomp took exponential time on stacked repetitions.
      {{"--benchmark_filter=fi" + std::string(60, '+')},
       "--benchmark_filter=fi" + std::string(60, '+') +
           ": valid: a POSIX extended regular expression of 1..200 characters, without {m,n} "
           "bounds, stacked repetitions (a++) or groups nested deeper than 5"},
      {{"--benchmark_filter=((((((a))))))"},
       "--benchmark_filter=((((((a)))))): valid: a POSIX extended regular expression of 1..200 "
       "characters, without {m,n} bounds, stacked repetitions (a++) or groups nested deeper than "
       "5"},
      {{"--benchmark_filter=a{2}"},
       "--benchmark_filter=a{2}: valid: a POSIX extended regular expression of 1..200 "
       "characters, without {m,n} bounds, stacked repetitions (a++) or groups nested deeper than "
       "5"},
      {{"--benchmark_format=tap"},
       "--benchmark_format=tap: valid: console or json (for CSV use --csv)"},
      {{"--benchmark_list_tests=maybe"},
       "--benchmark_list_tests=maybe: valid: true or false (or the bare flag)"},
      {{"--benchmark_min_time=2"},
       "--benchmark_min_time: not used by inflight_sweep, where each point runs once for --warmup "
       "and --duration; set those instead"},
      {{"--benchmark_bogus=1"}, "unknown flag '--benchmark_bogus'; see --help"},
      {{"--v=x"}, "--v=x: valid: a verbosity 0..99"},
  };
  inflight::test::expect_usage_errors<usage_error>(cases, split_benchmark_flags);
  EXPECT_NO_THROW(split_benchmark_flags({"--benchmark_filter=fiber/.*per_vcpu:(1|64)$"}));
  EXPECT_NO_THROW(split_benchmark_flags({"--benchmark_filter=a\\+\\+"}));
  const auto f = split_benchmark_flags({"--per_vcpu=1", "--benchmark_out=r.json",
                                        "--benchmark_repetitions=3", "--benchmark_list_tests",
                                        "--benchmark_format=json", "--benchmark_color=false"});
  EXPECT_EQ(f.ours, (std::vector<std::string>{"--per_vcpu=1"}));
  EXPECT_EQ(f.out, "r.json");
  EXPECT_EQ(f.out_format, "json");
  EXPECT_EQ(f.format, "json");
  EXPECT_EQ(f.benchmark,
            (std::vector<std::string>{"--benchmark_repetitions=3", "--benchmark_list_tests",
                                      "--benchmark_format=json", "--benchmark_color=false"}));
}

}  // namespace
