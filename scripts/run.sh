#!/usr/bin/env bash
# run.sh: installs what is needed, builds, and runs the main job: a real
# trace of this machine. obsc counts system calls and file opens by process
# while a small workload (a syscall loop, file opens, dd to a file) runs
# under -c, then prints the maps in bpftrace's format.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
echo "building obs (log: build/build.log)..."
mkdir -p build && bash scripts/build.sh > build/build.log 2>&1 || { tail -30 build/build.log; exit 1; }
if [ "$(id -u)" != 0 ]; then
  echo "run.sh: tracing needs root (or CAP_BPF and CAP_PERFMON); re-run with sudo" >&2
  exit 1
fi
workload='for i in $(seq 300); do cat /etc/hostname >/dev/null; done; dd if=/dev/zero of=/tmp/obs-demo.dat bs=4k count=2000 status=none; rm -f /tmp/obs-demo.dat'
exec build/tools/obsc/obsc -c "sh -c '$workload'" -e '
BEGIN { printf("tracing syscalls and opens of the workload...\n"); }
tracepoint:raw_syscalls:sys_enter { @syscalls[comm] = count(); }
tracepoint:syscalls:sys_enter_openat { @opens[comm, str(args.filename)] = count(); }
tracepoint:syscalls:sys_exit_write /args.ret > 0/ { @write_bytes = hist(args.ret); }
'
