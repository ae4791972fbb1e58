#!/bin/bash
# bench/replay.sh: replay throughput of `obsc test`, in events per second of
# the whole command (wall clock: start-up, JIT compile, reading the events,
# the probe bodies, windows, alerts, output), for both inputs:
#
#   --stream   the synthetic stream generator
#   --events   a JSON-lines events file, as `obsc record` writes it (every
#              key and argument of sched_process_fork, ~250 bytes a line),
#              written first by awk (not timed)
#   --events   the same events in the binary form (FILE.obsb, as `obsc
#              record -o FILE.obsb` writes it), converted first by `obsc
#              test -o` (not timed)
#
# The script: a `rate() over 1s` and a `slope(x) over 10s every 1s` per
# parent pid (1000 keys), an alert on the rate. The file holds the events
# the stream generates, with the stream's closing watermark, so both runs
# must print the same bytes (checked). No root, no BPF, no kernel.
#
# Each figure is the median of REPS runs (events / wall seconds); the CPU
# time (user + system) of the median run and the load average are printed
# too, as this is often a shared machine.
#
# Environment: OBSC (default build-host/tools/obsc/obsc, then build/...),
# EVENTS_PER_S (default 500000), SECONDS_ (default 20: 10 M events), KEYS
# (1000), REPS (5), TMPDIR (the events file: ~2.5 GB at the defaults).
# Prints three lines to stdout: "replay --stream: N events/s (...)",
# "replay --events JSON: N events/s (...)", "replay --events .obsb: ...".
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OBSC=${OBSC:-$ROOT/build-host/tools/obsc/obsc}
[ -x "$OBSC" ] || OBSC=$ROOT/build/tools/obsc/obsc
RATE=${EVENTS_PER_S:-500000}
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
EVENTS=$((RATE * SECS))

# The stream's events as `obsc record` would write them (formatEventLine's
# key order; spec §15.2 defaults pid 1000, ppid 1, cgroup 1, comm obs-test).
awk -v N="$EVENTS" -v R="$RATE" -v K="$KEYS" -v S="$SECS" 'BEGIN {
  for (i = 0; i < N; i++) {
    ts = int(i * 1000000000 / R)
    printf "{\"probe\": \"tracepoint:sched:sched_process_fork\", \"ts\": %.0f, \"cpu\": %d, \"pid\": 1000, \"tid\": 1000, \"comm\": \"obs-test\", \"ppid\": 1, \"cgroup\": 1, \"args\": {\"parent_comm\": \"obs-test\", \"parent_pid\": %d, \"child_comm\": \"obs-test\", \"child_pid\": %d}}\n", ts, i % 8, 1 + i % K, 1000 + int(5000 * ts / 1000000000)
  }
  printf "{\"watermark\": %.0f}\n", S * 1000000000
}' > "$TMP/events.jsonl"
MB=$(( $(stat -c %s "$TMP/events.jsonl") / 1048576 ))
"$OBSC" test $HERMETIC "$TMP/rate_slope.obs" --events "$TMP/events.jsonl" -o "$TMP/events.obsb" > /dev/null
BMB=$(( $(stat -c %s "$TMP/events.obsb") / 1048576 ))
# The files written above (~3 GB) go to disk now, not while a run is timed.
sync

# run NAME ARGS...: REPS runs; prints "rate cpu" of the median run.
run() {
  local out=$1
  shift
  local lines=()
  for _ in $(seq "$REPS"); do
    /usr/bin/time -f '%e %U %S' -o "$TMP/time" "$OBSC" test $HERMETIC "$TMP/rate_slope.obs" "$@" > "$out"
    read -r wall user sys < "$TMP/time"
    lines+=("$(echo "$EVENTS / $wall" | bc -l) $(echo "$user + $sys" | bc -l) $wall")
  done
  printf '%s\n' "${lines[@]}" | sort -g | awk '{a[NR]=$0} END {print a[int((NR+1)/2)]}'
}

load=$(cut -d' ' -f1-3 /proc/loadavg)
read -r srate scpu swall <<< "$(run "$TMP/stream.out" --stream "$STREAM")"
read -r frate fcpu fwall <<< "$(run "$TMP/events.out" --events "$TMP/events.jsonl")"
read -r brate bcpu bwall <<< "$(run "$TMP/binary.out" --events "$TMP/events.obsb")"
same="same output"
cmp -s "$TMP/stream.out" "$TMP/events.out" || same="OUTPUTS DIFFER"
bsame="same output"
cmp -s "$TMP/stream.out" "$TMP/binary.out" || bsame="OUTPUTS DIFFER"
printf 'replay --stream: %.0f events/s (median of %d runs of obsc test, %d events, %d keys, rate + slope + alert; median run %.2f s wall, %.2f s CPU; load %s)\n' \
  "$srate" "$REPS" "$EVENTS" "$KEYS" "$swall" "$scpu" "$load"
printf 'replay --events JSON: %.0f events/s (median of %d runs of obsc test, the same %d events as a %d MB JSON-lines file; median run %.2f s wall, %.2f s CPU; %s)\n' \
  "$frate" "$REPS" "$EVENTS" "$MB" "$fwall" "$fcpu" "$same"
printf 'replay --events .obsb: %.0f events/s (median of %d runs of obsc test, the same events as a %d MB binary file; median run %.2f s wall, %.2f s CPU; %s)\n' \
  "$brate" "$REPS" "$BMB" "$bwall" "$bcpu" "$bsame"
