#pragma once
// The python model: one process per slot (fork), each handling one invocation at a time. The
// children report latencies through pipes and counts through shared memory, die with the sweep
// (PR_SET_PDEATHSIG), and are killed and reaped if the model cannot start them all.

#include <fcntl.h>  // pipe2, O_CLOEXEC
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>  // PR_SET_PDEATHSIG
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "inflight/cpu_work.hpp"  // thread_cpu_time
#include "point/open_loop.hpp"
#include "point/runner.hpp"
#include "support/affinity.hpp"

namespace inflight::bench::detail {

// python: one process per slot. slot_limiter is not process-shared, so the open loop admits with
// a counter in shared memory, and arrivals travel through one pipe that every child reads.
struct shared_process_state {
  std::atomic<std::uint64_t> in_use{0};
  struct child {
    std::atomic<std::uint64_t> failed{0};
    std::atomic<std::int64_t> cpu_ns{0};
  } children[1];  // sized at mmap time
};

inline void write_all(int fd, const void* data, std::size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n != 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w <= 0) return;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

// What the python model holds while it starts: on any failure (fork or pipe refused, say by
// `ulimit -u`) it kills and reaps the children already started, closes the pipes and unmaps.
struct process_model_resources {
  void* mem = MAP_FAILED;
  std::size_t bytes = 0;
  int work[2] = {-1, -1};
  std::vector<int> results;
  std::vector<pid_t> children;  // not yet reaped

  ~process_model_resources() {
    for (pid_t pid : children) ::kill(pid, SIGKILL);
    for (pid_t pid : children) ::waitpid(pid, nullptr, 0);
    for (int fd : results) ::close(fd);
    for (int fd : work) {
      if (fd >= 0) ::close(fd);
    }
    if (mem != MAP_FAILED) ::munmap(mem, bytes);
  }
  [[noreturn]] static void fail(const std::string& what) {
    throw std::runtime_error("python model: " + what + ": " + std::strerror(errno));
  }
};

class process_model final : public subject {
 public:
  ~process_model() override { end_children(true); }

  // Latencies come up the pipes to one reader: it writes r.latency itself, no shard is used.
  std::size_t shards(const point_spec&) const override { return 1; }
  void start(point_context& ctx, point_result& r) override;
  double occupancy() const override { return static_cast<double>(shared_->in_use.load()); }
  void stop(point_result& r) override {
    end_children(false);
    // Children measured their own CPU inside the window (from their first completion in it).
    double sum = 0;
    for (std::size_t i = 0; i < n_; ++i) {
      sum += static_cast<double>(shared_->children[i].cpu_ns.load());
    }
    r.children_cpu_seconds = sum / 1e9;
    r.completed = r.latency.count();
    for (std::size_t i = 0; i < n_; ++i) r.failed += shared_->children[i].failed.load();
  }

 private:
  void run_child(point_context& ctx, std::size_t i, const int (&out)[2], pid_t parent);
  void read_latencies(latency_histogram& h, second_latencies& seconds);
  // An open loop's result word: the latency in its low 42 bits (all ones: a failure), the second
  // of the window it arrived in above them.
  static constexpr int latency_bits = 42;
  static constexpr std::uint64_t latency_mask = (std::uint64_t{1} << latency_bits) - 1;
  // Ends the arrivals (the children read to the end of the work pipe and exit), or with `kill`
  // kills the children, then reaps them and joins the reader; idempotent.
  void end_children(bool kill) {
    if (generator_.joinable()) generator_.join();
    if (res_.work[1] >= 0) {
      ::close(res_.work[1]);
      res_.work[1] = -1;
    }
    if (kill) {
      for (pid_t pid : res_.children) ::kill(pid, SIGKILL);
    }
    for (pid_t pid : res_.children) ::waitpid(pid, nullptr, 0);
    res_.children.clear();
    if (reader_.joinable()) {
      reader_.join();
      res_.results.clear();  // the reader closed them
    }
  }

  process_model_resources res_;
  shared_process_state* shared_ = nullptr;
  std::size_t n_ = 0;
  bool open_ = false;
  std::thread reader_, generator_;
};

inline void process_model::start(point_context& ctx, point_result& r) {
  n_ = ctx.spec.in_flight();
  const std::size_t n = n_;
  res_.bytes = sizeof(shared_process_state) + n * sizeof(shared_process_state::child);
  res_.mem = mmap(nullptr, res_.bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (res_.mem == MAP_FAILED) res_.fail("cannot map shared memory");
  shared_ = new (res_.mem) shared_process_state;
  for (std::size_t i = 0; i < n; ++i) new (&shared_->children[i]) shared_process_state::child;
  open_ = ctx.spec.mode == loop_mode::open;
  if (open_ && pipe2(res_.work, O_CLOEXEC) != 0) res_.fail("cannot create a pipe");
  const pid_t parent = ::getpid();
  for (std::size_t i = 0; i < n; ++i) {
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) {
      res_.fail("cannot create a pipe for process " + std::to_string(i + 1) + " of " +
                std::to_string(n));
    }
    const pid_t pid = fork();
    if (pid < 0) {
      const int err = errno;
      ::close(out[0]);
      ::close(out[1]);
      errno = err;
      res_.fail("cannot start process " + std::to_string(i + 1) + " of " + std::to_string(n));
    }
    if (pid == 0) run_child(ctx, i, out, parent);  // never returns
    ::close(out[1]);
    res_.results.push_back(out[0]);
    res_.children.push_back(pid);
  }
  if (open_) {
    ::close(res_.work[0]);
    res_.work[0] = -1;
  }
  r.processes = n;
  r.threads = n;
  // Read latencies while the children run, so no child blocks on a full pipe.
  reader_ = std::thread([this, &h = r.latency, &s = ctx.seconds()] { read_latencies(h, s); });
  if (!open_) return;
  const int work = res_.work[1];
  try {
    generator_ = std::thread([this, &ctx, &r, work] {
      generate_arrivals(ctx, r, [this, work](steady::time_point due, bool counted) {
        std::uint64_t used = shared_->in_use.load();
        do {
          if (used >= n_) return false;
        } while (!shared_->in_use.compare_exchange_weak(used, used + 1));
        const std::int64_t msg[2] = {due.time_since_epoch().count(), counted ? 1 : 0};
        write_all(work, msg, sizeof(msg));
        return true;
      });
    });
  } catch (const std::system_error& e) {
    end_children(false);
    throw std::runtime_error(std::string("python model: cannot start the arrival generator: ") +
                             e.what());
  }
}

// The child: one invocation at a time; latencies go up the pipe `out`, counts into shared
// memory.
inline void process_model::run_child(point_context& ctx, std::size_t i, const int (&pipe)[2],
                                     pid_t parent) {
  // No child may outlive the sweep: the kernel kills it when the sweep dies, whatever kills the
  // sweep (a second Ctrl-C, SIGKILL, a crash). Checked after the call, in case the parent died
  // before it.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) _exit(1);
  // Ctrl-C and SIGTERM are for the parent, which ends the point in order.
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  ::close(pipe[0]);
  const int out = pipe[1];
  if (open_) ::close(res_.work[1]);
  pin_current_thread(ctx.spec.cpus);
  shared_process_state* shared = shared_;
  slot_state& s = ctx.slot(i);
  std::vector<std::uint64_t> batch;
  auto cpu_at_start = std::chrono::nanoseconds(-1);
  auto note_window = [&](steady::time_point t) {
    if (cpu_at_start.count() < 0 && t >= ctx.window_start) cpu_at_start = thread_cpu_time();
  };
  auto send = [&](std::uint64_t ns) {
    batch.push_back(ns);
    if (batch.size() == 512) {
      write_all(out, batch.data(), batch.size() * sizeof(std::uint64_t));
      batch.clear();
    }
  };
  // A counted invocation sends its latency from `from`, or counts a failure; in the open loop the
  // word's top bits carry the second it arrived in, and a failure is sent too (as latency_bits).
  auto record = [&](bool ok, steady::time_point from, steady::time_point done) {
    const std::uint64_t second =
        open_ ? std::uint64_t{second_index(from, ctx.window_start)} << latency_bits : 0;
    if (ok) {
      send(second | std::min<std::uint64_t>(ns_between(from, done), latency_mask - 1));
    } else {
      shared->children[i].failed.fetch_add(1);
      if (open_) send(second | latency_mask);
    }
  };
  if (!open_) {
    for (auto t = steady::now(); t < ctx.window_end; t = steady::now()) {
      note_window(t);
      const bool ok = ctx.handled(s);
      const auto done = steady::now();
      if (ctx.in_window(done)) record(ok, t, done);
    }
  } else {
    std::int64_t msg[2];
    while (::read(res_.work[0], msg, sizeof(msg)) == static_cast<ssize_t>(sizeof(msg))) {
      const bool ok = ctx.handled(s);
      const auto done = steady::now();
      note_window(done);
      if (msg[1] != 0) record(ok, steady::time_point(steady::duration(msg[0])), done);
      shared->in_use.fetch_sub(1);
    }
  }
  if (cpu_at_start.count() >= 0) {
    shared->children[i].cpu_ns.store((thread_cpu_time() - cpu_at_start).count());
  }
  write_all(out, batch.data(), batch.size() * sizeof(std::uint64_t));
  _exit(0);
}

// Reads every child's latencies into `h` (and an open loop's into `seconds` too) until each pipe
// ends, closing each as it does.
inline void process_model::read_latencies(latency_histogram& h, second_latencies& seconds) {
  std::vector<pollfd> fds;
  for (int fd : res_.results) fds.push_back(pollfd{fd, POLLIN, 0});
  std::size_t open_fds = fds.size();
  std::vector<std::uint64_t> buf(4096);
  std::vector<std::vector<char>> rest(fds.size());
  while (open_fds != 0) {
    if (poll(fds.data(), fds.size(), 100) <= 0) continue;
    for (std::size_t k = 0; k < fds.size(); ++k) {
      if (fds[k].fd < 0 || (fds[k].revents & (POLLIN | POLLHUP)) == 0) continue;
      char* raw = reinterpret_cast<char*>(buf.data());
      std::size_t have = rest[k].size();
      std::copy(rest[k].begin(), rest[k].end(), raw);
      const ssize_t got = ::read(fds[k].fd, raw + have, buf.size() * 8 - have);
      if (got <= 0) {
        ::close(fds[k].fd);
        fds[k].fd = -1;
        --open_fds;
        continue;
      }
      have += static_cast<std::size_t>(got);
      const std::size_t whole = have / 8;
      for (std::size_t j = 0; j < whole; ++j) {
        std::uint64_t v;
        std::memcpy(&v, raw + j * 8, 8);
        if (!open_) {
          h.record(v);
          continue;
        }
        const std::uint64_t ns = v & latency_mask;
        const auto second = static_cast<std::uint32_t>(v >> latency_bits);
        if (ns == latency_mask) {
          seconds.failed(second);
        } else {
          h.record(ns);
          seconds.record(&ns, &second, 1);
        }
      }
      rest[k].assign(raw + whole * 8, raw + have);
    }
  }
}

}  // namespace inflight::bench::detail
