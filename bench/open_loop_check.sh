#!/usr/bin/env bash
# The open loop's generator against the timer floor, and the open loop against the closed loop at
# the same in-flight count: for each rate R, an open-loop point on all vCPUs (128 slots on 2
# vCPUs), then a closed-loop point whose C is the open loop's measured mean in-flight (throughput x
# mean latency, rounded), side by side. lag/floor is the generator's lag p99 over the timer floor's
# p99 measured around the same point; a point is within the bound when its lag p99 is at most
# 1.5x the floor's, or 50 us where that is larger (the bound inflight_sweep flags by). The last
# line names the highest rate up to which every point stayed within it.
#   bench/open_loop_check.sh [BUILD_DIR] [RATE...]    (MODEL=fiber by default; rates 10k..50k/s)
set -euo pipefail
build=${1:-build/release}
shift || true
rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=(10000 20000 30000 40000 50000)
model=${MODEL:-fiber}
sweep="$build/bench/inflight_sweep"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
vcpus=$(nproc)
highest=none
within=1
printf '%8s %6s %9s %9s %8s %8s %8s %9s %6s %10s %10s %8s %8s %10s\n' rate C open_X open_p50 \
  open_lit lag_p99 floor_p99 lag/floor within closed_X closed_p50 clo_lit p50_ratio little_diff
for r in "${rates[@]}"; do
  "$sweep" --model="$model" --mode=open --rate="$r" --per_vcpu=64 --duration=3s --warmup=500ms \
    --benchmark_out="$out/open.json" >/dev/null 2>&1 || true
  read -r x p50 lit lag floor lagging c < <(python3 - "$out/open.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))['benchmarks'][0]
c = b['throughput'] * b['mean_us'] / 1e6
print(b['throughput'], b['p50_us'], b['littles_law_check'], b['arrival_lag_p99_us'],
      b['floor_p99_us'], b['arrival_lagging'], c)
PY
)
  per=$(python3 -c "import sys; print(max(1, min(64, round($c / $vcpus))))")
  "$sweep" --model="$model" --mode=closed --per_vcpu="$per" --duration=3s --warmup=500ms \
    --benchmark_out="$out/closed.json" >/dev/null 2>&1 || true
  python3 - "$out/closed.json" "$r" "$x" "$p50" "$lit" "$lag" "$floor" "$lagging" "$per" \
    "$vcpus" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))['benchmarks'][0]
r, x, p50, lit, lag, floor, lagging = map(float, sys.argv[2:9])
per, vcpus = int(sys.argv[9]), int(sys.argv[10])
print(f"{r:8.0f} {per*vcpus:6d} {x:9.0f} {p50/1e3:9.3f} {lit:8.3f} {lag:8.1f} {floor:9.1f} "
      f"{lag/floor if floor > 0 else float('nan'):9.2f} {'no' if lagging else 'yes':>6} "
      f"{b['throughput']:10.0f} {b['p50_us']/1e3:10.3f} {b['littles_law_check']:8.3f} "
      f"{p50/b['p50_us']:8.3f} {abs(lit-b['littles_law_check'])/b['littles_law_check']*100:9.1f}%")
PY
  # The highest rate so far, until the first point outside the bound.
  if [ "$within" = 1 ]; then
    if [ "$lagging" = 0 ]; then highest=$r; else within=0; fi
  fi
done
echo "model $model on $vcpus vCPUs; lag_p99 and floor_p99 in us; highest rate with every point" \
  "up to it within the lag bound: $highest"
