// inflight_sweep's flags parsed: defaults, every flag read, and one exact line for each bad value.
#include "sweep/parse.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/usage_errors.hpp"

namespace {

using namespace inflight::bench;

const inflight::vcpu_info two_vcpus{2, "affinity", {0, 1}};

sweep_options parse(std::vector<std::string> args) { return parse_sweep_options(args, two_vcpus); }

TEST(SweepOptions, Defaults) {
  const auto o = parse({});
  EXPECT_EQ(o.per_vcpu, (std::vector<std::size_t>{1, 2, 4, 8, 16, 32, 64}));
  EXPECT_EQ(o.vcpus, 2u);
  EXPECT_FALSE(o.pin);
  EXPECT_EQ(o.io_wait.to_string(), "2ms");
  EXPECT_EQ(o.cpu_work.to_string(), "0");
  EXPECT_EQ(o.models, (std::vector<model>{model::fiber}));
  EXPECT_EQ(o.mode, loop_mode::closed);
  // The default sweep must fit in 60 s on 2 vCPUs: 7 points of warm-up + duration.
  EXPECT_LE(7 * (o.duration + o.warmup), std::chrono::seconds(55));
}

struct valid_case {
  std::vector<std::string> args;
  std::vector<std::size_t> per_vcpu;
};

TEST(SweepOptions, PerVcpuListsAndRanges) {
  const std::vector<valid_case> cases = {
      {{"--per_vcpu=1,2,4"}, {1, 2, 4}},
      {{"--per_vcpu=8,1,8"}, {1, 8}},
      {{"--per_vcpu=1..64"}, {1, 2, 4, 8, 16, 32, 64}},
      {{"--per_vcpu=3..20"}, {3, 6, 12, 20}},
      {{"--per_vcpu=1..64:dense"}, {1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64}},
      {{"--per_vcpu=64"}, {64}},
  };
  for (const auto& c : cases) EXPECT_EQ(parse(c.args).per_vcpu, c.per_vcpu) << c.args[0];
}

TEST(SweepOptions, EveryFlagIsRead) {
  const auto o = parse({"--vcpus=1", "--io_wait=lognormal:2ms,p99=20ms", "--cpu_work=200us",
                        "--model=java,python", "--mode=open", "--rate=1500.5", "--arrivals=uniform",
                        "--duration=250ms", "--warmup=0", "--csv=out.csv", "--seed=7"});
  EXPECT_EQ(o.vcpus, 1u);
  EXPECT_TRUE(o.pin);
  EXPECT_EQ(o.io_wait.to_string(), "lognormal:2ms,p99=20ms");
  EXPECT_EQ(o.cpu_work.to_string(), "200us");
  EXPECT_EQ(o.models, (std::vector<model>{model::java, model::python}));
  EXPECT_EQ(o.mode, loop_mode::open);
  EXPECT_DOUBLE_EQ(o.rate, 1500.5);
  EXPECT_EQ(o.arrivals, arrival_process::uniform);
  EXPECT_EQ(o.duration, std::chrono::milliseconds(250));
  EXPECT_EQ(o.warmup, std::chrono::milliseconds(0));
  EXPECT_EQ(o.csv, "out.csv");
  EXPECT_EQ(o.seed, 7u);
  EXPECT_EQ(parse({"--model=all"}).models.size(), 6u);
}

TEST(SweepOptions, SeedScenarioUsesTheRealTwoSecondWait) {
  const auto o = parse({"--scenario=seed"});
  EXPECT_EQ(o.io_wait.to_string(), "2s");
  EXPECT_EQ(parse({"--scenario=seed", "--io_wait=1s", "--duration=10s"}).io_wait.to_string(), "1s");
  EXPECT_EQ(parse({"--scenario=seed", "--duration=10s"}).duration, std::chrono::seconds(10));
  // 50 s of 2 s waits: 25 samples at concurrency 1, enough for a p50 (20).
  EXPECT_EQ(o.duration, std::chrono::seconds(50));
  EXPECT_EQ(o.warmup, std::chrono::seconds(5));
}

// --exec's flags are read as text here; nothing is looked up until the plan resolves them.
TEST(SweepOptions, ExecFlagsAreReadWithoutTouchingTheFilesystem) {
  const auto o = parse({"--exec=./no/such/runtime --flag", "--cwd=/no/such/dir", "--label=rt",
                        "--event=/no/such/file", "--deadline=250ms", "--init_timeout=2s",
                        "--env=A=1", "--env=B=2=3"});
  EXPECT_TRUE(o.exec_given);
  EXPECT_TRUE(o.models.empty());
  EXPECT_FALSE(o.nominal) << "no --io_wait or --cpu_work: the function's costs are unknown";
  EXPECT_EQ(o.exec.command, "./no/such/runtime --flag");
  EXPECT_EQ(o.exec.cwd, "/no/such/dir");
  EXPECT_EQ(o.exec.label, "rt");
  EXPECT_EQ(o.exec.event, "/no/such/file");
  EXPECT_EQ(o.exec.deadline, std::chrono::milliseconds(250));
  EXPECT_EQ(o.exec.init_timeout, std::chrono::seconds(2));
  using env = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(o.exec.env, (env{{"A", "1"}, {"B", "2=3"}}));
  EXPECT_TRUE(parse({"--exec=x", "--io_wait=5ms"}).nominal);
  EXPECT_TRUE(parse({"--exec=x", "--scenario=seed"}).nominal) << "the seed's 2 s wait";
  EXPECT_TRUE(parse({}).nominal) << "a model's costs are the flags'";
}

using inflight::test::invalid_case;

TEST(SweepOptions, InvalidInputGivesOneExactLine) {
  const std::vector<invalid_case> cases = {
      {{"--per_vcpu=65"},
       "--per_vcpu=65: The specified PerExecutionEnvironmentMaxConcurrency exceeds the limit of 64 "
       "per VCpu. For your configuration, the limit is 128 (valid per-vCPU values are 1..64)"},
      {{"--per_vcpu=0"}, "--per_vcpu=0: 0 is out of range; valid per-vCPU values are 1..64"},
      {{"--per_vcpu=0", "--per_vcpu=1"},
       "--per_vcpu=0: 0 is out of range; valid per-vCPU values are 1..64"},
      {{"--duration=1x", "--duration=1s"},
       "--duration: '1x' is invalid; valid: a number with a unit ns, us, ms or s, from 0 to "
       "1000000000s (e.g. 200us, 1.5ms)"},
      {{"--per_vcpu=1,x"}, "--per_vcpu=x: not a whole number; valid range is 1..64"},
      {{"--per_vcpu=64..1"},
       "--per_vcpu=64..1: the range runs backwards; valid: LO..HI with LO <= HI"},
      {{"--per_vcpu=1..64:sparse"},
       "--per_vcpu=1..64:sparse: unknown range option; valid: LO..HI or LO..HI:dense"},
      {{"--vcpus=3"}, "--vcpus=3: valid range is 1..2 (the vCPUs available, by affinity)"},
      {{"--vcpus=0"}, "--vcpus=0: valid range is 1..2 (the vCPUs available, by affinity)"},
      {{"--model=go"},
       "--model=go: unknown model 'go'; valid: fiber, nodejs, java, python, dotnet, rust, all"},
      {{"--mode=half"}, "--mode=half: unknown mode; valid: closed, open"},
      {{"--io_wait=2"},
       "--io_wait: '2' is invalid; valid: 2ms, uniform:1ms..3ms, exp:2ms or "
       "lognormal:2ms,p99=20ms"},
      {{"--cpu_work=uniform:3ms..1ms"},
       "--cpu_work: 'uniform:3ms..1ms' is invalid; valid: 2ms, uniform:1ms..3ms, exp:2ms or "
       "lognormal:2ms,p99=20ms"},
      {{"--rate=500"}, "--rate=500: needs --mode=open (a closed loop has no arrival rate)"},
      {{"--arrivals=uniform"}, "--arrivals: needs --mode=open (a closed loop has no arrivals)"},
      {{"--mode=open"}, "--mode=open: needs --rate=R, the arrivals per second in total"},
      {{"--mode=open", "--rate=-3"},
       "--rate=-3: valid range is 0.001..10000000 arrivals per second, or stages A/D or A..B/D "
       "(rates 0..10000000, A < B, each stage 10ms..1h, 1h in all)"},
      {{"--mode=open", "--rate=1k"},
       "--rate=1k: valid range is 0.001..10000000 arrivals per second, or stages A/D or A..B/D "
       "(rates 0..10000000, A < B, each stage 10ms..1h, 1h in all)"},
      {{"--mode=open", "--rate=1e-10"},
       "--rate=1e-10: valid range is 0.001..10000000 arrivals per second, or stages A/D or A..B/D "
       "(rates 0..10000000, A < B, each stage 10ms..1h, 1h in all)"},
      {{"--mode=open", "--rate=0x10"},
       "--rate=0x10: valid range is 0.001..10000000 arrivals per second, or stages A/D or A..B/D "
       "(rates 0..10000000, A < B, each stage 10ms..1h, 1h in all)"},
      {{"--mode=open", "--rate=+5"},
       "--rate=+5: valid range is 0.001..10000000 arrivals per second, or stages A/D or A..B/D "
       "(rates 0..10000000, A < B, each stage 10ms..1h, 1h in all)"},
      {{"--mode=open", "--rate= 5"},
       "--rate= 5: valid range is 0.001..10000000 arrivals per second, or stages A/D or A..B/D "
       "(rates 0..10000000, A < B, each stage 10ms..1h, 1h in all)"},
      {{"--duration=5ms"}, "--duration=5ms: valid range is 10ms..1h"},
      {{"--duration=2"},
       "--duration: '2' is invalid; valid: a number with a unit ns, us, ms or s, from 0 to "
       "1000000000s (e.g. 200us, 1.5ms)"},
      {{"--duration=99999999999s"},
       "--duration: '99999999999s' is invalid; valid: a number with a unit ns, us, ms or s, from 0 "
       "to 1000000000s (e.g. 200us, 1.5ms)"},
      {{"--duration=0x10s"},
       "--duration: '0x10s' is invalid; valid: a number with a unit ns, us, ms or s, from 0 to "
       "1000000000s (e.g. 200us, 1.5ms)"},
      {{"--duration="}, "--duration=: needs a value; valid: 10ms..1h"},
      {{"--per_vcpu="},
       "--per_vcpu=: needs a value; valid: a list (1,2,4) or a range (1..64, 1..64:dense) of "
       "values 1..64"},
      {{"--csv="}, "--csv=: needs a value; valid: a file path"},
      {{"--model="},
       "--model=: needs a value; valid: fiber, nodejs, java, python, dotnet, rust, a comma list, "
       "or all"},
      {{"--io_wait=3600s"},
       "--io_wait=3600s: its median 3600s exceeds the point's bound 3s; valid: a median up to "
       "--duration (3s) and at most 60s"},
      {{"--cpu_work=exp:2s", "--duration=1s"},
       "--cpu_work=exp:2s: its median 1386294361ns exceeds the point's bound 1s; valid: a median "
       "up to --duration (1s) and at most 60s"},
      {{"--io_wait=61s", "--duration=3600s"},
       "--io_wait=61s: its median 61s exceeds the point's bound 60s; valid: a median up to "
       "--duration (3600s) and at most 60s"},
      {{"--vcpus=+1"}, "--vcpus=+1: not a whole number; valid range is 1..2"},
      {{"--vcpus=0x1"}, "--vcpus=0x1: not a whole number; valid range is 1..2"},
      {{"--scenario=prod"}, "--scenario=prod: unknown scenario; valid: default, seed, doubling"},
      {{"--color=red"}, "unknown flag '--color'; see --help"},
      {{"extra"}, "unknown argument 'extra'; flags take the form --name=value, see --help"},
      {{"--seed=-1"}, "--seed=-1: not a whole number; valid range is 0..999999999999"},
      {{"--strict=yes"}, "--strict=yes: valid: a switch, no value"},
      {{"--label=x"}, "--label=x: needs --exec (it configures your runtime's process)"},
      {{"--deadline=0"}, "--deadline=0: valid range is 1ms..900s (Lambda's timeout)"},
      {{"--tenants=0"}, "--tenants=0: valid range is 1..1000000"},
      {{"--tenants=x"}, "--tenants=x: not a whole number; valid range is 1..1000000"},
      {{"--tenants=3"}, "--tenants=3: needs --exec (it configures your runtime's process)"},
      {{"--find=min"}, "--find=min: valid: max_rate"},
      {{"--find=max_rate", "--p99_budget=0"}, "--p99_budget=0: valid range is 1us..600s"},
      {{"--find=max_rate", "--p99_budget=5ms", "--mode=closed"},
       "--find=max_rate: needs --mode=open (its probes are open-loop points)"},
  };
  inflight::test::expect_usage_errors<usage_error>(cases, parse);
}

TEST(SweepOptions, WaitsAreCutAtThePointsDuration) {
  const auto o = parse({"--io_wait=exp:1s", "--cpu_work=lognormal:1ms,p99=10s", "--duration=2s"});
  EXPECT_EQ(o.io_wait.cap(), std::chrono::seconds(2));
  EXPECT_EQ(o.cpu_work.cap(), std::chrono::seconds(2));
  EXPECT_EQ(o.io_wait.to_string(), "exp:1s") << "the point's name does not change";
}

TEST(FlagErrors, OneLineEscapesControlCharacters) {
  EXPECT_EQ(one_line("--io_wait=2ms\nx\t\x01"), "--io_wait=2ms\\nx\\t\\x01");
}

TEST(SweepOptions, DefaultCapsPerModel) {
  EXPECT_EQ(model_default_per_vcpu(model::nodejs), 64u);
  EXPECT_EQ(model_default_per_vcpu(model::java), 32u);
  EXPECT_EQ(model_default_per_vcpu(model::python), 16u);
  EXPECT_EQ(model_default_per_vcpu(model::dotnet), 32u);
  EXPECT_EQ(model_default_per_vcpu(model::rust), 8u);
  EXPECT_EQ(model_default_per_vcpu(model::fiber), 0u);
}

TEST(SweepOptions, FindIsAnOpenLoopWithAnOptionalStartRate) {
  const inflight::vcpu_info two{2, "affinity", {0, 1}};
  const auto o = parse_sweep_options({"--find=max_rate", "--p99_budget=5ms"}, two);
  EXPECT_TRUE(o.find);
  EXPECT_EQ(o.mode, loop_mode::open);
  EXPECT_EQ(o.p99_budget, std::chrono::milliseconds(5));
  EXPECT_EQ(o.rate, 0) << "no --rate: the search picks its start";
  EXPECT_EQ(parse_sweep_options({"--find=max_rate", "--p99_budget=5ms", "--rate=300"}, two).rate,
            300);
}

}  // namespace
