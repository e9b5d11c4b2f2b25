#!/usr/bin/env bash
# Scaling across vCPUs: runs the IO-bound default sweep and a CPU-bound sweep
# (--cpu_work=200us --io_wait=0) at --vcpus=1,2,4,8,16, as far as this machine allows, and reports
# each configuration's peak throughput against 1 vCPU.
#
#   bench/scaling.sh [OUTPUT_DIR]          (default: scaling-<hostname>)
#
# Environment: INFLIGHT_SWEEP (default build/release/bench/inflight_sweep), SWEEP_FLAGS (extra
# flags for every sweep, e.g. "--duration=1s"). Each sweep keeps its JSON and CSV in OUTPUT_DIR.
set -euo pipefail

sweep=${INFLIGHT_SWEEP:-build/release/bench/inflight_sweep}
out=${1:-scaling-$(hostname)}
read -r -a extra <<< "${SWEEP_FLAGS:-}"
if [ ! -x "$sweep" ]; then
  echo "scaling.sh: $sweep not found; build it with: cmake --workflow --preset release" >&2
  exit 2
fi
mkdir -p "$out"

# The largest count the sweep accepts: it refuses --vcpus above what it detects, with the range.
available=$({ "$sweep" --vcpus=100000 2>&1 || true; } | sed -n 's/.*valid range is 1\.\.\([0-9]*\).*/\1/p')
if [ -z "$available" ]; then
  echo "scaling.sh: could not read the available vCPU count from $sweep" >&2
  exit 2
fi

# peak THROUGHPUT of a sweep's CSV (column 7), over all its points
peak() { awk -F, 'NR > 1 && $7 > best { best = $7 } END { printf "%.1f", best }' "$1"; }

declare -A io cpu
counts=()
for v in 1 2 4 8 16; do
  [ "$v" -le "$available" ] || break
  counts+=("$v")
  echo "== vcpus=$v: IO-bound default sweep" >&2
  "$sweep" --vcpus="$v" "${extra[@]}" --csv="$out/io-$v.csv" \
    --benchmark_out="$out/io-$v.json" --benchmark_out_format=json >"$out/io-$v.txt"
  io[$v]=$(peak "$out/io-$v.csv")
  echo "== vcpus=$v: CPU-bound sweep" >&2
  "$sweep" --vcpus="$v" --cpu_work=200us --io_wait=0 "${extra[@]}" --csv="$out/cpu-$v.csv" \
    --benchmark_out="$out/cpu-$v.json" --benchmark_out_format=json >"$out/cpu-$v.txt"
  cpu[$v]=$(peak "$out/cpu-$v.csv")
done

echo
echo "Scaling on $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $available vCPUs available"
printf '%6s %18s %8s %18s %8s\n' vcpus "IO-bound peak/s" "x 1vCPU" "CPU-bound peak/s" "x 1vCPU"
for v in "${counts[@]}"; do
  printf '%6s %18s %8.2f %18s %8.2f\n' "$v" "${io[$v]}" \
    "$(awk -v a="${io[$v]}" -v b="${io[1]}" 'BEGIN { print a / b }')" "${cpu[$v]}" \
    "$(awk -v a="${cpu[$v]}" -v b="${cpu[1]}" 'BEGIN { print a / b }')"
done
last=${counts[-1]}
if [ "$last" -lt 16 ]; then
  echo "Only $last vCPUs here: the 16-vs-1 targets (IO >= 15.5x, CPU >= 15x) need a 16-vCPU machine."
else
  echo "16 vs 1 vCPU: IO-bound $(awk -v a="${io[16]}" -v b="${io[1]}" 'BEGIN { printf "%.2f", a / b }')x (target 15.5x), CPU-bound $(awk -v a="${cpu[16]}" -v b="${cpu[1]}" 'BEGIN { printf "%.2f", a / b }')x (target 15x)"
fi
