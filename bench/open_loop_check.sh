#!/usr/bin/env bash
# The open loop against the closed loop at the same in-flight count (issue 10's figure): for each
# rate R, an open-loop fiber point on all vCPUs, then a closed-loop point whose C is the open
# loop's measured mean in-flight (throughput x mean latency, rounded), and their little and p50
# side by side. Rates default to 10k, 20k, 30k, 40k, 50k/s.
#   bench/open_loop_check.sh [BUILD_DIR] [RATE...]
set -euo pipefail
build=${1:-build/release}
shift || true
rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=(10000 20000 30000 40000 50000)
sweep="$build/bench/inflight_sweep"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
vcpus=$(nproc)
printf '%8s %6s %9s %9s %8s %8s %10s %10s %8s %8s %10s\n' rate C open_X open_p50 open_lit lag_p99 closed_X closed_p50 clo_lit p50_ratio little_diff
for r in "${rates[@]}"; do
  "$sweep" --mode=open --rate="$r" --per_vcpu=64 --duration=3s --warmup=500ms \
    --benchmark_out="$out/open.json" >/dev/null 2>&1 || true
  read -r x p50 lit lag c < <(python3 - "$out/open.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))['benchmarks'][0]
c = b['throughput'] * b['mean_us'] / 1e6
print(b['throughput'], b['p50_us'], b['littles_law_check'], b['arrival_lag_p99_us'], c)
PY
)
  per=$(python3 -c "import sys; print(max(1, min(64, round($c / $vcpus))))")
  "$sweep" --mode=closed --per_vcpu="$per" --duration=3s --warmup=500ms \
    --benchmark_out="$out/closed.json" >/dev/null 2>&1 || true
  python3 - "$out/closed.json" "$r" "$x" "$p50" "$lit" "$lag" "$per" "$vcpus" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))['benchmarks'][0]
r, x, p50, lit, lag = map(float, sys.argv[2:7])
per, vcpus = int(sys.argv[7]), int(sys.argv[8])
print(f"{r:8.0f} {per*vcpus:6d} {x:9.0f} {p50/1e3:9.3f} {lit:8.3f} {lag/1e3:8.3f} "
      f"{b['throughput']:10.0f} {b['p50_us']/1e3:10.3f} {b['littles_law_check']:8.3f} "
      f"{p50/b['p50_us']:8.3f} {abs(lit-b['littles_law_check'])/b['littles_law_check']*100:9.1f}%")
PY
done
