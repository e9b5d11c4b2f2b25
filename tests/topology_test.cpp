#include "inflight/topology.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <thread>

#include "support/scratch_dir.hpp"

namespace {

// A fake file system root holding only the files a test writes.
class FakeRoot {
 public:
  void write(const std::string& relative, const std::string& text) const {
    dir_.write(relative, text + "\n");
  }
  std::string path() const { return dir_.path().string(); }

 private:
  inflight::test::scratch_dir dir_;
};

// What the machine itself allows, which no fake file can raise.
std::size_t machine_cpus() {
  const std::size_t affinity = inflight::detail::affinity_cpus().size();
  const std::size_t hw = std::thread::hardware_concurrency();
  return hw != 0 ? std::min(affinity, hw) : affinity;
}

TEST(Topology, CgroupV2QuotaIsRoundedUp) {
  FakeRoot root;
  root.write("sys/fs/cgroup/cpu.max", "150000 100000");
  const auto info = inflight::detect_vcpus(root.path());
  EXPECT_EQ(info.count, std::min<std::size_t>(2, machine_cpus()));
  if (machine_cpus() >= 2) {
    EXPECT_EQ(info.source, "cgroup v2 cpu.max");
  }
}

TEST(Topology, CgroupV2MaxMeansNoQuota) {
  FakeRoot root;
  root.write("sys/fs/cgroup/cpu.max", "max 100000");
  const auto info = inflight::detect_vcpus(root.path());
  EXPECT_EQ(info.count, machine_cpus());
  EXPECT_TRUE(info.source == "affinity" || info.source == "hardware_concurrency") << info.source;
}

TEST(Topology, CgroupV2TakesTheTightestAncestor) {
  FakeRoot root;
  root.write("proc/self/cgroup", "0::/outer/inner");
  root.write("sys/fs/cgroup/outer/inner/cpu.max", "max 100000");
  root.write("sys/fs/cgroup/outer/cpu.max", "100000 100000");
  root.write("sys/fs/cgroup/cpu.max", "max 100000");
  const auto info = inflight::detect_vcpus(root.path());
  EXPECT_EQ(info.count, 1u);
  EXPECT_EQ(info.source, "cgroup v2 cpu.max");
}

TEST(Topology, CgroupV1Quota) {
  FakeRoot root;
  root.write("sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "50000");
  root.write("sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us", "100000");
  const auto info = inflight::detect_vcpus(root.path());
  EXPECT_EQ(info.count, 1u);
  EXPECT_EQ(info.source, "cgroup v1 cfs quota");
}

TEST(Topology, CgroupV1UnlimitedQuotaDoesNotApply) {
  FakeRoot root;
  root.write("sys/fs/cgroup/cpu/cpu.cfs_quota_us", "-1");
  root.write("sys/fs/cgroup/cpu/cpu.cfs_period_us", "100000");
  EXPECT_EQ(inflight::detect_vcpus(root.path()).count, machine_cpus());
}

TEST(Topology, MissingFilesFallBackToTheAffinityMask) {
  FakeRoot root;
  const auto info = inflight::detect_vcpus(root.path());
  EXPECT_EQ(info.count, machine_cpus());
  EXPECT_EQ(info.cpus.size(), inflight::detail::affinity_cpus().size());
  EXPECT_TRUE(std::is_sorted(info.cpus.begin(), info.cpus.end()));
  EXPECT_EQ(inflight::detect_vcpus("/does/not/exist").count, machine_cpus());
}

TEST(Topology, GarbageFilesAreIgnored) {
  FakeRoot root;
  root.write("sys/fs/cgroup/cpu.max", "banana");
  EXPECT_EQ(inflight::detect_vcpus(root.path()).count, machine_cpus());
}

TEST(Topology, TheRealMachineHasAtLeastOneVcpu) {
  const auto info = inflight::detect_vcpus();
  EXPECT_GE(info.count, 1u);
  EXPECT_FALSE(info.source.empty());
  EXPECT_FALSE(info.cpus.empty());
}

// cgroup v1: the process's own cpu cgroup and its ancestors count, not only the hierarchy's root.
TEST(Topology, CgroupV1ReadsTheProcessCgroupAndItsAncestors) {
  FakeRoot root;
  root.write("proc/self/cgroup", "5:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n0::/");
  root.write("sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "-1");
  root.write("sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us", "100000");
  root.write("sys/fs/cgroup/cpu,cpuacct/docker/cpu.cfs_quota_us", "300000");
  root.write("sys/fs/cgroup/cpu,cpuacct/docker/cpu.cfs_period_us", "100000");
  root.write("sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us", "150000");
  root.write("sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us", "100000");
  EXPECT_EQ(inflight::detail::cgroup_v1_cpus(root.path()), 2u);
  // A parent's quota caps its children.
  root.write("sys/fs/cgroup/cpu,cpuacct/docker/cpu.cfs_quota_us", "100000");
  EXPECT_EQ(inflight::detail::cgroup_v1_cpus(root.path()), 1u);
  const auto info = inflight::detect_vcpus(root.path());
  EXPECT_EQ(info.count, 1u);
  EXPECT_EQ(info.source, "cgroup v1 cfs quota");
}

}  // namespace
