#pragma once
// Result files that are whole at every moment. A snapshot goes to a temporary file beside the
// target and is renamed over it, so a crash, a second Ctrl-C, SIGTERM or SIGPIPE leaves the last
// complete snapshot, never a truncated file. A target that is not a regular file (/dev/stdout, a
// pipe, /dev/full) cannot be renamed over: it is written once, at the end.

#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <functional>
#include <iterator>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace inflight::bench {

/// One result file. Errors throw std::runtime_error with one line that names `flag` and the path.
class result_file {
 public:
  result_file(std::string flag, std::string path) : flag_(std::move(flag)), path_(std::move(path)) {
    struct stat st {};
    special_ = stat(path_.c_str(), &st) == 0 && !S_ISREG(st.st_mode);
    if (special_ && S_ISDIR(st.st_mode)) fail("is a directory");
  }

  /// Checks, before anything is measured, that the file can be written: a probe file beside a
  /// regular target, or opening a special one.
  void check() const {
    if (special_) {
      const int fd = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd < 0) fail(std::string("cannot open for writing: ") + std::strerror(errno));
      ::close(fd);
      return;
    }
    const std::string probe = temporary();
    const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) fail(std::string("cannot create a file there: ") + std::strerror(errno));
    ::close(fd);
    ::unlink(probe.c_str());
  }

  /// Replaces the file's content with `text` (regular files only; others wait for finish()).
  void snapshot(const std::string& text) const {
    if (!special_) replace(text);
  }

  /// The last write.
  void finish(const std::string& text) const {
    if (special_) {
      const int fd = ::open(path_.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
      if (fd < 0) fail(std::string("cannot open for writing: ") + std::strerror(errno));
      write_all(fd, text);
    } else {
      replace(text);
    }
  }

  const std::string& path() const { return path_; }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw std::runtime_error("--" + flag_ + "=" + path_ + ": " + why);
  }
  std::string temporary() const { return path_ + ".tmp-" + std::to_string(::getpid()); }

  void write_all(int fd, const std::string& text) const {
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const int err = n < 0 ? errno : EIO;
        ::close(fd);
        fail(std::string("write failed: ") + std::strerror(err));
      }
      done += static_cast<std::size_t>(n);
    }
    if (::close(fd) != 0) fail(std::string("write failed: ") + std::strerror(errno));
  }

  void replace(const std::string& text) const {
    const std::string tmp = temporary();
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) fail(std::string("cannot write: ") + std::strerror(errno));
    try {
      write_all(fd, text);
    } catch (...) {
      ::unlink(tmp.c_str());
      throw;
    }
    if (::rename(tmp.c_str(), path_.c_str()) != 0) {
      const int err = errno;
      ::unlink(tmp.c_str());
      fail(std::string("cannot replace: ") + std::strerror(err));
    }
  }

  std::string flag_, path_;
  bool special_ = false;
};

/// A Google Benchmark reporter that renders into memory with `inner` (JSON or console) and
/// keeps `file` whole after the context and after every run. A write error is kept in error()
/// and stops further writes; measuring goes on.
class file_reporter : public benchmark::BenchmarkReporter {
 public:
  file_reporter(std::unique_ptr<benchmark::BenchmarkReporter> inner, result_file file, bool json)
      : inner_(std::move(inner)), file_(std::move(file)), json_(json) {
    inner_->SetOutputStream(&text_);
    inner_->SetErrorStream(&errors_);
  }
  bool ReportContext(const Context& context) override {
    const bool ok = inner_->ReportContext(context);
    write(false);
    return ok;
  }
  void ReportRuns(const std::vector<Run>& runs) override {
    inner_->ReportRuns(runs);
    write(false);
  }
  void Finalize() override {
    inner_->Finalize();
    write(true);
  }
  const std::string& error() const { return error_; }

 private:
  void write(bool last) {
    if (!error_.empty()) return;
    try {
      // JSONReporter closes the benchmark list and the object only in Finalize().
      const std::string text = last || !json_ ? text_.str() : text_.str() + "\n  ]\n}\n";
      if (last) {
        file_.finish(text);
      } else {
        file_.snapshot(text);
      }
    } catch (const std::runtime_error& e) {
      error_ = e.what();
    }
  }

  std::unique_ptr<benchmark::BenchmarkReporter> inner_;
  result_file file_;
  bool json_;
  std::ostringstream text_, errors_;
  std::string error_;
};

/// Sends every report to two reporters: the display and, when there is one, the file. Counters
/// that `hide` (optional) names go to the file only.
class tee_reporter : public benchmark::BenchmarkReporter {
 public:
  tee_reporter(benchmark::BenchmarkReporter& display, benchmark::BenchmarkReporter* file,
               std::function<bool(const std::string&)> hide = {})
      : display_(display), file_(file), hide_(std::move(hide)) {}
  bool ReportContext(const Context& context) override {
    const bool ok = display_.ReportContext(context);
    return (file_ == nullptr || file_->ReportContext(context)) && ok;
  }
  void ReportRuns(const std::vector<Run>& runs) override {
    // JSON has no NaN: a counter Google Benchmark's aggregates make undefined (the CV of figures
    // that are all 0 over --benchmark_repetitions) is left out, as set_counters leaves out a
    // figure that could not be measured.
    std::vector<Run> finite = runs;
    for (auto& run : finite) {
      for (auto it = run.counters.begin(); it != run.counters.end();) {
        it = std::isfinite(it->second.value) ? std::next(it) : run.counters.erase(it);
      }
    }
    // The file first: if the display dies (SIGPIPE on `| head`), the point is already on disk.
    if (file_ != nullptr) file_->ReportRuns(finite);
    // The display leaves out the counters `hide_` names (the per-second ones): the file has them.
    if (hide_) {
      for (auto& run : finite) {
        for (auto it = run.counters.begin(); it != run.counters.end();) {
          it = hide_(it->first) ? run.counters.erase(it) : std::next(it);
        }
      }
    }
    display_.ReportRuns(finite);
  }
  void Finalize() override {
    display_.Finalize();
    if (file_ != nullptr) file_->Finalize();
  }

 private:
  benchmark::BenchmarkReporter& display_;
  benchmark::BenchmarkReporter* file_;
  std::function<bool(const std::string&)> hide_;
};

/// Google Benchmark's reporter for a --benchmark_format or --benchmark_out_format value: json or
/// console.
inline std::unique_ptr<benchmark::BenchmarkReporter> make_reporter(const std::string& format,
                                                                   bool color, bool tabular) {
  if (format == "json") return std::make_unique<benchmark::JSONReporter>();
  int options = benchmark::ConsoleReporter::OO_None;
  if (color) options |= benchmark::ConsoleReporter::OO_Color;
  if (tabular) options |= benchmark::ConsoleReporter::OO_Tabular;
  return std::make_unique<benchmark::ConsoleReporter>(
      static_cast<benchmark::ConsoleReporter::OutputOptions>(options));
}

}  // namespace inflight::bench
