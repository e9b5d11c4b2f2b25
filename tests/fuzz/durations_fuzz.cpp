// Fuzzes the duration and distribution parsers: any text either parses or throws
// std::invalid_argument; what parses prints back to text that parses to the same thing, and its
// samples, mean and median are defined (UBSan) and within the truncation bound.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <string>

#include "inflight/distribution.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto d = inflight::parse_duration(text, "--fuzz");
    if (d.count() < 0) std::abort();
    if (inflight::parse_duration(inflight::format_duration(d)) != d) std::abort();
  } catch (const std::invalid_argument&) {
  }
  try {
    const auto dist = inflight::duration_distribution::parse(text, "--fuzz");
    const auto again = inflight::duration_distribution::parse(dist.to_string());
    if (again.to_string() != dist.to_string()) std::abort();
    const auto cap = std::chrono::seconds(3);
    const auto cut = dist.truncated(cap);
    std::mt19937_64 rng(size);
    for (int i = 0; i < 8; ++i) {
      const auto sample = cut(rng);
      if (sample.count() < 0 || sample > cap) std::abort();
      if (dist(rng).count() < 0) std::abort();
    }
    (void)dist.mean();
    (void)cut.mean();
    (void)dist.median();
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
