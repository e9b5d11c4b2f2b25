#pragma once
// inflight_compare, statistics over repetitions: the coefficient of variation, the Mann-Whitney U
// test, and how a point stands against the first file's.

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>
#include <vector>

#include "compare/load.hpp"

namespace inflight::bench::compare {

/// Coefficient of variation (sample stddev / mean); nullopt with fewer than 2 values.
inline std::optional<double> coefficient_of_variation(const std::vector<double>& v) {
  if (v.size() < 2) return std::nullopt;
  double mean = 0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  if (mean == 0) return std::nullopt;
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return std::sqrt(ss / static_cast<double>(v.size() - 1)) / std::abs(mean);
}

/// Two-sided Mann-Whitney U test (normal approximation with tie correction, as compare.py uses
/// it); nullopt when either side has fewer than 9 values.
inline std::optional<double> mann_whitney_p(const std::vector<double>& a,
                                            const std::vector<double>& b) {
  if (a.size() < 9 || b.size() < 9) return std::nullopt;
  std::vector<std::pair<double, int>> all;
  for (double x : a) all.emplace_back(x, 0);
  for (double x : b) all.emplace_back(x, 1);
  std::sort(all.begin(), all.end());
  const double n1 = static_cast<double>(a.size()), n2 = static_cast<double>(b.size());
  const double n = n1 + n2;
  double rank_a = 0, ties = 0;
  for (std::size_t i = 0; i < all.size();) {
    std::size_t j = i;
    while (j < all.size() && all[j].first == all[i].first) ++j;
    const double rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
    const double t = static_cast<double>(j - i);
    ties += t * t * t - t;
    for (std::size_t k = i; k < j; ++k) rank_a += all[k].second == 0 ? rank : 0;
    i = j;
  }
  const double u = rank_a - n1 * (n1 + 1) / 2;
  const double mean_u = n1 * n2 / 2;
  const double var_u = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)));
  if (var_u <= 0) return 1.0;
  const double z = (std::abs(u - mean_u) - 0.5) / std::sqrt(var_u);
  return std::erfc(std::max(z, 0.0) / std::sqrt(2.0));
}

/// How one file's point stands against the same point of the first file. Files may differ in
/// vCPUs, so the ratio, the test and the CV all use throughput per vCPU.
struct versus_first {
  std::optional<double> ratio;    // throughput per vCPU / the first file's; nullopt for the first
  std::optional<double> p_value;  // Mann-Whitney U; nullopt for the first or below 9 repetitions
  std::optional<double> cv;       // over this file's repetitions
  std::size_t repetitions = 0;
};

inline versus_first against_first(const point_data& first, const point_data& p, bool is_first) {
  const auto& mine = p.values("throughput_per_vcpu");
  versus_first v;
  v.cv = coefficient_of_variation(mine);
  v.repetitions = mine.size();
  if (!is_first) {
    const auto a = first.value("throughput_per_vcpu"), b = p.value("throughput_per_vcpu");
    if (a && b && *a > 0) v.ratio = *b / *a;
    v.p_value = mann_whitney_p(first.values("throughput_per_vcpu"), mine);
  }
  return v;
}

}  // namespace inflight::bench::compare
