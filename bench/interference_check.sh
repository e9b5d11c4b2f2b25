#!/usr/bin/env bash
# Checks inflight_sweep's interference detection the only honest way, by interfering: the same
# short sweep twice, once on a quiet machine and once beside one busy loop per vCPU of this
# script's own (bounded, cleaned up), and counts the points each run flagged. Expected: none
# flagged quiet, every point flagged loaded, each with its cause.
#   bench/interference_check.sh [BUILD_DIR] [extra inflight_sweep flags...]
set -euo pipefail
build=${1:-build/release}
shift || true
sweep=$build/bench/inflight_sweep
out=$(mktemp -d)
trap 'kill ${busy[@]+"${busy[@]}"} 2>/dev/null || true; rm -rf "$out"' EXIT
flags=(--per_vcpu=1,8,64 --duration=2s --warmup=200ms "$@")

count() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); \
b=[x for x in d['benchmarks'] if 'interference' in x]; \
print(sum(int(x['interference']) for x in b), len(b))" "$1"; }

"$sweep" "${flags[@]}" --benchmark_out="$out/quiet.json" >"$out/quiet.txt" 2>"$out/quiet.err"
busy=()
for _ in $(seq "$(nproc)"); do
  timeout 300 sh -c 'while :; do :; done' &
  busy+=($!)
done
"$sweep" "${flags[@]}" --benchmark_out="$out/loaded.json" >"$out/loaded.txt" 2>"$out/loaded.err"
kill "${busy[@]}" 2>/dev/null || true
read -r quiet_flagged quiet_points < <(count "$out/quiet.json")
read -r loaded_flagged loaded_points < <(count "$out/loaded.json")
echo "quiet:  $quiet_flagged of $quiet_points points flagged"
grep -h "interference:" "$out/quiet.err" || true
echo "loaded: $loaded_flagged of $loaded_points points flagged"
grep -h "interference:" "$out/loaded.err" || true
[ "$quiet_flagged" -eq 0 ] && [ "$loaded_flagged" -eq "$loaded_points" ]
