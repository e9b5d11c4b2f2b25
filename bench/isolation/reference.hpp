#pragma once
// What each event produced at concurrency 1, where nothing can leak: the reference the check
// (check.hpp) holds every point's invocations to. It is made from one exec point run with one
// invocation in flight (the sweep runs it first, with the same events, duration and environment).
// Of the invocations that answered with a response:
// - per event, the lines under its id: for each shape, the count every invocation of that event
//   wrote; a shape whose count varied anywhere (a worker's first invocation, a periodic line) is
//   never checked;
// - per event, the response: exact when every invocation got the same one (ids masked), by shape
//   when only the shape held, else not compared;
// - whether the runtime's lines can be later than its answers (it writes after it answers, or
//   through a worker that forwards them): then no line is judged late.

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "isolation/ledger.hpp"
#include "isolation/log_scan.hpp"

namespace inflight::bench::isolation {

/// An event's reference.
struct event_reference {
  std::uint64_t invocations = 0;  // that answered with a response; under 2: the event is unchecked
  std::map<std::uint64_t, std::uint32_t> lines;  // shape -> lines of it per invocation
  enum class compare { none, exact, shape } response = compare::none;
  text_digest digest;   // the response's, when compared
  std::string example;  // its first 200 characters
};

/// The reference of one run at concurrency 1.
struct reference {
  std::vector<event_reference> events;  // by payload index
  std::set<std::uint64_t> unstable;     // shapes never checked
  bool late_rule = true;                // lines may be judged late
  std::uint64_t late_lines = 0;         // lines it found late itself (then late_rule is false)
  std::uint64_t invocations = 0;        // that answered with a response
  std::string failed;                   // why there is none (the point failed); empty: there is

  bool checks(std::uint32_t payload) const {
    return payload < events.size() && events[payload].invocations >= 2;
  }
};

/// The reference from one concurrency-1 point's ledger and log, for `events` payloads.
inline reference make_reference(const ledger& book, std::string_view log, std::size_t events,
                                bool tenants) {
  reference ref;
  ref.events.resize(std::max<std::size_t>(events, 1));
  const log_facts facts = scan_log(log, book, tenants);
  ref.late_lines = facts.late.lines;
  ref.late_rule = facts.late.lines == 0;

  // Per event, each answered invocation's count of each shape.
  std::vector<std::vector<std::map<std::uint64_t, std::uint32_t>>> counts(ref.events.size());
  for (std::uint64_t n = 1; n <= book.size(); ++n) {
    const entry& e = book.at(n);
    if (e.how != ending::response || e.payload >= ref.events.size()) continue;
    ++ref.invocations;
    std::map<std::uint64_t, std::uint32_t> c;
    for (std::uint64_t s : facts.shapes[n - 1]) ++c[s];
    counts[e.payload].push_back(std::move(c));
    event_reference& er = ref.events[e.payload];
    if (er.invocations++ == 0) {
      er.digest = e.response;
      er.response = event_reference::compare::exact;
      if (const auto* s = book.sample(e.payload, e.response.exact)) er.example = s->text;
    } else if (er.response == event_reference::compare::exact &&
               er.digest.exact != e.response.exact) {
      er.response = er.digest.shape == e.response.shape ? event_reference::compare::shape
                                                        : event_reference::compare::none;
    } else if (er.response == event_reference::compare::shape &&
               er.digest.shape != e.response.shape) {
      er.response = event_reference::compare::none;
    }
    if (e.foreign_in_response) er.response = event_reference::compare::none;
  }
  for (std::size_t p = 0; p < ref.events.size(); ++p) {
    std::set<std::uint64_t> seen;
    for (const auto& c : counts[p]) {
      for (const auto& [shape, k] : c) seen.insert(shape);
    }
    for (std::uint64_t shape : seen) {
      const auto count_in = [&](const std::map<std::uint64_t, std::uint32_t>& c) {
        const auto it = c.find(shape);
        return it == c.end() ? 0u : it->second;
      };
      const std::uint32_t k = count_in(counts[p].front());
      const bool steady = std::all_of(counts[p].begin(), counts[p].end(),
                                      [&](const auto& c) { return count_in(c) == k; });
      if (steady) {
        ref.events[p].lines[shape] = k;
      } else {
        ref.unstable.insert(shape);
      }
    }
    if (ref.events[p].invocations < 2) ref.events[p].response = event_reference::compare::none;
  }
  // A shape unsteady for one event is not checked for any.
  for (auto& er : ref.events) {
    for (auto it = er.lines.begin(); it != er.lines.end();) {
      it = ref.unstable.count(it->first) ? er.lines.erase(it) : std::next(it);
    }
  }
  return ref;
}

}  // namespace inflight::bench::isolation
