#!/bin/bash
# bench/replay.sh: replay throughput of `obsc test`, in events per second,
# through the whole host pipeline: the synthetic stream generator, the
# JIT-compiled probe body (the same lowering as the BPF half, helpers and
# maps simulated on the host), the per-slot partial reads into the time
# engine, window closes and the JIT-compiled alert condition.
#
# The script: a `rate() over 1s` and a `slope(x) over 10s every 1s` per
# parent pid (1000 keys), an alert on the rate. No root, no BPF, no kernel.
# The figure is the median of REPS runs of `obsc test -v` (its own count of
# events over the replay loop's time, compile time excluded), and the wall
# time of one run (compile included) for reference.
#
# Environment: OBSC (default build-host/tools/obsc/obsc, then build/...),
# EVENTS_PER_S (default 200000), SECONDS_ (default 20), KEYS (1000), REPS (5).
# Prints one line to stdout: "replay: N events/s (...)".
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OBSC=${OBSC:-$ROOT/build-host/tools/obsc/obsc}
[ -x "$OBSC" ] || OBSC=$ROOT/build/tools/obsc/obsc
RATE=${EVENTS_PER_S:-200000}
SECS=${SECONDS_:-20}
KEYS=${KEYS:-1000}
REPS=${REPS:-5}
HERMETIC="--btf $ROOT/test/lit/Inputs/mini_vmlinux.o --tracefs $ROOT/test/lit/Inputs/tracefs"
# The BTF object is built; tracepoint formats are enough for this script.
[ -f "$(dirname "$OBSC")/../../test/lit/Inputs/mini_vmlinux.o" ] &&
  HERMETIC="--btf $(dirname "$OBSC")/../../test/lit/Inputs/mini_vmlinux.o --tracefs $ROOT/test/lit/Inputs/tracefs"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cat > "$TMP/rate_slope.obs" <<'OBS'
tracepoint:sched:sched_process_fork {
  @forks[args.parent_pid] = rate() over 1s;
  @growth[args.parent_pid] = slope(args.child_pid) over 10s every 1s;
}
alert fork_storm when @forks[$ppid] > 500/s for 3s {
  summary("pid %d forks %v", $ppid, @forks[$ppid]);
}
OBS
STREAM="tracepoint:sched:sched_process_fork ${RATE}/s with parent_pid=1..${KEYS} child_pid=1000+5000/s cpu=0..7 for ${SECS}s"

rates=()
for _ in $(seq "$REPS"); do
  line=$("$OBSC" test $HERMETIC "$TMP/rate_slope.obs" -v --stream "$STREAM" 2>&1 >/dev/null |
         grep 'obsc: replayed')
  # obsc: replayed N events in T ms (R events/s)
  rates+=("$(echo "$line" | sed -E 's/.*\(([0-9.]+) events\/s\).*/\1/')")
  events=$(echo "$line" | sed -E 's/obsc: replayed ([0-9]+) events.*/\1/')
done
median=$(printf '%s\n' "${rates[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
start=$(date +%s.%N)
"$OBSC" test $HERMETIC "$TMP/rate_slope.obs" --stream "$STREAM" >/dev/null
end=$(date +%s.%N)
wall=$(echo "$end - $start" | bc -l)
printf 'replay: %.0f events/s (median of %d runs of obsc test, %s events, %d keys, rate + slope + alert; one run %.2f s wall with JIT compile)\n' \
  "$median" "$REPS" "$events" "$KEYS" "$wall"
