#pragma once
// A point measured several times (--benchmark_repetitions) becomes one row: its median
// repetition by throughput, carrying the spread over all of them, and the isolation findings of
// the repetition that leaked most (a leak in any repetition is a leak of the point).

#include <algorithm>
#include <cmath>
#include <vector>

#include "sweep/rows.hpp"

namespace inflight::bench {

/// One row per point: the median repetition by throughput, with the min-max and CV of
/// throughput and the min-max of p99 over all repetitions. Rows keep the order of their points'
/// first repetition.
inline std::vector<point_row> with_repetitions(const std::vector<point_row>& rows) {
  std::vector<point_row> out;
  std::vector<std::vector<const point_row*>> groups;
  for (const auto& r : rows) {
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const auto& g) { return g.front()->name == r.name; });
    if (it == groups.end()) {
      groups.push_back({&r});
    } else {
      it->push_back(&r);
    }
  }
  for (auto& g : groups) {
    std::sort(g.begin(), g.end(),
              [](const point_row* a, const point_row* b) { return a->throughput < b->throughput; });
    point_row row = *g[(g.size() - 1) / 2];
    row.repetitions = g.size();
    row.throughput_min = g.front()->throughput;
    row.throughput_max = g.back()->throughput;
    double mean = 0, ss = 0;
    for (const auto* r : g) mean += r->throughput;
    mean /= static_cast<double>(g.size());
    for (const auto* r : g) ss += (r->throughput - mean) * (r->throughput - mean);
    row.throughput_cv =
        g.size() > 1 && mean > 0 ? std::sqrt(ss / static_cast<double>(g.size() - 1)) / mean : 0;
    row.p99_min_us = row.p99_max_us = g.front()->p99_us;
    for (const auto* r : g) {
      row.p99_min_us = std::min(row.p99_min_us, r->p99_us);
      row.p99_max_us = std::max(row.p99_max_us, r->p99_us);
    }
    for (const auto* r : g) {
      if (r->isolation.leaks > row.isolation.leaks) row.isolation = r->isolation;
    }
    out.push_back(row);
  }
  return out;
}

}  // namespace inflight::bench
