// The runtime models: the table of their facts matches bench/README.md's, and every model runs a
// handler of the test's own through the same interface, counting each call once.
#include "models/models.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "inflight/io_wait.hpp"
#include "support/markdown_table.hpp"

namespace {

using namespace std::chrono_literals;
using namespace inflight::bench;

std::vector<std::vector<std::string>> readme_model_rows() {
  return inflight::test::markdown_rows("bench/README.md", "### The runtime models", "| `");
}

TEST(ModelTable, TheReadmeTableIsTheTable) {
  const auto rows = readme_model_rows();
  ASSERT_EQ(rows.size(), std::size(model_table));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& t = model_table[i];
    ASSERT_GE(rows[i].size(), 4u);
    EXPECT_EQ(rows[i][0], "`" + std::string(t.name) + "`");
    EXPECT_EQ(rows[i][1], t.runs) << t.name;
    EXPECT_EQ(rows[i][2], t.default_per_vcpu == 0 ? "–" : std::to_string(t.default_per_vcpu))
        << t.name;
    EXPECT_EQ(rows[i][3], t.workers_rule) << t.name;
  }
}

TEST(ModelTable, NamesLookUpBothWays) {
  for (const auto& t : model_table) {
    EXPECT_EQ(model_by_name(t.name), t.id);
    EXPECT_STREQ(model_name(t.id), t.name);
  }
  EXPECT_FALSE(model_by_name("erlang"));
  EXPECT_EQ(model_names(), "fiber, nodejs, java, python, dotnet, rust");
}

class EveryModel : public ::testing::TestWithParam<model> {};

// A handler of the test's own: waits, and throws on every tenth call of its slot.
TEST_P(EveryModel, RunsAHandlerOfItsOwnAndCountsEachCallOnce) {
  point_spec spec;
  spec.vcpus = 2;
  spec.per_vcpu = 2;
  spec.warmup = 20ms;
  spec.duration = 150ms;
  std::atomic<int> calls{0};
  const point_handler handler = [&calls](std::mt19937_64& rng) {
    calls.fetch_add(1, std::memory_order_relaxed);
    inflight::io_wait(std::chrono::microseconds(200 + rng() % 100));
    if (rng() % 10 == 0) throw std::runtime_error("one in ten");
  };
  const auto r = run_point(spec, GetParam(), handler);
  EXPECT_EQ(r.in_flight, 4u);
  EXPECT_GT(r.completed, 0u);
  EXPECT_GT(r.failed, 0u) << "the handler's throws count as failed";
  EXPECT_EQ(r.completed, r.latency.count());
  EXPECT_GE(r.latency.min(), 200'000u) << "no call beats the handler's own wait";
  if (GetParam() != model::python) {  // python's calls happen in its child processes
    EXPECT_GE(static_cast<std::uint64_t>(calls.load()), r.completed + r.failed);
  }
}

INSTANTIATE_TEST_SUITE_P(Models, EveryModel,
                         ::testing::Values(model::fiber, model::nodejs, model::java, model::python,
                                           model::dotnet, model::rust),
                         [](const auto& p) { return std::string(model_name(p.param)); });

}  // namespace
