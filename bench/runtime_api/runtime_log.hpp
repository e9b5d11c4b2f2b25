#pragma once
// The runtime's stdout and stderr during one exec point. The runtime writes a pipe (as on Lambda,
// where they are pipes); a thread of the sweep empties it into a file. By default that file is in
// $TMPDIR and unlinked as soon as it is made (mkstemp, so no planted name or link is ever
// opened), so nothing is left behind however the sweep ends; with a path (--log_dir) it is kept
// there. What is kept is bounded; past the bound the output is read and counted but dropped, so
// the runtime never blocks on it, and a kept file ends with a line that says so.

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

namespace inflight::bench::runtime_api {

class runtime_log {
 public:
  /// Keeps up to `max_bytes` (default 64 MiB) in `keep_at` (replaced if it is a file, never
  /// followed if it is a link), or with no path in an unlinked file. Throws std::runtime_error
  /// when the pipe or the file cannot be made (the reason is the system's).
  explicit runtime_log(std::size_t max_bytes = std::size_t(64) << 20, std::string keep_at = {})
      : max_bytes_(max_bytes), path_(std::move(keep_at)) {
    if (!path_.empty()) {
      file_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (file_ < 0) fail("cannot create the runtime's log " + path_);
    } else {
      const char* tmp = std::getenv("TMPDIR");
      std::string name = std::string(tmp && *tmp ? tmp : "/tmp") + "/inflight-exec-XXXXXX";
      file_ = ::mkostemp(name.data(), O_CLOEXEC);
      if (file_ < 0) fail("cannot create the runtime's log in " + name.substr(0, name.rfind('/')));
      ::unlink(name.c_str());
    }
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) {
      ::close(file_);
      fail("cannot create a pipe for the runtime's output");
    }
    read_ = p[0];
    write_ = p[1];
    pump_ = std::thread([this] { pump(); });
  }
  ~runtime_log() {
    stop_.store(true);
    pump_.join();
    if (!path_.empty() && dropped_.load() != 0) {  // a kept file says where it was cut
      const std::string note = "\n[inflight: this log kept the first " +
                               std::to_string(max_bytes_ >> 20) + " MiB of the runtime's output; " +
                               std::to_string(dropped_.load()) +
                               " bytes after them were dropped]\n";
      [[maybe_unused]] const ssize_t w =
          ::pwrite(file_, note.data(), note.size(), static_cast<off_t>(kept_.load()));
    }
    for (int fd : {read_, write_, file_}) {
      if (fd >= 0) ::close(fd);
    }
  }
  runtime_log(const runtime_log&) = delete;
  runtime_log& operator=(const runtime_log&) = delete;

  /// The pipe's write end, for the runtime's stdout and stderr.
  int write_end() const { return write_; }
  /// Closes this process's copy of the write end (the runtime holds its own).
  void close_write_end() {
    if (write_ >= 0) ::close(write_);
    write_ = -1;
  }
  /// Where the output is kept; empty when it is in an unlinked file.
  const std::string& path() const { return path_; }
  /// Bytes kept, and bytes the runtime wrote past the bound.
  std::size_t kept() const { return kept_.load(); }
  std::size_t dropped() const { return dropped_.load(); }

  /// Everything kept, read back from the file (up to the bound, 64 MiB by default).
  std::string text() const {
    std::string out(kept_.load(), '\0');
    const ssize_t got = ::pread(file_, out.data(), out.size(), 0);
    out.resize(static_cast<std::size_t>(std::max<ssize_t>(got, 0)));
    return out;
  }
  /// When the bound was reached (system clock, ms since the epoch); 0 while it has not been.
  std::int64_t cut_ms() const { return cut_ms_.load(); }

  /// Waits (up to 500 ms) until what the runtime wrote so far has been taken from the pipe.
  void catch_up() const {
    for (int i = 0; i < 250; ++i) {
      pollfd p{read_, POLLIN, 0};
      if (::poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN)) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }

  /// The last `n` non-empty lines kept (from the last 64 KiB), each cut at 300 characters,
  /// joined with " | "; with a note when output was dropped.
  std::string last_lines(std::size_t n) const {
    const std::size_t size = kept_.load();
    const std::size_t from = size > 65536 ? size - 65536 : 0;
    std::string text(size - from, '\0');
    const ssize_t got = ::pread(file_, text.data(), text.size(), static_cast<off_t>(from));
    text.resize(static_cast<std::size_t>(std::max<ssize_t>(got, 0)));
    std::deque<std::string> lines;
    for (std::size_t start = 0; start < text.size();) {
      auto end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      std::string line = text.substr(start, end - start);
      start = end + 1;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;
      lines.push_back(line.size() > 300 ? line.substr(0, 300) + "..." : line);
      if (lines.size() > n) lines.pop_front();
    }
    std::string out;
    for (const auto& l : lines) out += (out.empty() ? "" : " | ") + l;
    if (dropped_.load() != 0) {
      out += (out.empty() ? "" : " | ") + std::string("(the log kept its first ") +
             std::to_string(max_bytes_ >> 20) + " MiB; " + std::to_string(dropped_.load()) +
             " bytes after them were dropped)";
    }
    return out;
  }

 private:
  [[noreturn]] static void fail(const std::string& what) {
    throw std::runtime_error(what + ": " + std::strerror(errno));
  }

  // Until the destructor: what arrives is written to the file up to the bound, then counted.
  void pump() {
    char buf[65536];
    while (!stop_.load()) {
      pollfd p{read_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const ssize_t n = ::read(read_, buf, sizeof buf);
      if (n <= 0) {
        if (n < 0 && errno == EINTR) continue;
        if (n == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));  // no writer
        continue;
      }
      const std::size_t have = kept_.load();
      const std::size_t room = std::min(static_cast<std::size_t>(n), max_bytes_ - have);
      const ssize_t w = room == 0 ? 0 : ::pwrite(file_, buf, room, static_cast<off_t>(have));
      const std::size_t wrote = static_cast<std::size_t>(std::max<ssize_t>(w, 0));
      kept_.store(have + wrote);
      if (static_cast<std::size_t>(n) != wrote && cut_ms_.load() == 0) {
        cut_ms_.store(std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count());
      }
      dropped_.fetch_add(static_cast<std::size_t>(n) - wrote);
    }
  }

  const std::size_t max_bytes_;
  const std::string path_;
  int file_ = -1, read_ = -1, write_ = -1;
  std::atomic<std::size_t> kept_{0}, dropped_{0};
  std::atomic<std::int64_t> cut_ms_{0};
  std::atomic<bool> stop_{false};
  std::thread pump_;
};

}  // namespace inflight::bench::runtime_api
