// The runtime's stderr writer: lines come out whole and in order; a reader that stops never
// blocks the writing thread (lines are dropped, counted, and the count is written once the
// reader is back); closing waits for what is queued.
#include "inflight/detail/log_writer.hpp"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

namespace {

using namespace std::chrono_literals;
using inflight::detail::log_writer;
using ::testing::HasSubstr;
using ::testing::StartsWith;

struct pipe_pair {
  int r = -1, w = -1;
  pipe_pair() {
    int p[2];
    EXPECT_EQ(::pipe2(p, O_CLOEXEC), 0);
    r = p[0];
    w = p[1];
  }
  ~pipe_pair() {
    ::close(r);
    ::close(w);
  }
  // Everything readable within `wait`.
  std::string drain(std::chrono::milliseconds wait = 5s) {
    ::fcntl(r, F_SETFL, O_NONBLOCK);
    std::string out;
    const auto until = std::chrono::steady_clock::now() + wait;
    char buf[65536];
    for (;;) {
      const ssize_t n = ::read(r, buf, sizeof buf);
      if (n > 0) {
        out.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (std::chrono::steady_clock::now() > until) return out;
      std::this_thread::sleep_for(5ms);
    }
  }
};

TEST(LogWriter, WritesLinesWholeAndInOrder) {
  pipe_pair p;
  {
    log_writer w(p.w);
    for (int i = 0; i < 100; ++i) w.write("line " + std::to_string(i));
  }  // closing waits for the queue
  const std::string out = p.drain(200ms);
  std::string want;
  for (int i = 0; i < 100; ++i) want += "line " + std::to_string(i) + "\n";
  EXPECT_EQ(out, want);
}

TEST(LogWriter, AReaderThatStopsNeverBlocksTheWriterAndDropsAreCounted) {
  pipe_pair p;
  ::fcntl(p.w, F_SETPIPE_SZ, 4096);
  log_writer w(p.w, 16);
  const std::string line(1000, 'x');
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 1000; ++i) w.write(line);  // 1 MB into a 4 KiB pipe nobody reads
  // Returning at all is the point (a blocking write would hang here for ever); the bound is wide.
  EXPECT_LT(std::chrono::steady_clock::now() - start, 30s);
  EXPECT_GT(w.dropped(), 900u);
  std::string out = p.drain(300ms);  // the reader is back
  w.write("after");
  out += p.drain(300ms);
  EXPECT_THAT(out, HasSubstr(" log lines dropped: the log's reader was too slow\n"));
  EXPECT_THAT(out.substr(out.size() - 6), StartsWith("after\n"));
}

TEST(LogWriter, ClosingGivesUpOnAReaderThatNeverComesBack) {
  pipe_pair p;
  ::fcntl(p.w, F_SETPIPE_SZ, 4096);
  {
    log_writer w(p.w, 4);
    for (int i = 0; i < 8; ++i) w.write(std::string(4096, 'y'));
  }  // returns after its drain wait, the writer thread still blocked in write()
  EXPECT_GT(p.drain(100ms).size(), 0u);  // which the read above lets finish
}

}  // namespace
