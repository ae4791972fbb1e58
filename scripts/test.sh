#!/usr/bin/env bash
# test.sh: installs what is needed, builds, and runs every test: the lit
# suites and the GoogleTest units in one lit run, then a short fuzzing smoke
# run of the front end. Ends with "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }
BUILD_DIR=${BUILD_DIR:-build}
LIT=/usr/lib/llvm-19/build/utils/lit/lit.py

# tracefs is needed by runtime tests; mount it when we can.
if [ "$(id -u)" = 0 ] && [ ! -e /sys/kernel/tracing/events ]; then
  mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
fi

log=$(mktemp)
# Two lit runs: given both directories at once, lit discovers the lit suite
# twice. The GoogleTest units run through lit's GoogleTest format.
python3 "$LIT" -sv --order=lexical "$BUILD_DIR/test/lit" 2>&1 | tee "$log"
python3 "$LIT" -sv "$BUILD_DIR/test/unit" 2>&1 | tee "$log.unit"
# lit's summary lines look like "  Passed: 53 (70.67%)"; sum both runs.
count() {
  local a b
  a=$(sed -nE "s/^ *$1 *: *([0-9]+).*/\1/p" "$log" | tail -1)
  b=$(sed -nE "s/^ *$1 *: *([0-9]+).*/\1/p" "$log.unit" | tail -1)
  echo $(( ${a:-0} + ${b:-0} ))
}
passed=$(( $(count Passed) + $(count 'Expectedly Failed') ))
failed=$(( $(count Failed) + $(count 'Unexpectedly Passed') + $(count Unresolved) + $(count 'Timed Out') ))
skipped=$(( $(count Unsupported) + $(count Skipped) + $(count Excluded) ))
grep -E "runtime tests .* are skipped" "$log" | sed 's/^.*note: /skipped: /' || true

# Fuzzing smoke run of the front end (libFuzzer, clang-19), 60 seconds.
if [ "${OBS_SKIP_FUZZ:-0}" != 1 ] && [ -f test/fuzz/CMakeLists.txt ]; then
  FUZZ_DIR=${FUZZ_DIR:-build-fuzz}
  if [ ! -f "$FUZZ_DIR/CMakeCache.txt" ]; then
    cmake -S . -B "$FUZZ_DIR" -G Ninja -DOBS_FUZZ=ON -DOBS_FRONTEND_ONLY=ON -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 >/dev/null
  fi
  if cmake --build "$FUZZ_DIR" -j2 --target frontend_fuzz >/dev/null 2>&1; then
    fz=$(find "$FUZZ_DIR" -name frontend_fuzz -type f -executable | head -1)
    work=$(mktemp -d); cp -r test/fuzz/corpus/. "$work"/ 2>/dev/null || true
    if "$fz" -max_total_time="${OBS_FUZZ_SECONDS:-60}" -max_len=4096 "$work" >"$log.fuzz" 2>&1; then
      echo "PASS: fuzz :: frontend_fuzz ($(grep -oE 'Done [0-9]+ runs' "$log.fuzz" | tail -1))"
      passed=$((passed + 1))
    else
      echo "FAIL: fuzz :: frontend_fuzz"; tail -40 "$log.fuzz"
      failed=$((failed + 1))
    fi
  else
    echo "FAIL: fuzz :: frontend_fuzz does not build"; failed=$((failed + 1))
  fi
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
