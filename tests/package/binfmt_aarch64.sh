#!/usr/bin/env bash
# Lets this x86_64 machine exec aarch64 programs: registers qemu-aarch64-static with the kernel's
# binfmt_misc, as Debian's qemu-user-static describes it (/usr/lib/binfmt.d/qemu-aarch64.conf,
# flags OPF; F opens the emulator now, so it runs inside a chroot that lacks it). Needed because
# the aarch64 tests start programs of their own (inflight_sweep, the fake runtime) and the sweep
# starts the runtime under --exec: qemu-user emulates one process and leaves exec to the kernel.
# Does nothing when the entry is already there. Needs root; changes the kernel's table until
# reboot (`echo -1 > /proc/sys/fs/binfmt_misc/qemu-aarch64` removes the entry).
set -euo pipefail
misc=/proc/sys/fs/binfmt_misc
conf=/usr/lib/binfmt.d/qemu-aarch64.conf
if [ "$(uname -m)" = aarch64 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then exec sudo bash "$0" "$@"; fi
if [ ! -e "$misc/register" ]; then mount -t binfmt_misc binfmt_misc "$misc"; fi
if [ ! -e "$misc/qemu-aarch64" ]; then
  [ -f "$conf" ] || { echo "binfmt_aarch64: no $conf (bash .ci/deps static installs it)" >&2; exit 1; }
  cat "$conf" >"$misc/register"
fi
grep -qx enabled "$misc/qemu-aarch64"
echo "binfmt_aarch64: $(sed -n 's/^interpreter //p' "$misc/qemu-aarch64") runs aarch64 programs"
