// inflight_compare's cost (compare/cost.hpp): packing environments onto instances over three
// zones, the price of every cap for --target_rps, the three choices, and their flags and output.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "compare/cost.hpp"
#include "compare/load.hpp"
#include "support/sweep_files.hpp"

namespace {

using namespace inflight::bench::compare;
using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;
using CompareFiles = inflight::test::CompareFiles;

TEST(CostPacking, EnvironmentsFitOnAnInstanceByVcpusAndMemory) {
  EXPECT_EQ(environments_per_instance({4, 8}, 1, 2048), 4u);
  EXPECT_EQ(environments_per_instance({4, 8}, 2, 4096), 2u);
  EXPECT_EQ(environments_per_instance({4, 4}, 1, 2048), 2u) << "memory binds first";
  EXPECT_EQ(environments_per_instance({16, 128}, 1, 8192), 16u) << "vCPUs bind first";
  EXPECT_EQ(environments_per_instance({1, 8}, 2, 4096), 0u) << "does not fit";
}

TEST(CostPacking, EachZoneIsPackedOnItsOwnInstances) {
  EXPECT_EQ(instances_for(3, 4), 3u) << "one environment a zone, one instance a zone";
  EXPECT_EQ(instances_for(5, 2), 3u);   // 2 a zone: one instance each
  EXPECT_EQ(instances_for(7, 2), 6u);   // 3 a zone: two instances each
  EXPECT_EQ(instances_for(21, 4), 6u);  // 7 a zone: two instances each
  EXPECT_EQ(instances_for(3, 0), 0u);
}

// A 1-vCPU file whose throughput is 490/s per slot and whose p99 is 2100 + per_vcpu us.
struct PricedFile : CompareFiles {
  cost_report priced(const std::vector<std::size_t>& points, compare_options o) {
    o.files = {sweep("a.json", 1, points)};
    std::vector<sweep_file> files{load_sweep(o.files[0], "")};
    return price(build_comparison(std::move(files), o), o);
  }
  static compare_options options() {
    compare_options o;
    o.target_rps = 10000;
    o.price_per_hour = {0.1};
    o.instances = {{4, 8}};
    return o;
  }
};

TEST_F(PricedFile, EveryCapIsPricedFromTheEnvironmentsItNeeds) {
  const auto r = priced({1, 2, 4, 8}, options());
  ASSERT_EQ(r.curves.size(), 1u);
  const auto& caps = r.curves[0].caps;
  ASSERT_EQ(caps.size(), 4u);
  // ceil(10000 / (490 x per_vcpu)) environments, four to a 4-vCPU 8-GiB instance, over 3 zones.
  const std::vector<std::size_t> envs{21, 11, 6, 3}, instances{6, 3, 3, 3};
  const double requests = 10000.0 * 730 * 3600 / 1e6 * 0.20;  // $0.20 per million
  for (std::size_t i = 0; i < caps.size(); ++i) {
    EXPECT_EQ(caps[i].environments, envs[i]) << caps[i].per_vcpu;
    EXPECT_EQ(caps[i].instances, instances[i]) << caps[i].per_vcpu;
    EXPECT_DOUBLE_EQ(caps[i].month_usd,
                     static_cast<double>(instances[i]) * 0.1 * 1.15 * 730 + requests);
    EXPECT_DOUBLE_EQ(caps[i].per_million_usd, caps[i].month_usd / (10000.0 * 730 * 3600 / 1e6));
    EXPECT_TRUE(caps[i].excluded.empty()) << caps[i].excluded;
  }
}

TEST_F(PricedFile, TheThreeChoices) {
  const auto r = priced({1, 2, 4, 8}, options());
  ASSERT_EQ(r.choices.size(), 3u);
  const auto per_vcpu = [&](std::size_t i) { return r.curves[0].caps[*r.choices[i].cap].per_vcpu; };
  EXPECT_STREQ(r.choices[0].strategy, "cheapest");
  EXPECT_EQ(per_vcpu(0), 2u) << "2, 4 and 8 cost the same; 2 has the lowest tail of them";
  EXPECT_STREQ(r.choices[1].strategy, "fastest");
  EXPECT_EQ(per_vcpu(1), 1u);
  EXPECT_STREQ(r.choices[2].strategy, "balanced");
  EXPECT_EQ(per_vcpu(2), 2u) << "1 is 0.05% faster and 4.6% dearer";
}

TEST_F(PricedFile, TheFeeAndTheRequestChargeAreFlags) {
  auto o = options();
  o.management_fee = 0;
  o.request_price = 0;
  const auto r = priced({8}, o);
  ASSERT_EQ(r.curves[0].caps.size(), 1u);
  EXPECT_DOUBLE_EQ(r.curves[0].caps[0].month_usd, 3 * 0.1 * 730);
}

TEST_F(PricedFile, CapsOverTheBudgetAreExcludedAndNoChoiceTakesThem) {
  auto o = options();
  o.p99_budget_us = 2101.5;  // only per_vcpu 1 (2101 us) is within
  const auto r = priced({1, 2, 4, 8}, o);
  for (const auto& cap : r.curves[0].caps) {
    EXPECT_EQ(cap.excluded.empty(), cap.per_vcpu == 1) << cap.per_vcpu << ": " << cap.excluded;
  }
  for (const auto& choice : r.choices) EXPECT_EQ(r.curves[0].caps[*choice.cap].per_vcpu, 1u);
  o.p99_budget_us = 100;
  const auto none = priced({1, 2}, o);
  for (const auto& choice : none.choices) EXPECT_FALSE(choice.curve) << choice.strategy;
}

TEST_F(PricedFile, AnEnvironmentTooBigForTheInstanceIsNamedNotPriced) {
  auto o = options();
  o.instances = {{1, 1}};  // a 1-vCPU environment needs 2048 MB
  const auto r = priced({1, 2}, o);
  EXPECT_THAT(r.curves[0].problem,
              HasSubstr("an environment of 1 vCPU and 2048 MB does not fit on a 1-vCPU, 1-GiB"));
  EXPECT_TRUE(r.curves[0].caps.empty());
}

TEST_F(CompareFiles, PricesPrintTheCostTheChoicesAndWriteThemToCsvAndSvg) {
  const auto a = sweep("a.json", 1, {1, 2, 4, 8});
  const auto csv = (dir_ / "c.csv").string(), svg = (dir_ / "c").string();
  const auto r = run(a + " --target_rps=10000 --price_per_hour=0.1 --instance=4:8 --csv=" + csv +
                     " --svg=" + svg);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("the prices are your inputs"));
  EXPECT_THAT(r.out, HasSubstr("inflight ships no price table"));
  EXPECT_THAT(r.out, HasSubstr("(1 + 15% management fee) x 730 h + $0.20 per million"));
  EXPECT_THAT(r.out,
              HasSubstr("on a 4-vCPU, 8-GiB instance at $0.1/h, 4 environments to an instance"));
  EXPECT_THAT(r.out, HasSubstr("cheapest (the lowest cost within the latency budget): [A] fiber "
                               "closed/io:2ms/cpu:0 per_vCPU 2"));
  const std::string table = slurp(csv);
  EXPECT_THAT(table, HasSubstr(",environments,instances,cost_month_usd,cost_per_million_usd,"
                               "cost_choice\n"));
  EXPECT_THAT(table, HasSubstr(",11,3,5507.85,"));  // per_vcpu 2
  EXPECT_THAT(table, HasSubstr("cheapest;balanced\n"));
  const std::string chart = slurp(dir_ / "c-cost.svg");
  EXPECT_THAT(chart, HasSubstr("class=\"mark\" data-label=\"cheapest: A per_vCPU 2\""));
  EXPECT_THAT(chart, HasSubstr("class=\"mark\" data-label=\"fastest: A per_vCPU 1\""));
  EXPECT_FALSE(fs::exists(dir_ / "none-cost.svg"));
  const auto unpriced = run(a + " --svg=" + (dir_ / "none").string());
  EXPECT_THAT(unpriced.out, Not(HasSubstr("Cost of")));
  EXPECT_FALSE(fs::exists(dir_ / "none-cost.svg")) << "no prices, no cost chart";
}

TEST_F(CompareFiles, BadPricesAreOneLineAndExitTwo) {
  const auto a = sweep("a.json", 1, {1, 2});
  const auto b = sweep("b.json", 1, {1, 2});
  const std::string priced = " --target_rps=1000 --instance=4:8 --price_per_hour=";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {a + priced + "-1", "--price_per_hour=-1: '-1' is not a price; valid range is above 0"},
      {a + priced + "0", "--price_per_hour=0: '0' is not a price"},
      {a + priced + "0.1,0.2", "--price_per_hour: 2 values for 1 files; give one for all"},
      {a + " --target_rps=1000 --price_per_hour=0.1",
       "--price_per_hour needs --instance=VCPUS:GIB"},
      {a + " --instance=4:8 --price_per_hour=0.1", "--price_per_hour needs --target_rps=R"},
      {a + " --instance=4:8", "--instance prices nothing without --price_per_hour"},
      {a + " --management_fee=10", "--management_fee prices nothing without --price_per_hour"},
      {a + priced + "0.1 --instance=4", "--instance=4: '4' is not VCPUS:GIB"},
      {a + priced + "0.1 --instance=2.5:8", "--instance=2.5:8: '2.5:8' is not VCPUS:GIB"},
      {a + priced + "0.1 --management_fee=150", "--management_fee=150: valid range is 0..100"},
      {a + priced + "0.1 --request_price=-0.2", "--request_price=-0.2: valid range is 0..1000"},
      {a + " " + b + " --target_rps=1000 --instance=4:8,2:4,1:2 --price_per_hour=0.1",
       "--instance: 3 values for 2 files"},
  };
  for (const auto& [args, message] : cases) {
    const auto r = run(args);
    EXPECT_EQ(r.status, 2) << args;
    EXPECT_THAT(r.err, HasSubstr(message)) << args;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

}  // namespace
