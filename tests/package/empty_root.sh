#!/usr/bin/env bash
# Runs a tarball's programs inside an empty root: a directory holding nothing but the unpacked
# tarball (/inflight), a folder for their output (/out, also TMPDIR) and the kernel's /proc, /sys
# and /dev bound in, entered with unshare + chroot. What runs there can load no library and read
# no file of this system, so passing shows the programs need none.
#
#   bash tests/package/empty_root.sh TARBALL ARCH
#
# ARCH is x86_64 or aarch64, the architecture the programs must say they were built for. An
# aarch64 tarball on an x86_64 machine runs through binfmt_misc (qemu-aarch64-static registered
# with its F flag, which opens the emulator when registered, so it needs no file in the root):
# tests/package/binfmt_aarch64.sh. Needs root (mounts and chroot) and python3 (the checks on the
# JSON, run outside the root). Exits non-zero, naming the step, on the first failure.
set -euo pipefail
tarball=$1
arch=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root/inflight" "$root/out" "$root/proc" "$root/sys" "$root/dev"
tar -xzf "$tarball" -C "$root/inflight" --strip-components=1

step() { echo "-- empty root ($arch): $*"; }

# Runs one command inside the root, in a mount namespace of its own (the binds end with it).
# Its environment is TMPDIR alone, plus $with_env; $with_wrapper (a host program such as setarch)
# runs chroot.
chroot=$(command -v chroot)
with_env=""
with_wrapper=""
in_root() {
  unshare --mount --propagation private -- sh -c '
    chroot=$1 root=$2 extra=$3 wrapper=$4; shift 4
    mount --rbind /proc "$root/proc"
    mount --rbind /sys "$root/sys"
    mount --rbind /dev "$root/dev"
    exec env -i TMPDIR=/out $extra $wrapper "$chroot" "$root" "$@"' sh "$chroot" "$root" \
    "$with_env" "$with_wrapper" "$@"
}

step "nothing in the root but the tarball"
(cd "$root" && find . -maxdepth 2 -not -path './proc*' -not -path './sys*' -not -path './dev*' |
  sort | tr '\n' ' ')
echo

step "--version of every program"
for p in inflight_sweep inflight_compare inflight_overhead inflight_runtime_api_bench \
  inflight_fd_wait_bench; do
  line=$(in_root /inflight/bin/$p --version)
  echo "$line"
  case $line in
    "$p "*"($arch, static, "*) ;;
    *) echo "$p --version does not name $arch and static: $line" >&2; exit 1 ;;
  esac
done

step "bad input: one line, exit 2"
set +e
err=$(in_root /inflight/bin/inflight_sweep --per_vcpu=0 2>&1 >/dev/null)
status=$?
set -e
echo "$err (exit $status)"
[ "$status" = 2 ] && [ "$(printf '%s\n' "$err" | wc -l)" = 1 ]

# Each sweep's table goes to /out; its last lines are shown.
sweep() {
  local name=$1
  shift
  in_root /inflight/bin/inflight_sweep "$@" >"$root/out/$name.txt" 2>"$root/out/$name.err" || {
    cat "$root/out/$name.err" >&2
    return 1
  }
  # The table: from its header line to the first blank line.
  awk '/^inflight sweep on/ { on = 1 } on && /^$/ { exit } on' "$root/out/$name.txt"
}

step "a kernel older than the C library supports: one line, exit 1"
# The kernel's release as the program sees it, lowered: UNAME26 on x86_64 (2.6.x), qemu-user's
# QEMU_UNAME on aarch64 (3.6, just below the 3.7 that aarch64's glibc needs).
if [ "$arch" = aarch64 ]; then
  with_env=QEMU_UNAME=3.6.0
else
  with_wrapper="$(command -v setarch) $(uname -m) --uname-2.6"
fi
set +e
err=$(in_root /inflight/bin/inflight_sweep --version 2>&1 >/dev/null)
status=$?
set -e
with_env=""
with_wrapper=""
echo "$err (exit $status)"
[ "$status" = 1 ] && [ "$(printf '%s\n' "$err" | wc -l)" = 1 ]
case $err in *"build needs Linux"*) ;; *) exit 1 ;; esac

step "a short sweep of the fiber model on 1 vCPU"
sweep one --vcpus=1 --per_vcpu=1,8 --duration=300ms --warmup=100ms \
  --benchmark_out=/out/one.json --csv=/out/one.csv
step "every model on every vCPU (the README's --model=all, shorter)"
sweep all --model=all --per_vcpu=1,8 --duration=300ms --warmup=100ms --benchmark_out=/out/all.json

step "the example C++ function through --exec (the runtime started inside the root)"
sweep exec --vcpus=1 --per_vcpu=1,4 --duration=300ms --warmup=100ms \
  --exec=/inflight/bin/lambda_example_io --benchmark_out=/out/exec.json

step "inflight_compare on the two sweeps"
set +e
# A shared machine flags points for interference; --include_flagged keeps the exit status about
# the programs, not the machine.
in_root /inflight/bin/inflight_compare /out/one.json /out/all.json --p99_budget=1s --include_flagged \
  --csv=/out/compare.csv --svg=/out/compare
status=$?
set -e
[ "$status" = 0 ] || { echo "inflight_compare exited $status" >&2; exit 1; }

step "inflight_overhead, one group"
in_root /inflight/bin/inflight_overhead --benchmark_filter='^Limiter' --benchmark_min_time=0.05 \
  >"$root/out/overhead.txt" 2>"$root/out/overhead.err" || {
  cat "$root/out/overhead.err" >&2
  exit 1
}
tail -n 3 "$root/out/overhead.txt"

step "what the programs wrote"
python3 "$here/check_outputs.py" "$root/out" "$arch"
echo "-- empty root ($arch): passed"
