#pragma once
// A temporary directory for one test, removed with it, and whole-file reads and writes.

#include <stdlib.h>  // mkdtemp

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace inflight::test {

class scratch_dir {
 public:
  scratch_dir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "inflight-test-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~scratch_dir() { std::filesystem::remove_all(path_); }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  /// The full path of `relative` inside the directory.
  std::string operator/(const std::string& relative) const { return (path_ / relative).string(); }
  /// Writes `text` to `relative` (creating its folders) and returns the full path.
  std::string write(const std::string& relative, const std::string& text) const {
    const auto p = path_ / relative;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
  /// The whole file, or "" when it cannot be read.
  static std::string read(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  std::filesystem::path path_;
};

}  // namespace inflight::test
