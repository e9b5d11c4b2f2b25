#pragma once
// inflight's version.

/// The version as major * 10000 + minor * 100 + patch.
#define INFLIGHT_VERSION 100  // 0.1.0

namespace inflight {
/// The version as text, "major.minor.patch".
inline constexpr const char* version_string = "0.1.0";
}  // namespace inflight
