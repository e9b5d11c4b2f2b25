// inflight_runtime_api_bench: what the local Runtime API costs, beside the physical floor under
// it, measured in one run on this machine.
//
//   1. The floor: one keep-alive TCP loopback round trip of 300-byte messages between two
//      threads that block between messages, on one CPU and across two, back to back (the CPUs
//      stay awake: the floor at high concurrency) and with 2 ms between round trips (each wake
//      comes from idle: the floor at low concurrency). CPU per side per round trip; an
//      invocation through the Runtime API is two round trips (/next, then the response).
//   2. The server: runtime_api::server on one core (pinned), driven closed-loop by a minimal C++
//      keep-alive client on another core with 64 pollers (64 connections, one epoll thread),
//      each looping GET /next -> POST response. Invocations per second and the server's CPU per
//      invocation.
//   3. The baseline: the same request loop over plain sockets without HTTP (a 64-byte "next",
//      a 300-byte "invocation", a 300-byte "response", a 16-byte "accepted"), with a minimal
//      epoll server, so the HTTP layer's cost is a ratio.
//
//   inflight_runtime_api_bench [--seconds=S] [--version]   (default 3 s per measurement)
#include <cstdio>
#include <cstdlib>
#include <string>

#include "inflight/topology.hpp"
#include "runtime_api_bench/loopback.hpp"
#include "runtime_api_bench/servers.hpp"
#include "support/build_info.hpp"

using namespace inflight::bench::api_bench;

int main(int argc, char** argv) {
  if (const auto stop = inflight::bench::program_start(argc, argv, "inflight_runtime_api_bench")) {
    return *stop;
  }
  double seconds = 3;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--seconds=", 0) == 0) {
      char* end = nullptr;
      seconds = std::strtod(a.c_str() + 10, &end);
      if (*end != '\0' || !(seconds >= 0.1 && seconds <= 600)) {
        std::fprintf(stderr, "inflight_runtime_api_bench: --seconds=%s: valid range is 0.1..600\n",
                     a.c_str() + 10);
        return 2;
      }
    } else {
      std::fprintf(stderr,
                   "inflight_runtime_api_bench: unknown argument '%s'; valid: --seconds=S\n",
                   a.c_str());
      return 2;
    }
  }
  const auto cpus = inflight::detect_vcpus().cpus;
  const int a = cpus.front(), b = cpus.size() > 1 ? cpus[1] : cpus.front();
  std::printf("inflight_runtime_api_bench: %zu CPUs, %.1f s per measurement\n\n", cpus.size(),
              seconds);
  std::printf(
      "1. the floor: one keep-alive loopback round trip, 300-byte messages, both sides "
      "blocking\n");
  const auto same = ping_pong(a, a, seconds);
  std::printf(
      "   one CPU:     %9.0f round trips/s, CPU per side per round trip: client %.1f us, "
      "server %.1f us\n",
      same.round_trips_per_s, same.client_us, same.server_us);
  floor_result across = same;
  if (b != a) {
    across = ping_pong(a, b, seconds);
    std::printf(
        "   across CPUs: %9.0f round trips/s, CPU per side per round trip: client %.1f us, "
        "server %.1f us\n",
        across.round_trips_per_s, across.client_us, across.server_us);
  }
  const auto idle = ping_pong(a, b, seconds, std::chrono::milliseconds(2));
  std::printf(
      "   across CPUs, 2 ms between round trips (waking from idle): %.0f round trips/s, "
      "client %.1f us, server %.1f us\n",
      idle.round_trips_per_s, idle.client_us, idle.server_us);
  std::printf(
      "   per invocation (2 round trips), server side: %.1f us on one CPU, %.1f us across "
      "back to back, %.1f us across from idle\n",
      2 * same.server_us, 2 * across.server_us, 2 * idle.server_us);
  std::printf(
      "   per invocation (2 round trips), client side: %.1f us on one CPU, %.1f us across "
      "back to back, %.1f us across from idle\n\n",
      2 * same.client_us, 2 * across.client_us, 2 * idle.client_us);
  std::printf(
      "2-3. 64 keep-alive pollers looping next -> response, server on CPU %d, client on "
      "CPU %d\n",
      a, b);
  const auto http = http_server(a, b, 64, seconds);
  const auto raw = raw_server(a, b, 64, seconds);
  std::printf("   Runtime API (HTTP):   %9.0f invocations/s, server CPU %.2f us per invocation\n",
              http.per_s, http.server_us);
  std::printf("   plain sockets (raw):  %9.0f invocations/s, server CPU %.2f us per invocation\n",
              raw.per_s, raw.server_us);
  std::printf("   HTTP / raw: throughput x%.3f, server CPU per invocation x%.3f\n",
              http.per_s / raw.per_s, http.server_us / raw.server_us);
  std::printf("   server CPU per invocation against the across-CPU floor of %.1f us: x%.3f\n",
              2 * across.server_us, http.server_us / (2 * across.server_us));
  return 0;
}
