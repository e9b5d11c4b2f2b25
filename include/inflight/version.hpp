#pragma once
// inflight's version.

/// The version as major * 10000 + minor * 100 + patch.
#define INFLIGHT_VERSION 200  // 0.2.0

namespace inflight {
/// The version as text, "major.minor.patch".
inline constexpr const char* version_string = "0.2.0";
}  // namespace inflight
