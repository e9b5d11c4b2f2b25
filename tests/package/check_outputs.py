"""What the tarball's programs wrote inside the empty root (tests/package/empty_root.sh).

    python3 check_outputs.py OUT_DIR ARCH

Each sweep's JSON names the build (the architecture asked for, static) and the machine it ran on,
has one result per point with throughput above 0 and no failed invocation; the --exec sweep kept
its invocations apart; the CSV and compare's files are there. Exits 1 naming the first miss.
"""
import csv
import json
import os
import sys

out, arch = sys.argv[1], sys.argv[2]


def fail(why):
    print(f"check_outputs: {why}", file=sys.stderr)
    sys.exit(1)


def sweep(name, points_per_model, exec_=False):
    with open(os.path.join(out, name)) as f:
        doc = json.load(f)
    ctx = doc["context"]
    models = [m for m in ctx.get("models", "").split(",") if m] or ["exec"]
    points = points_per_model * len(models)
    for key, want in (("build_arch", arch), ("build_linkage", "static"), ("arch", arch)):
        if ctx.get(key) != want:
            fail(f"{name}: context {key} is {ctx.get(key)!r}, not {want!r}")
    runs = [b for b in doc["benchmarks"] if b.get("run_type", "iteration") == "iteration"]
    if len(runs) != points:
        fail(f"{name}: {len(runs)} points, not {points}")
    for b in runs:
        if not b.get("throughput", 0) > 0 or b.get("failed", 1) != 0:
            fail(f"{name}: {b['name']}: throughput {b.get('throughput')}, failed {b.get('failed')}")
        if exec_ and (b.get("leaks") != 0 or not b.get("isolation_invocations", 0) > 0):
            fail(f"{name}: {b['name']}: leaks {b.get('leaks')}, "
                 f"isolation_invocations {b.get('isolation_invocations')}")
    print(f"{name}: {points} points ({', '.join(models)}) on {ctx['vcpus']} vCPU(s), "
          f"{ctx['build_arch']} "
          f"{ctx['build_linkage']}, throughput " +
          ", ".join(f"{b['throughput']:.0f}/s" for b in runs))


sweep("one.json", 2)
sweep("all.json", 2)  # each of the models --model=all names
sweep("exec.json", 2, exec_=True)
with open(os.path.join(out, "one.csv")) as f:
    rows = list(csv.reader(f))
if len(rows) != 3:
    fail(f"one.csv: {len(rows)} lines, not a header and 2 rows")
with open(os.path.join(out, "compare.csv")) as f:
    if len(list(csv.reader(f))) < 3:
        fail("compare.csv: fewer than a header and 2 rows")
for svg in ("compare-throughput.svg", "compare-p99.svg"):
    with open(os.path.join(out, svg)) as f:
        if "<svg" not in f.read():
            fail(f"{svg}: no <svg> element")
print("check_outputs: every output is there and names the build")
