#!/bin/bash
# pause_tracer.sh CMD...: run as the tracer's -c command. Stops the tracer
# (the nearest ancestor named obsc or bpftrace) with SIGSTOP, runs CMD while
# nothing drains the ring buffer, then resumes the tracer. Records that do
# not fit are then certainly lost, so a loss test does not depend on timing.
set -u
tracer=
p=$PPID
while [ "$p" -gt 1 ]; do
  c=$(cat /proc/$p/comm 2>/dev/null) || break
  if [ "$c" = obsc ] || [ "$c" = bpftrace ]; then tracer=$p; break; fi
  p=$(awk '/^PPid:/ { print $2 }' /proc/$p/status)
done
if [ -z "$tracer" ]; then
  echo "pause_tracer: no obsc or bpftrace ancestor" >&2
  exec "$@"
fi
trap 'kill -CONT $tracer 2>/dev/null' EXIT
kill -STOP "$tracer"
"$@"
status=$?
kill -CONT "$tracer"
exit $status
