#pragma once
// The isolation check of one exec point: do concurrent invocations stay apart? It reads only what
// any function leaves (the runtime's output, each response, and the ids inflight issued), after
// the point, so it changes nothing the point measured. It finds
// - a line that carries the ids of two invocations, or a tenant that is not its invocation's;
// - a line that carries the id of an invocation that had ended when the line says it was written
//   (its JSON "timestamp"), unless the runtime did that at concurrency 1 too;
// - an invocation whose lines differ in number or shape from the same event's at concurrency 1
//   (reference.hpp): a library that wrote another invocation's id on them;
// - a response unlike the same event's at concurrency 1, or that holds another invocation's id
//   (a function that builds its response from module state);
// - an invocation never answered (an agent that hung it), as the timeouts count it.
// Each is a count and its first example; `leaks` counts the invocations any of them names.

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "isolation/findings.hpp"
#include "isolation/ledger.hpp"
#include "isolation/log_scan.hpp"
#include "isolation/reference.hpp"

namespace inflight::bench::isolation {

/// The findings of one point from its ledger and its runtime's output `log`, held to `ref` (null:
/// none could be made, and only the rules that need none run). `tenants`: tenant ids were handed
/// out. `cut_ms`: when the log reached its bound (system clock, ms), or no_time.
inline findings check(const ledger& book, std::string_view log, const reference* ref, bool tenants,
                      std::int64_t cut_ms) {
  findings f;
  f.ran = true;
  const log_facts facts = scan_log(log, book, tenants);
  const bool late_rule = ref != nullptr && ref->late_rule;
  std::vector<bool> named(book.size() + 1, false);
  f.foreign = facts.foreign;
  for (std::uint64_t n : facts.foreign_named) named[n] = true;
  if (late_rule) {
    f.late = facts.late;
    for (std::uint64_t n : facts.late_named) named[n] = true;
  }
  std::uint64_t no_event = 0, not_covered = 0, response_varied = 0;
  for (std::uint64_t n = 1; n <= book.size(); ++n) {
    const entry& e = book.at(n);
    if (e.how == ending::none) continue;
    ++f.invocations;
    if (e.how == ending::timeout) {
      if (f.hung++ == 0) {
        f.first_hung = "request " + book.ids().id_of(n) +
                       " was never answered (it timed out at its deadline + 1 s)";
      }
      named[n] = true;
      continue;
    }
    if (e.how != ending::response) continue;  // errors are counted by errorType
    if (e.foreign_in_response && f.responses_differ++ == 0) {
      f.first_response_differ =
          "the response to " + book.ids().id_of(n) + " holds another invocation's request id";
    }
    named[n] = named[n] || e.foreign_in_response;
    if (ref == nullptr) continue;
    if (!ref->checks(e.payload)) {
      ++no_event;
      continue;
    }
    const event_reference& er = ref->events[e.payload];
    if (cut_ms == no_time || e.ended_ms + 1000 < cut_ms) {
      ++f.lines_checked;
      std::map<std::uint64_t, std::uint32_t> have;
      std::uint32_t total = 0;
      for (std::uint64_t s : facts.shapes[n - 1]) {
        if (ref->unstable.count(s) == 0) {
          ++have[s];
          ++total;
        }
      }
      if (have != er.lines) {
        named[n] = true;
        if (f.lines_differ++ == 0) {
          std::uint32_t want = 0;
          for (const auto& [s, k] : er.lines) want += k;
          const std::string_view first = facts.first_line[n - 1];
          f.first_lines_differ =
              "request " + book.ids().id_of(n) + " (event " + std::to_string(e.payload + 1) +
              ") has " + std::to_string(total) + " lines under its id where the same event had " +
              std::to_string(want) + " at concurrency 1" +
              (total == want ? ", of other shapes" : "") +
              (first.empty() ? std::string() : "; its first: " + printable(first.substr(0, 300)));
        }
      }
    } else {
      ++not_covered;
    }
    if (er.response == event_reference::compare::none) {
      ++response_varied;
      continue;
    }
    ++f.responses_checked;
    const bool differs = er.response == event_reference::compare::exact
                             ? e.response.exact != er.digest.exact
                             : e.response.shape != er.digest.shape;
    if (differs && !e.foreign_in_response) {
      named[n] = true;
      if (f.responses_differ++ == 0) {
        const auto* s = book.sample(e.payload, e.response.exact);
        f.first_response_differ =
            "the response to " + book.ids().id_of(n) + " (event " + std::to_string(e.payload + 1) +
            ") is " + (s ? printable(s->text) : std::string("(not kept)")) +
            " where the same event got " + printable(er.example) + " at concurrency 1";
      }
    }
  }
  f.leaks = static_cast<std::uint64_t>(std::count(named.begin(), named.end(), true));

  std::vector<std::string> partial;
  if (ref == nullptr) {
    partial.push_back(
        "no reference at concurrency 1, so no line count, late line or response "
        "was compared");
  } else if (!ref->late_rule) {
    partial.push_back("at concurrency 1 too the runtime wrote " + std::to_string(ref->late_lines) +
                      " lines after their invocation ended, so no line was judged late");
  }
  if (no_event != 0) {
    partial.push_back(std::to_string(no_event) +
                      " invocations had an event the reference answered fewer than twice");
  }
  if (not_covered != 0) {
    partial.push_back("the log reached its bound: the lines of " + std::to_string(not_covered) +
                      " invocations that ended after it were not compared");
  }
  if (book.unrecorded() != 0) {
    partial.push_back(std::to_string(book.unrecorded()) + " invocations after the first " +
                      std::to_string(ledger::max_entries) + " were not recorded");
  }
  if (response_varied != 0) {
    partial.push_back(std::to_string(response_varied) +
                      " responses were not compared: their event's varied at concurrency 1");
  }
  for (const auto& p : partial) f.partial += (f.partial.empty() ? "" : "; ") + p;
  return f;
}

}  // namespace inflight::bench::isolation
