#!/bin/bash
# no_leftovers.sh OBSC WORKLOADS: runs obsc on a few probe kinds and checks
# that afterwards the kernel holds no more BPF programs and links than
# before (the runtime tests run one at a time; the kernel frees programs
# shortly after the last reference goes, so the count is polled briefly).
set -u
obsc=$1 workloads=$2
count() { bpftool "$1" show 2>/dev/null | grep -c '^[0-9]\+: '; }
obs_progs() { bpftool prog show 2>/dev/null | grep -c ' name obs_'; }
progs0=$(count prog) links0=$(count link) obs0=$(obs_progs)
echo "before: $progs0 programs, $links0 links, $obs0 obs programs"

run() {
  timeout -s INT -k 5 60 "$obsc" "$@" >/dev/null 2>&1
  echo "obsc $* -> exit $?"
}
run -e 'tracepoint:syscalls:sys_enter_getppid { @ = count(); } END { printf("end\n"); }' \
    -c "$workloads/syscall_loop 100"
run -e 'uprobe:'"$workloads"'/known_func:obs_target_function { @[arg0] = count(); }
        uretprobe:'"$workloads"'/known_func:obs_target_function { @r = sum(retval); }' \
    -c "$workloads/known_func 10"
run -e 'interval:ms:50 { exit(); } profile:hz:49 { @ = count(); }'
run -e 'BEGIN { exit(); }'

for _ in $(seq 50); do
  progs1=$(count prog) links1=$(count link) obs1=$(obs_progs)
  [ "$progs1" -le "$progs0" ] && [ "$links1" -le "$links0" ] && [ "$obs1" -le "$obs0" ] && break
  sleep 0.1
done
echo "after: $progs1 programs, $links1 links, $obs1 obs programs"
if [ "$progs1" -gt "$progs0" ] || [ "$links1" -gt "$links0" ] || [ "$obs1" -gt "$obs0" ]; then
  echo "LEFT BEHIND: $((progs1 - progs0)) programs, $((links1 - links0)) links"
  bpftool prog show | grep ' name obs_' || true
  exit 1
fi
echo "nothing left behind"
