// The isolation check end to end through inflight_sweep --exec, against the fake runtime (no
// Node): a runtime that leaks is counted, named under the table, in the JSON and the CSV, and
// --strict exits 1 (and says it is for a leak); one that does not is clean; an invocation never
// answered is named; and
// --isolation's bad input is one line and exit 2.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/sweep_binary.hpp"

namespace {

using inflight::test::run_result;
using inflight::test::SweepBinary;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string fake = FAKE_RUNTIME;

class ExecIsolation : public SweepBinary {
 protected:
  nlohmann::json benchmarks() const {
    return nlohmann::json::parse(
        inflight::test::scratch_dir::read(dir_ / "run.json"))["benchmarks"];
  }
  run_result sweep(const std::string& mode, std::vector<std::string> more = {}) {
    std::vector<std::string> args{"--exec=" + fake + " " + mode,
                                  "--vcpus=1",
                                  "--per_vcpu=1,4",
                                  "--duration=300ms",
                                  "--warmup=100ms",
                                  "--benchmark_out=" + (dir_ / "run.json").string()};
    args.insert(args.end(), more.begin(), more.end());
    return run(args);
  }
};

TEST_F(ExecIsolation, ARuntimeThatKeepsInvocationsApartIsClean) {
  const auto r = sweep("serve");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("exec:fake_runtime/reference: the isolation check's reference"));
  for (const auto& b : benchmarks()) {
    EXPECT_EQ(b["leaks"], 0) << b.dump();
    EXPECT_GT(b["isolation_responses_checked"].get<double>(), 0);
    EXPECT_EQ(b["isolation_invocations"], b["isolation_responses_checked"]);
  }
  EXPECT_THAT(r.out, HasSubstr("leaks: invocations the isolation check found"));
}

TEST_F(ExecIsolation, ALeakIsCountedNamedAndFailsStrict) {
  const std::string csv = (dir_ / "run.csv").string();
  const auto r = sweep("leak", {"--strict", "--csv=" + csv});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--strict: 2 of 2 points did not keep invocations apart"));
  for (const auto& b : benchmarks()) {
    // Every line but the first names its invocation and the one before it.
    EXPECT_GT(b["leak_foreign_lines"].get<double>(), 10) << b.dump();
    EXPECT_GT(b["leaks"].get<double>(), b["leak_foreign_lines"].get<double>());
    EXPECT_THAT(b["label"].get<std::string>(),
                HasSubstr("leaks: a line with another invocation's id: {\"requestId\""));
  }
  EXPECT_THAT(r.out, HasSubstr("! exec:fake_runtime per_vCPU 4: "));
  EXPECT_THAT(r.out, HasSubstr("invocations not kept apart ("));
  const std::string text = inflight::test::scratch_dir::read(csv);
  EXPECT_THAT(text, HasSubstr(",leaks,leak_foreign_lines,"));
  EXPECT_THAT(text, HasSubstr("\"a line with another invocation's id: {\"\"requestId\"\""));
}

TEST_F(ExecIsolation, AnInvocationNeverAnsweredIsNamed) {
  const auto r = sweep("drop5", {"--per_vcpu=8", "--deadline=1ms", "--warmup=0"});
  ASSERT_EQ(r.status, 0) << r.err;
  for (const auto& b : benchmarks()) {
    EXPECT_GT(b["leak_hung"].get<double>(), 0) << b.dump();
    EXPECT_GE(b["leak_hung"].get<double>(), b["timeouts"].get<double>()) << "warm-up's too";
  }
  EXPECT_THAT(r.out, HasSubstr("was never answered (it timed out at its deadline + 1 s)"));
}

TEST_F(ExecIsolation, OffRunsNoReferenceAndReportsNone) {
  const auto r = sweep("leak", {"--isolation=off"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.err, Not(HasSubstr("reference")));
  for (const auto& b : benchmarks()) EXPECT_FALSE(b.contains("leaks"));
  EXPECT_THAT(r.out, Not(HasSubstr("leaks: invocations")));
}

TEST_F(ExecIsolation, BadInputIsOneLineAndExitTwo) {
  for (const auto& [args, says] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--exec=" + fake, "--isolation=maybe"}, "--isolation=maybe: valid: on, off"},
           {{"--isolation=on"}, "--isolation=on: needs --exec"},
       }) {
    const auto r = run(args);
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_THAT(r.err, HasSubstr(says));
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

}  // namespace
