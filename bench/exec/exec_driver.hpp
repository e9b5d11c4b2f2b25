#pragma once
// An exec point's load on the Runtime API server's thread: a closed loop keeps C invocations
// outstanding, an open loop offers arrivals on the point's schedule (point/arrival_schedule.hpp)
// and throttles those beyond C (LMI's 429). It hears each invocation end and counts it.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "isolation/ledger.hpp"
#include "point/arrival_schedule.hpp"
#include "point/context.hpp"
#include "runtime_api/server.hpp"

namespace inflight::bench::detail {

class exec_driver final : public runtime_api::driver {
 public:
  exec_driver(point_context& ctx, point_result& r) : ctx_(ctx), r_(r), c_(ctx.spec.in_flight()) {}

  // Server thread: the runtime's first poll ends its init.
  void polled(runtime_api::server&, steady::time_point t) override {
    if (!ready_.load(std::memory_order_relaxed)) {
      first_poll_ = t;
      ready_.store(true, std::memory_order_release);
    }
  }
  void init_error(runtime_api::server&, const std::string& type) override {
    std::lock_guard<std::mutex> lock(mutex_);
    init_error_ = type.empty() ? "Unknown" : type;
    init_failed_.store(true);
  }

  // Server thread, once the window's clock is set: C invocations, or the first arrival; with
  // `check`, every invocation's end goes into ledger() for the isolation check.
  void begin(runtime_api::server& s, bool check) {
    if (check) ledger_.emplace(s.id_prefix());
    const auto now = steady::now();
    if (ctx_.spec.mode == loop_mode::closed) {
      for (std::size_t i = 0; i < c_; ++i) submit(s, now);
    } else {
      schedule_.emplace(ctx_.spec, ctx_.start, ctx_.window_end);
      due_ = schedule_->next();
      s.wake_at(due_);
    }
  }

  void woke(runtime_api::server& s, steady::time_point now) override {
    while (due_ <= now && due_ < ctx_.window_end) {
      const bool counted = ctx_.in_window(due_);
      if (counted) {
        ++r_.arrivals;
        r_.arrival_lag.record(ns_between(due_, now));
      }
      const bool throttled = s.outstanding() >= c_;
      if (throttled) {
        if (counted) ++r_.throttled;
      } else {
        submit(s, due_);
      }
      if (counted) count_arrival(r_.seconds, second_index(due_, ctx_.window_start), throttled);
      due_ = schedule_->next();
    }
    if (due_ < ctx_.window_end) s.wake_at(due_);
    occupancy_.store(s.outstanding(), std::memory_order_relaxed);
  }

  void ended(runtime_api::server& s, const runtime_api::finished& f) override {
    if (ledger_) ledger_->ended(f);
    if (f.counted) {
      const bool ok = f.how == runtime_api::outcome::response;
      ctx_.record(0, ok, f.from, f.done);
      if (f.after_deadline && f.how != runtime_api::outcome::timeout) ++r_.deadline_overruns;
      if (f.how == runtime_api::outcome::error) {
        ++r_.errors;
        // A runtime may make up a new type per error: the first 16 are kept, the rest counted
        // together, so the table and the JSON stay bounded.
        const bool known = r_.error_types.count(f.error_type) != 0;
        ++r_.error_types[known || r_.error_types.size() < max_error_types ? f.error_type
                                                                          : "others"];
      }
      if (f.how == runtime_api::outcome::timeout) ++r_.timeouts;
      counted_left_.fetch_sub(1, std::memory_order_relaxed);
    }
    const auto now = steady::now();
    if (ctx_.spec.mode == loop_mode::closed && now < ctx_.window_end) submit(s, now);
    occupancy_.store(s.outstanding(), std::memory_order_relaxed);
  }

  bool ready() const { return ready_.load(std::memory_order_acquire); }
  bool init_failed() const { return init_failed_.load(); }
  std::string init_error_type() {
    std::lock_guard<std::mutex> lock(mutex_);
    return init_error_;
  }
  steady::time_point first_poll() const { return first_poll_; }
  std::size_t occupancy() const { return occupancy_.load(std::memory_order_relaxed); }
  // Counted invocations not yet ended; meaningful once the window is over.
  std::int64_t counted_left() const { return counted_left_.load(std::memory_order_relaxed); }
  pid_t server_tid() const { return tid_.load(); }
  // The isolation check's ledger; read once the server has stopped. Null without the check.
  const isolation::ledger* ledger() const { return ledger_ ? &*ledger_ : nullptr; }
  void set_server_tid(pid_t t) { tid_.store(t); }

 private:
  void submit(runtime_api::server& s, steady::time_point from) {
    const bool counted = ctx_.in_window(from);
    if (counted) {
      ++r_.issued;
      counted_left_.fetch_add(1, std::memory_order_relaxed);
    }
    s.submit(from, counted);
  }

  static constexpr std::size_t max_error_types = 16;

  point_context& ctx_;
  point_result& r_;
  const std::size_t c_;
  std::atomic<bool> ready_{false}, init_failed_{false};
  std::mutex mutex_;
  std::string init_error_;
  steady::time_point first_poll_;
  std::optional<arrival_schedule> schedule_;
  std::optional<isolation::ledger> ledger_;
  steady::time_point due_;
  std::atomic<std::size_t> occupancy_{0};
  std::atomic<std::int64_t> counted_left_{0};
  std::atomic<pid_t> tid_{0};
};

}  // namespace inflight::bench::detail
