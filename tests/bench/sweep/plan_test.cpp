// The sweep's plan: subjects x points with stable names and their specs from the flags, resolved
// once; and the points it measures start what each runtime starts.
#include "sweep/plan.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "support/sweep_plans.hpp"
#include "sweep/parse.hpp"

namespace {

using namespace std::chrono_literals;
using namespace inflight::bench;
using inflight::test::machine_of;
using inflight::test::measure_one;
using inflight::test::short_options;
using ::testing::ElementsAre;

sweep_plan plan(const std::vector<std::string>& flags, std::size_t vcpus = 2) {
  return make_plan(parse_sweep_options(flags, machine_of(vcpus)), machine_of(vcpus));
}

std::vector<std::string> names(const sweep_plan& p) {
  std::vector<std::string> out;
  for (const auto& point : p.points) out.push_back(point.name);
  return out;
}

TEST(SweepPlan, SubjectsTimesPointsWithStableNames) {
  const auto p = plan({"--model=fiber,nodejs", "--per_vcpu=1,64", "--cpu_work=100us"});
  EXPECT_THAT(names(p), ElementsAre("fiber/closed/io:2ms/cpu:100us/per_vcpu:1",
                                    "fiber/closed/io:2ms/cpu:100us/per_vcpu:64",
                                    "nodejs/closed/io:2ms/cpu:100us/per_vcpu:1",
                                    "nodejs/closed/io:2ms/cpu:100us/per_vcpu:64"));
  EXPECT_FALSE(p.points[1].default_cap);
  EXPECT_TRUE(p.points[3].default_cap) << "nodejs's default cap is 64 per vCPU";
  EXPECT_THAT(names(plan({"--mode=open", "--rate=500", "--arrivals=uniform", "--per_vcpu=2"})),
              ElementsAre("fiber/open/io:2ms/cpu:0/rate:500:uniform/per_vcpu:2"));
}

TEST(SweepPlan, StagesAndSearchesAreNamedAndPassTheirSpecOn) {
  const auto staged = plan({"--mode=open", "--rate=100..300/2s,300/1s", "--per_vcpu=2"});
  EXPECT_THAT(names(staged),
              ElementsAre("fiber/open/io:2ms/cpu:0/rate:100..300:2s+300:1s/per_vcpu:2"));
  EXPECT_EQ(staged.points[0].spec.stages.size(), 2u);
  EXPECT_EQ(staged.points[0].spec.duration, 3s) << "the stages are the window";
  EXPECT_THAT(names(plan({"--find=max_rate", "--p99_budget=5ms", "--per_vcpu=2"})),
              ElementsAre("fiber/find:max_rate/io:2ms/cpu:0/p99:5ms/per_vcpu:2"));
  const auto from = plan({"--find=max_rate", "--p99_budget=5ms", "--rate=300", "--per_vcpu=2"});
  EXPECT_THAT(names(from),
              ElementsAre("fiber/find:max_rate/io:2ms/cpu:0/p99:5ms/from:300/per_vcpu:2"));
  EXPECT_TRUE(from.run.find);
  EXPECT_EQ(from.run.p99_budget, 5ms);
}

TEST(SweepPlan, ASearchStartsAtTheRateGivenOrAQuarterOfTheIdeal) {
  auto d = inflight::test::run_of(short_options(2));
  d.find = true;
  d.mode = loop_mode::open;
  // 8 in flight over 2 ms: 4000/s ideal, a quarter of it 1000/s.
  EXPECT_DOUBLE_EQ(find_start_rate(d, 8, 2), 1000);
  d.rate = 250;
  EXPECT_DOUBLE_EQ(find_start_rate(d, 8, 2), 250);
  d.rate = 0;
  d.nominal = false;  // --exec without the handler's costs: 10/s per slot
  EXPECT_DOUBLE_EQ(find_start_rate(d, 8, 2), 80);
}

TEST(SweepPlan, EachPointsSpecComesFromTheFlagsAndTheMachineOnce) {
  const auto p = plan({"--vcpus=2", "--per_vcpu=4", "--duration=1s", "--warmup=0", "--seed=9"}, 4);
  ASSERT_EQ(p.points.size(), 1u);
  const point_spec& s = p.points[0].spec;
  EXPECT_EQ(s.vcpus, 2u);
  EXPECT_EQ(s.per_vcpu, 4u);
  EXPECT_EQ(s.in_flight(), 8u);
  EXPECT_EQ(s.cpus, (std::vector<int>{0, 1})) << "2 of 4 vCPUs: pinned to the first two";
  EXPECT_EQ(s.usable_cpus, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(s.duration, 1s);
  EXPECT_EQ(s.warmup, 0s);
  EXPECT_EQ(s.seed, 9u);
  EXPECT_TRUE(p.run.pinned);
  EXPECT_EQ(p.run.machine.count, 4u);
}

// With --exec the runtime is a subject of its own; its name keeps the load profile only when
// the handler's costs are given (the seed scenario gives its 2 s wait).
TEST(SweepPlan, ExecIsASubjectOfItsOwn) {
  const auto p = plan({"--exec=/bin/true", "--per_vcpu=1,2", "--label=rt"});
  ASSERT_EQ(p.points.size(), 2u);
  EXPECT_EQ(p.points[0].subject.what, sweep_subject::kind::exec);
  EXPECT_EQ(p.points[0].name, "exec:rt/closed/per_vcpu:1");
  EXPECT_TRUE(p.points[0].spec.exec);
  EXPECT_EQ(p.points[0].spec.exec->path, "/bin/true");
  EXPECT_THAT(names(plan({"--exec=/bin/true", "--per_vcpu=1", "--scenario=seed"})),
              ElementsAre("exec:true/closed/io:2s/cpu:0/per_vcpu:1"));
  EXPECT_EQ(littles_ideal(p.run, 2, 2), 0) << "no nominal costs: no ideal";
}

TEST(SweepPlan, AnExecThatCannotBeResolvedIsAUsageError) {
  EXPECT_THROW(plan({"--exec=./no/such/runtime"}), usage_error);
  EXPECT_THROW(plan({"--exec=/bin/true", "--cwd=/no/such/dir"}), usage_error);
}

TEST(SweepPlan, LittlesIdealIsCappedByTheVcpusAndTheRate) {
  auto o = short_options(2);
  o.cpu_work = inflight::duration_distribution::constant(1ms);
  auto d = inflight::test::run_of(o);
  // 64 in flight over 2 ms + 1 ms is 21333/s; 2 vCPUs of 1 ms CPU each serve 2000/s.
  EXPECT_DOUBLE_EQ(littles_ideal(d, 64, 2), 2000);
  EXPECT_NEAR(littles_ideal(d, 2, 2), 2 / 0.003, 1e-6);
  d.mode = loop_mode::open;
  d.rate = 500;
  EXPECT_DOUBLE_EQ(littles_ideal(d, 64, 2), 500);
}

TEST(SweepModels, NodejsStartsEightWorkersPerVcpuAndCapsTheTotal) {
  const auto r = measure_one(short_options(2), model::nodejs, 4);
  EXPECT_EQ(r.workers, 16u);
  EXPECT_EQ(r.in_flight, 8u);
  EXPECT_GT(r.completed, 0u);
  EXPECT_GE(r.latency.min(), 2'000'000u) << "no invocation can beat its 2 ms wait";
}

TEST(SweepModels, EachModelStartsWhatItsRuntimeDoes) {
  struct expectation {
    model m;
    std::size_t workers, threads, processes;
  };
  // 2 vCPUs x 3 per vCPU = 6 slots.
  for (const auto& e : {expectation{model::fiber, 2, 2, 0}, expectation{model::java, 0, 6, 0},
                        expectation{model::python, 0, 6, 6}, expectation{model::dotnet, 2, 2, 0},
                        expectation{model::rust, 2, 2, 0}}) {
    const auto r = measure_one(short_options(2), e.m, 3);
    EXPECT_EQ(r.in_flight, 6u) << model_name(e.m);
    EXPECT_EQ(r.workers, e.workers) << model_name(e.m);
    EXPECT_EQ(r.threads, e.threads) << model_name(e.m);
    EXPECT_EQ(r.processes, e.processes) << model_name(e.m);
    EXPECT_GT(r.completed, 0u) << model_name(e.m);
    EXPECT_EQ(r.failed, 0u) << model_name(e.m);
    EXPECT_EQ(r.completed, r.latency.count()) << model_name(e.m);
  }
}

class OpenLoopAboveCapacity : public ::testing::TestWithParam<model> {};

TEST_P(OpenLoopAboveCapacity, ThrottlesAndConservesCounts) {
  auto o = short_options(1);
  o.mode = loop_mode::open;
  o.rate = 4000;  // one slot of 2 ms serves at most 500 per second
  o.duration = 300ms;
  const auto r = measure_one(o, GetParam(), 1);
  EXPECT_GT(r.throttled, 0u);
  EXPECT_GT(r.completed, 0u);
  EXPECT_EQ(r.arrivals, r.completed + r.throttled + r.failed);
  EXPECT_GT(r.arrivals, 600u) << "about 1200 arrivals are due in 300 ms";
}

INSTANTIATE_TEST_SUITE_P(Models, OpenLoopAboveCapacity,
                         ::testing::Values(model::fiber, model::nodejs, model::java, model::python,
                                           model::dotnet, model::rust),
                         [](const auto& p) { return std::string(model_name(p.param)); });

}  // namespace
