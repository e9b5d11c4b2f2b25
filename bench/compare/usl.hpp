#pragma once
// inflight_compare, the Universal Scalability Law and its least-squares fit.

#include <array>
#include <cmath>
#include <optional>
#include <set>
#include <vector>

namespace inflight::bench::compare {

/// The Universal Scalability Law X(N) = lambda N / (1 + sigma (N - 1) + kappa N (N - 1)).
struct usl_fit {
  double lambda = 0, sigma = 0, kappa = 0, r2 = 0;
  double operator()(double n) const {
    return lambda * n / (1 + sigma * (n - 1) + kappa * n * (n - 1));
  }
  /// The concurrency of peak throughput, sqrt((1 - sigma) / kappa); nullopt without a peak.
  std::optional<double> peak() const {
    if (kappa <= 0 || sigma >= 1) return std::nullopt;
    return std::sqrt((1 - sigma) / kappa);
  }
};

namespace detail {
// Solves the 3x3 system m x = r by Gaussian elimination with partial pivoting.
inline bool solve3(std::array<std::array<double, 3>, 3> m, std::array<double, 3> r,
                   std::array<double, 3>& x) {
  for (int c = 0; c < 3; ++c) {
    int p = c;
    for (int i = c + 1; i < 3; ++i) {
      if (std::abs(m[i][c]) > std::abs(m[p][c])) p = i;
    }
    if (std::abs(m[p][c]) < 1e-300) return false;
    std::swap(m[c], m[p]);
    std::swap(r[c], r[p]);
    for (int i = c + 1; i < 3; ++i) {
      const double f = m[i][c] / m[c][c];
      for (int k = c; k < 3; ++k) m[i][k] -= f * m[c][k];
      r[i] -= f * r[c];
    }
  }
  for (int c = 2; c >= 0; --c) {
    double s = r[c];
    for (int k = c + 1; k < 3; ++k) s -= m[c][k] * x[k];
    x[c] = s / m[c][c];
  }
  return true;
}

inline double sse(const usl_fit& f, const std::vector<double>& n, const std::vector<double>& x) {
  double s = 0;
  for (std::size_t i = 0; i < n.size(); ++i) s += (x[i] - f(n[i])) * (x[i] - f(n[i]));
  return s;
}
}  // namespace detail

/// Fits the USL to (concurrency, throughput) points by least squares: first the linear problem
/// N / X = a + b (N - 1) + c N (N - 1) (so lambda = 1/a, sigma = b/a, kappa = c/a), then
/// Levenberg-Marquardt on the throughput residuals. nullopt with fewer than 3 distinct points.
inline std::optional<usl_fit> fit_usl(const std::vector<double>& n, const std::vector<double>& x) {
  if (n.size() != x.size() || std::set<double>(n.begin(), n.end()).size() < 3) return std::nullopt;
  std::array<std::array<double, 3>, 3> m{};
  std::array<double, 3> r{};
  for (std::size_t i = 0; i < n.size(); ++i) {
    if (!(x[i] > 0)) return std::nullopt;
    const std::array<double, 3> row = {1.0, n[i] - 1, n[i] * (n[i] - 1)};
    const double y = n[i] / x[i];
    for (int a = 0; a < 3; ++a) {
      for (int b = 0; b < 3; ++b) m[a][b] += row[a] * row[b];
      r[a] += row[a] * y;
    }
  }
  std::array<double, 3> abc{};
  if (!detail::solve3(m, r, abc) || !(abc[0] > 0)) return std::nullopt;
  usl_fit f{1 / abc[0], abc[1] / abc[0], abc[2] / abc[0], 0};
  // Levenberg-Marquardt on sum (X - USL(N))^2, accepting only steps that lower it.
  double mu = 1e-3;
  double best = detail::sse(f, n, x);
  for (int iter = 0; iter < 100 && best > 0; ++iter) {
    std::array<std::array<double, 3>, 3> jtj{};
    std::array<double, 3> jtr{};
    for (std::size_t i = 0; i < n.size(); ++i) {
      const double d = 1 + f.sigma * (n[i] - 1) + f.kappa * n[i] * (n[i] - 1);
      const double model = f.lambda * n[i] / d;
      const std::array<double, 3> j = {n[i] / d, -model * (n[i] - 1) / d,
                                       -model * n[i] * (n[i] - 1) / d};
      for (int a = 0; a < 3; ++a) {
        for (int b = 0; b < 3; ++b) jtj[a][b] += j[a] * j[b];
        jtr[a] += j[a] * (x[i] - model);
      }
    }
    for (int a = 0; a < 3; ++a) jtj[a][a] *= 1 + mu;
    std::array<double, 3> step{};
    if (!detail::solve3(jtj, jtr, step)) break;
    const usl_fit trial{f.lambda + step[0], f.sigma + step[1], f.kappa + step[2], 0};
    const double s = detail::sse(trial, n, x);
    if (s < best) {
      const bool converged = best - s < 1e-15 * best;
      f = trial;
      best = s;
      mu /= 10;
      if (converged) break;
    } else {
      mu *= 10;
      if (mu > 1e12) break;
    }
  }
  double mean = 0;
  for (double v : x) mean += v;
  mean /= static_cast<double>(x.size());
  double total = 0;
  for (double v : x) total += (v - mean) * (v - mean);
  f.r2 = total > 0 ? 1 - best / total : 1;
  return f;
}

}  // namespace inflight::bench::compare
