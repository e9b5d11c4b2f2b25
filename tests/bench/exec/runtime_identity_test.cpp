// What an exec command runs as: the program itself, or the interpreter its "#!" line names,
// looked up on the runtime's PATH for "#!/usr/bin/env"; Node's version asked of it.
#include "exec/runtime_identity.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "support/scratch_dir.hpp"

namespace {

using inflight::bench::expected_runtime;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

const std::string fake = fs::canonical(FAKE_RUNTIME).string();

class RuntimeIdentity : public ::testing::Test {
 protected:
  std::string script(const std::string& name, const std::string& text) {
    const std::string path = scratch_.write(name, text);
    ::chmod(path.c_str(), 0755);
    return path;
  }
  inflight::test::scratch_dir scratch_;
};

TEST_F(RuntimeIdentity, AProgramIsItself) {
  const auto id = expected_runtime(fake, "/", {});
  EXPECT_EQ(id.exe, fake);
  EXPECT_EQ(id.how, "the command itself");
  EXPECT_EQ(id.version, "") << "only Node is asked its version";
}

TEST_F(RuntimeIdentity, AnEnvLineIsLookedUpOnTheRuntimesPath) {
  // A "node" on the runtime's PATH (the fake runtime, which answers --version as Node does).
  const fs::path bin = scratch_.path() / "bin";
  fs::create_directories(bin);
  fs::create_symlink(fake, bin / "node");
  const auto path = script("ric", "#!/usr/bin/env node\nrequire('x')\n");
  const std::vector<std::pair<std::string, std::string>> env = {{"PATH", bin.string()}};
  const auto id = expected_runtime(path, scratch_.path().string(), env);
  EXPECT_EQ(id.exe, fake) << "the link resolved";
  EXPECT_THAT(id.how, HasSubstr("'#!/usr/bin/env node' line, on the runtime's PATH"));
  EXPECT_EQ(id.version, "v0.0.0-fake");
  // Another PATH finds another program, or none.
  const auto none = expected_runtime(path, scratch_.path().string(), {{"PATH", "/nonexistent"}});
  EXPECT_EQ(none.exe, "");
}

TEST_F(RuntimeIdentity, AnInterpreterLineNamesItsInterpreter) {
  script("run.sh", "#!/bin/sh -e\nexec true\n");
  const auto id = expected_runtime("run.sh", scratch_.path().string(), {});
  EXPECT_EQ(id.exe, fs::canonical("/bin/sh").string());
  EXPECT_EQ(id.how, "its '#!/bin/sh -e' line");
}

}  // namespace
