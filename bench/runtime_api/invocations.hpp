#pragma once
// The Runtime API server's invocation bookkeeping, apart from any socket: invocations available
// and not yet handed out, those handed out and not yet answered, their ids, their ends, and their
// timeouts. The server (server.hpp) moves them between the two as /next polls and POSTs arrive;
// everything here runs on the server's thread.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace inflight::bench::runtime_api {

using steady = std::chrono::steady_clock;

/// How an invocation ended.
enum class outcome { response, error, timeout };

/// One invocation that ended, as the load hears it.
struct finished {
  outcome how = outcome::response;
  bool counted = false;         // submitted as counted (inside the measured window)
  steady::time_point from;      // when it became available, or its scheduled arrival
  steady::time_point done;      // when its response or error arrived, or it timed out
  bool after_deadline = false;  // its response or error came after its deadline
  std::string error_type;       // outcome::error: the runtime's errorType
  std::uint64_t number = 0;     // the invocation's place in the book: 1, 2, ... (in its id)
  std::size_t payload = 0;      // index into the server's events
  std::size_t tenant = 0;       // its tenant's ordinal (tenant-N); 0: none
  std::string_view response;    // outcome::response: the body, valid during driver::ended only
};

/// One invocation while it lives.
struct invocation {
  std::string id;
  steady::time_point from, deadline;
  std::size_t payload = 0;  // index into the server's events
  bool counted = false;
  std::string tenant;        // Lambda-Runtime-Aws-Tenant-Id; empty: none (no tenant isolation)
  std::size_t tenant_n = 0;  // the N of tenant-N; 0: none
  std::uint64_t number = 0;  // 1, 2, ... in the order made; the id's last 15 hex digits
};

/// Invocations from submission to their end. Ids are UUID-shaped and unique within the process.
class invocation_book {
 public:
  /// Each invocation's deadline is its `from` plus `deadline`; timed out one second after it.
  explicit invocation_book(std::chrono::milliseconds deadline) : deadline_(deadline) {}

  /// A new invocation available from `from`, with payload index `payload`.
  invocation make(steady::time_point from, bool counted, std::size_t payload) {
    ++outstanding_;
    std::string id = next_id();
    return invocation{std::move(id), from, from + deadline_, payload, counted, {}, 0, id_counter_};
  }
  /// What every id of this book starts with: "%08x-%04x-4%03x-8" (20 characters), followed by
  /// the invocation's number in 3 + 12 hex digits ("xxx-xxxxxxxxxxxx").
  const std::string& id_prefix() const { return prefix_; }
  /// The id of invocation `number` in the book whose ids start with `prefix`.
  static std::string id_of(const std::string& prefix, std::uint64_t number) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%03x-%012llx", static_cast<unsigned>(number >> 48) & 0xfff,
                  static_cast<unsigned long long>(number & 0xffffffffffffull));
    return prefix + buf;
  }
  /// Keeps `inv` until a poll takes it.
  void park(invocation inv) { pending_.push_back(std::move(inv)); }
  /// The oldest parked invocation, if any.
  std::optional<invocation> take() {
    if (pending_.empty()) return std::nullopt;
    invocation inv = std::move(pending_.front());
    pending_.pop_front();
    return inv;
  }
  /// `inv` was handed to the runtime; its response or error ends it.
  const invocation& handed_out(invocation inv) {
    auto [it, added] = in_flight_.emplace(inv.id, std::move(inv));
    return it->second;
  }
  /// Whether `id` was handed out and has not ended.
  bool in_flight(const std::string& id) const { return in_flight_.count(id) != 0; }
  /// Whether `id` was handed out and timed out (the last 65536 such ids are known).
  bool timed_out(const std::string& id) const { return timed_out_.count(id) != 0; }
  /// Ends the handed-out invocation `id` at `now`; nullopt when it is unknown or ended already.
  std::optional<finished> end(const std::string& id, outcome how, std::string error_type,
                              steady::time_point now) {
    auto it = in_flight_.find(id);
    if (it == in_flight_.end()) return std::nullopt;
    finished f = ended(it->second, how, now);
    f.after_deadline = now > it->second.deadline;
    f.error_type = std::move(error_type);
    in_flight_.erase(it);
    return f;
  }
  /// Ends what is over its deadline by more than a second at `now`, handed out or not.
  std::vector<finished> expire(steady::time_point now) {
    const auto grace = std::chrono::seconds(1);
    std::vector<finished> out;
    for (auto it = in_flight_.begin(); it != in_flight_.end();) {
      if (now > it->second.deadline + grace) {
        out.push_back(ended(it->second, outcome::timeout, now));
        remember_timed_out(it->first);
        it = in_flight_.erase(it);
      } else {
        ++it;
      }
    }
    while (!pending_.empty() && now > pending_.front().deadline + grace) {
      out.push_back(ended(pending_.front(), outcome::timeout, now));
      pending_.pop_front();
    }
    return out;
  }

  /// Submitted and not yet ended (parked or handed out).
  std::size_t outstanding() const { return outstanding_; }
  std::size_t parked() const { return pending_.size(); }

 private:
  finished ended(const invocation& inv, outcome how, steady::time_point now) {
    --outstanding_;
    finished f;
    f.how = how;
    f.counted = inv.counted;
    f.from = inv.from;
    f.done = now;
    f.number = inv.number;
    f.payload = inv.payload;
    f.tenant = inv.tenant_n;
    f.after_deadline = how == outcome::timeout;
    return f;
  }

  void remember_timed_out(const std::string& id) {
    timed_out_.insert(id);
    timed_out_order_.push_back(id);
    if (timed_out_order_.size() > 65536) {
      timed_out_.erase(timed_out_order_.front());
      timed_out_order_.pop_front();
    }
  }

  // UUID-shaped, unique within the process: a per-book random half and a counter.
  std::string next_id() { return id_of(prefix_, ++id_counter_); }

  static std::string prefix_of(std::uint64_t base) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-8", static_cast<unsigned>(base >> 32),
                  static_cast<unsigned>(base >> 16) & 0xffff, static_cast<unsigned>(base) & 0xfff);
    return buf;
  }

  const std::chrono::milliseconds deadline_;
  std::deque<invocation> pending_;
  std::unordered_map<std::string, invocation> in_flight_;
  std::unordered_set<std::string> timed_out_;  // handed out, then timed out: 410 for them
  std::deque<std::string> timed_out_order_;
  std::size_t outstanding_ = 0;
  std::uint64_t id_counter_ = 0;
  const std::string prefix_ = prefix_of(static_cast<std::uint64_t>(
      std::chrono::steady_clock::now().time_since_epoch().count() * 0x9e3779b97f4a7c15ull));
};

}  // namespace inflight::bench::runtime_api
