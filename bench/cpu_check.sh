#!/usr/bin/env bash
# An independent check of inflight_sweep's CPU%: while a --vcpus=1 open-loop point at 10k/s runs,
# read the dispatcher worker's own utime + stime (thread "inflight-w0") from /proc at both ends of
# a stretch inside the window, and print it beside the sweep's cpu_util and harness_cpu_pct.
#   bench/cpu_check.sh [BUILD_DIR]
set -euo pipefail
build=${1:-build/release}
"$build"/bench/inflight_sweep --vcpus=1 --mode=open --rate=10000 --per_vcpu=64 --warmup=1s --duration=5s --benchmark_out=/tmp/inflight-cpu-check.json >/dev/null 2>&1 &
pid=$!
sleep 1.2
tick() { for t in /proc/$pid/task/*; do if [ "$(cat $t/comm)" = inflight-w0 ]; then awk "{print \$14+\$15}" $t/stat; fi; done; }
a=$(tick); t0=$(date +%s.%N)
sleep 4.6
b=$(tick); t1=$(date +%s.%N)
wait $pid
hz=$(getconf CLK_TCK)
python3 - "$a" "$b" "$t0" "$t1" "$hz" <<'PY'
import json,sys
a,b,t0,t1,hz=map(float,sys.argv[1:])
print(f"independent (/proc task stat of inflight-w0, {t1-t0:.2f} s inside the window): {(b-a)/hz/(t1-t0)*100:.1f}%")
d=json.load(open('/tmp/inflight-cpu-check.json'))['benchmarks'][0]
print(f"sweep: cpu_util {d['cpu_util']*100:.1f}%, harness_cpu_pct {d['harness_cpu_pct']:.1f}%")
PY
