#pragma once
// What the isolation check needs of every invocation of one exec point, written on the Runtime
// API server's thread as each one ends (exec/exec_driver.hpp): its event, how and when it ended,
// its tenant, and its response's digests with the ids masked, never the response itself (a few
// per event are kept as examples). It is read after the point, by check.hpp and reference.hpp.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "isolation/shape.hpp"
#include "runtime_api/invocations.hpp"

namespace inflight::bench::isolation {

/// How an invocation ended; none: it had not when the point ended.
enum class ending : std::uint8_t { none, response, error, timeout };

/// One invocation, by its number.
struct entry {
  ending how = ending::none;
  bool counted = false;              // in the measured window
  bool foreign_in_response = false;  // its response holds another invocation's id
  std::uint32_t payload = 0;         // its event, an index into the events
  std::uint32_t tenant = 0;          // tenant-N's N; 0: none
  std::int64_t ended_ms = no_time;   // the system clock when it ended, in ms
  text_digest response;              // with its ids masked; zero without a response
};

/// A response kept as an example: its event, its exact digest, its first 200 characters.
struct response_sample {
  std::uint32_t payload = 0;
  std::uint64_t exact = 0;
  std::string text;
};

/// Every invocation of one server, by number (1, 2, ...).
class ledger {
 public:
  /// For the server whose ids start with `id_prefix`.
  explicit ledger(std::string id_prefix) : ids_(std::move(id_prefix)) {}

  /// Server thread: `f` ended.
  void ended(const runtime_api::finished& f);

  const id_finder& ids() const { return ids_; }
  /// The entry of invocation `number`; an empty one (ending::none) for one never ended.
  const entry& at(std::uint64_t number) const {
    static const entry none;
    return number >= 1 && number <= entries_.size() ? entries_[number - 1] : none;
  }
  std::uint64_t size() const { return entries_.size(); }
  /// Invocations past the ledger's bound (max_entries), not recorded.
  std::uint64_t unrecorded() const { return unrecorded_; }
  /// The ledger's bound: about 160 MB of entries, some 80 s at 50 000 invocations/s.
  static constexpr std::uint64_t max_entries = std::uint64_t(1) << 22;
  /// The kept response with `exact` digest for `payload`, or nullptr.
  const response_sample* sample(std::uint32_t payload, std::uint64_t exact) const {
    for (const auto& s : samples_) {
      if (s.payload == payload && s.exact == exact) return &s;
    }
    return nullptr;
  }

 private:
  static constexpr std::size_t samples_per_event = 4, max_samples = 256;

  id_finder ids_;
  std::vector<entry> entries_;
  std::vector<response_sample> samples_;
  std::uint64_t unrecorded_ = 0;
};

inline void ledger::ended(const runtime_api::finished& f) {
  if (f.number == 0) return;
  if (f.number > max_entries) {
    ++unrecorded_;
    return;
  }
  if (entries_.size() < f.number) entries_.resize(f.number);
  entry& e = entries_[f.number - 1];
  e.how = f.how == runtime_api::outcome::response ? ending::response
          : f.how == runtime_api::outcome::error  ? ending::error
                                                  : ending::timeout;
  e.counted = f.counted;
  e.payload = static_cast<std::uint32_t>(f.payload);
  e.tenant = static_cast<std::uint32_t>(f.tenant);
  e.ended_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
  if (e.how != ending::response) return;
  e.response = digest(f.response, ids_, [&](const id_match& m) {
    if (m.number != f.number) e.foreign_in_response = true;
  });
  if (samples_.size() < max_samples && sample(e.payload, e.response.exact) == nullptr) {
    std::size_t of_event = 0;
    for (const auto& s : samples_) of_event += s.payload == e.payload;
    if (of_event < samples_per_event) {
      samples_.push_back({e.payload, e.response.exact, std::string(f.response.substr(0, 200))});
    }
  }
}

}  // namespace inflight::bench::isolation
