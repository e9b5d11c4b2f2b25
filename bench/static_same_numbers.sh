#!/usr/bin/env bash
# README, "Running on an instance type": whether the static program measures what the ordinary
# build measures. The default sweep (fiber model, io_wait 2 ms, 7 points) runs from the static
# x86_64 program (the tarball's) and from the ordinary release build, alternating which goes
# first each round, ROUNDS times (default 5). For each point: throughput and p50, static / dynamic,
# as the median round's ratio with the worst and best, and each build's median. A ratio within
# the spread of dynamic against itself (round to round, also printed) is noise.
#   bench/static_same_numbers.sh [RELEASE_DIR] [STATIC_DIR] [OUT_DIR] [ROUNDS]
set -euo pipefail
release=${1:-build/release}
static=${2:-build/static}
out=${3:-$(mktemp -d)}
rounds=${4:-5}
mkdir -p "$out"
for build in "$release" "$static"; do
  [ -x "$build/bench/inflight_sweep" ] || { echo "no $build/bench/inflight_sweep" >&2; exit 1; }
done
"$static/bench/inflight_sweep" --version
"$release/bench/inflight_sweep" --version
for round in $(seq 1 "$rounds"); do
  order="dynamic static"
  [ $((round % 2)) = 0 ] && order="static dynamic"
  for kind in $order; do
    dir=$release
    [ "$kind" = static ] && dir=$static
    "$dir/bench/inflight_sweep" --benchmark_out="$out/$kind-$round.json" \
      >"$out/$kind-$round.txt" 2>&1
  done
done
python3 - "$out" "$rounds" <<'PY'
import json, sys
out, rounds = sys.argv[1], int(sys.argv[2])
def points(path):
    return {b["per_vcpu"]: b for b in json.load(open(path))["benchmarks"] if "per_vcpu" in b}
runs = {(k, r): points(f"{out}/{k}-{r}.json") for k in ("static", "dynamic") for r in range(1, rounds + 1)}
med = lambda v: sorted(v)[len(v) // 2]
ctx = json.load(open(f"{out}/static-1.json"))["context"]
print(f"{rounds} rounds on {ctx['vcpus']} vCPUs ({ctx['cpu_model']}); ratios static / dynamic, "
      "median (worst, best); dynamic/dynamic: consecutive dynamic rounds against each other")
print("| per vCPU | throughput/s static, dynamic | throughput static/dynamic "
      "| p50 ms static, dynamic | p50 static/dynamic | throughput dynamic/dynamic | interference points |")
print("|---|---|---|---|---|---|---|")
for p in sorted(runs[("static", 1)]):
    t, l, self_t, ts, td, ls, ld, flagged = [], [], [], [], [], [], [], 0
    for r in range(1, rounds + 1):
        s, d = runs[("static", r)][p], runs[("dynamic", r)][p]
        t.append(s["throughput"] / d["throughput"]); l.append(s["p50_us"] / d["p50_us"])
        ts.append(s["throughput"]); td.append(d["throughput"])
        ls.append(s["p50_us"] / 1e3); ld.append(d["p50_us"] / 1e3)
        flagged += int(s.get("interference", 0)) + int(d.get("interference", 0))
        if r > 1:
            self_t.append(d["throughput"] / runs[("dynamic", r - 1)][p]["throughput"])
    # Worst: furthest from 1 on either side, with the best nearest to it.
    far = lambda v: max(v, key=lambda x: abs(x - 1)); near = lambda v: min(v, key=lambda x: abs(x - 1))
    selfs = f"{med(self_t):.3f} ({far(self_t):.3f}, {near(self_t):.3f})" if self_t else "n/a"
    print(f"| {int(p)} | {med(ts):.0f}, {med(td):.0f} | {med(t):.3f} ({far(t):.3f}, {near(t):.3f}) "
          f"| {med(ls):.3f}, {med(ld):.3f} | {med(l):.3f} ({far(l):.3f}, {near(l):.3f}) "
          f"| {selfs} | {flagged} of {2 * rounds} |")
PY
echo "(files in $out)"
