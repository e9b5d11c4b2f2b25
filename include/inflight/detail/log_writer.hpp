#pragma once
// A line sink that never blocks the thread that writes: lines go into a bounded queue, and a
// writer thread of its own, started with the first line, empties it into a descriptor. On Lambda
// stdout and stderr are pipes; a slow reader would otherwise stall every slot of the worker that
// logged. A line that finds the queue full is dropped and counted, and the writer says how many
// before the next line it writes.

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>

namespace inflight::detail {

class log_writer {
 public:
  // Writes to `fd` (not owned), keeping at most `max_lines` waiting.
  explicit log_writer(int fd = 2, std::size_t max_lines = 1024)
      : state_(std::make_shared<state>(fd, max_lines)) {}
  // Waits up to `drain` for the queued lines to be written; a writer still blocked then is left to
  // finish on its own (it shares nothing with this object but its queue).
  ~log_writer() { close(std::chrono::seconds(1)); }
  log_writer(const log_writer&) = delete;
  log_writer& operator=(const log_writer&) = delete;

  // Queues `line` and a newline; drops it (counted) when the queue is full. Never blocks on IO,
  // but when no thread can be started for the writer: then the line is written at once.
  void write(std::string_view line);

  // Lines dropped so far.
  std::size_t dropped() const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return state_->dropped_total;
  }

  // Stops taking lines and waits up to `drain` for the queue to empty.
  void close(std::chrono::milliseconds drain);

 private:
  struct state {
    state(int f, std::size_t m) : fd(f), max_lines(m) {}
    const int fd;
    const std::size_t max_lines;
    mutable std::mutex mutex;
    std::condition_variable wake, drained;
    std::deque<std::string> lines;
    std::size_t dropped = 0, dropped_total = 0;
    bool closed = false, running = false, writing = false;
  };
  static void run(const std::shared_ptr<state>& s);
  static void write_all(int fd, const std::string& text) noexcept;

  std::shared_ptr<state> state_;
};

inline void log_writer::write(std::string_view line) {
  std::string text;
  text.reserve(line.size() + 1);
  text.append(line).push_back('\n');
  std::unique_lock<std::mutex> lock(state_->mutex);
  if (state_->closed) return;
  if (state_->lines.size() >= state_->max_lines) {
    ++state_->dropped;
    ++state_->dropped_total;
    return;
  }
  if (!state_->running) {
    // The thread owns a share of the state, so it may outlive this object.
    try {
      std::thread([s = state_] { run(s); }).detach();
    } catch (const std::system_error&) {  // no thread to be had: this line is written here
      lock.unlock();
      write_all(state_->fd, text);
      return;
    }
    state_->running = true;
  }
  state_->lines.push_back(std::move(text));
  state_->wake.notify_one();
}

inline void log_writer::close(std::chrono::milliseconds drain) {
  std::unique_lock<std::mutex> lock(state_->mutex);
  state_->closed = true;
  state_->wake.notify_one();
  state_->drained.wait_for(lock, drain, [this] {
    return !state_->running || (state_->lines.empty() && !state_->writing);
  });
}

inline void log_writer::run(const std::shared_ptr<state>& s) {
  std::unique_lock<std::mutex> lock(s->mutex);
  for (;;) {
    s->wake.wait(lock, [&] { return !s->lines.empty() || s->closed; });
    if (s->lines.empty()) break;  // closed and written out
    std::deque<std::string> batch;
    batch.swap(s->lines);
    const std::size_t dropped = s->dropped;
    s->dropped = 0;
    s->writing = true;
    lock.unlock();
    if (dropped != 0) {
      write_all(s->fd, "inflight::lambda: " + std::to_string(dropped) +
                           " log lines dropped: the log's reader was too slow\n");
    }
    for (const auto& line : batch) write_all(s->fd, line);
    lock.lock();
    s->writing = false;
    if (s->lines.empty()) s->drained.notify_all();
  }
  s->running = false;
  s->drained.notify_all();
}

inline void log_writer::write_all(int fd, const std::string& text) noexcept {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return;  // nowhere left to say it
    }
  }
}

}  // namespace inflight::detail
