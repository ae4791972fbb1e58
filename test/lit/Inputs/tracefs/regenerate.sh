#!/bin/sh
# Copies the tracepoint format files the lit and unit tests use from this
# machine's tracefs into this directory (run as root from anywhere):
#   test/lit/Inputs/tracefs/regenerate.sh [TRACEFS]
# The files are kernel data (the kernel's own descriptions of its events).
set -e
here=$(cd "$(dirname "$0")" && pwd)
src=${1:-/sys/kernel/tracing}
[ -d "$src/events" ] || mount -t tracefs nodev "$src"
events="
syscalls:sys_enter_openat syscalls:sys_exit_openat
syscalls:sys_enter_open syscalls:sys_exit_open
syscalls:sys_enter_read syscalls:sys_exit_read
syscalls:sys_enter_write syscalls:sys_exit_write
syscalls:sys_enter_execve syscalls:sys_exit_execve
syscalls:sys_enter_clone syscalls:sys_exit_clone
syscalls:sys_enter_kill syscalls:sys_exit_kill
syscalls:sys_enter_connect syscalls:sys_exit_connect
syscalls:sys_enter_accept4 syscalls:sys_exit_accept4
syscalls:sys_enter_close syscalls:sys_exit_close
syscalls:sys_enter_nanosleep syscalls:sys_exit_nanosleep
syscalls:sys_enter_exit_group
syscalls:sys_enter_mmap syscalls:sys_exit_mmap
syscalls:sys_enter_brk syscalls:sys_exit_brk
raw_syscalls:sys_enter raw_syscalls:sys_exit
sched:sched_process_fork sched:sched_process_exec sched:sched_process_exit
sched:sched_switch sched:sched_wakeup sched:sched_wakeup_new
block:block_rq_issue block:block_rq_complete block:block_io_start block:block_io_done
sock:inet_sock_set_state tcp:tcp_retransmit_skb
exceptions:page_fault_user
signal:signal_generate signal:signal_deliver
kmem:rss_stat kmem:kmalloc kmem:mm_page_alloc
irq:irq_handler_entry timer:hrtimer_start
vmscan:mm_vmscan_direct_reclaim_begin
"
for e in $(cd "$src/events/writeback" && ls -d */ | tr -d /); do
  events="$events writeback:$e"
done
rm -rf "$here/events"
: > "$here/available_events.tmp"
for ce in $events; do
  c=${ce%%:*}; e=${ce#*:}
  if [ -f "$src/events/$c/$e/format" ]; then
    mkdir -p "$here/events/$c/$e"
    cp "$src/events/$c/$e/format" "$here/events/$c/$e/format"
    echo "$c:$e" >> "$here/available_events.tmp"
  else
    echo "warning: $c:$e not on this kernel" >&2
  fi
done
sort "$here/available_events.tmp" > "$here/available_events"
rm "$here/available_events.tmp"
# kprobe candidates: the functions the mini BTF declares, as the kernel
# would list them, plus one module function.
grep -oE '^[a-z_0-9 ]+[ *]+[a-z_0-9]+\(' "$here/../btf/mini_vmlinux.c" |
  sed -E 's/.*[ *]([a-z_0-9]+)\($/\1/' | grep -v '^__bpf_trace' |
  sort -u > "$here/available_filter_functions"
echo "ext4_file_read_iter [ext4]" >> "$here/available_filter_functions"
