#!/usr/bin/env bash
# THE test command: installs missing packages, builds mlvc twice and runs the tests in each,
# then runs each fuzz target for a bounded time; ends with the time each part took.
#
#   build/       RelWithDebInfo (what users run; also hosts the 1 GiB memory test): every test
#   build-asan/  Debug with AddressSanitizer + LeakSanitizer + UBSan: every unit and
#                integration test, and the end-to-end smoke set (tests/CMakeLists.txt)
#   build-fuzz/  clang libFuzzer targets of tests/fuzz only (scripts/fuzz.sh)
#
# Each build's CTest run starts its own throwaway Postgres (the "postgres" fixture in
# tests/CMakeLists.txt) on its own port and stops it; the trap below stops it as well when
# anything fails halfway, so no server is ever left running. Exits non-zero when any build or
# test failed. Works as root (as CI runs it, with CI=true and no stdin) and as a normal user.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

start=$(date +%s)
# "PART|SECONDS" entries, printed as a table at the end (a part that failed shows too).
times=()
bash scripts/install-deps.sh
times+=("install-deps|$(( $(date +%s) - start ))")

export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS=detect_leaks=1
if [ -s tests/lsan.supp ]; then
  export LSAN_OPTIONS="suppressions=$root/tests/lsan.supp:print_suppressions=0"
fi
jobs=${MLVC_TEST_JOBS:-2}
# Postgres ports of the two test runs (port and port+1); override when those are taken.
pg_port=${MLVC_TEST_PG_PORT:-55432}

builds=(build build-asan)
stop_postgres() {
  for b in "${builds[@]}"; do
    [ -d "$root/$b/test-pg" ] && bash scripts/pg.sh stop "$root/$b/test-pg" || true
    [ -d "$root/$b/test-s3" ] && bash scripts/s3.sh stop "$root/$b/test-s3" || true
  done
}
trap stop_postgres EXIT
trap 'exit 130' INT TERM

summary=()
failed=0

# run_build DIR PG_PORT CMAKE_ARGS...
run_build() {
  local dir=$1 port=$2; shift 2
  local t0 log
  t0=$(date +%s)
  echo "=== $dir: configure"
  if ! cmake -G Ninja -S "$root" -B "$root/$dir" -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
        -DMLVC_TEST_PG_PORT="$port" "$@"; then
    summary+=("$dir: configure FAILED"); failed=1
    times+=("$dir configure+build|$(( $(date +%s) - t0 ))"); return
  fi
  echo "=== $dir: build"
  if ! ninja -C "$root/$dir" -j"$jobs"; then
    summary+=("$dir: build FAILED"); failed=1
    times+=("$dir configure+build|$(( $(date +%s) - t0 ))"); return
  fi
  times+=("$dir configure+build|$(( $(date +%s) - t0 ))")
  t0=$(date +%s)
  echo "=== $dir: test"
  log="$root/$dir/ctest-summary.log"
  # A postgres left by an interrupted earlier run would hold the port: stop it first.
  bash scripts/pg.sh stop "$root/$dir/test-pg"
  find "$root/$dir" -name mlvcd-peak-rss.txt -delete
  if ctest --test-dir "$root/$dir" --output-on-failure -j"$jobs" --no-tests=error | tee "$log"; then
    summary+=("$dir: $(grep -Eo '[0-9]+% tests passed.*' "$log" | tail -n 1) ($(( $(date +%s) - t0 )) s)")
  else
    summary+=("$dir: FAILED: $(grep -Eo '[0-9]+% tests passed.*' "$log" | tail -n 1) ($(( $(date +%s) - t0 )) s)")
    failed=1
  fi
  bash scripts/pg.sh stop "$root/$dir/test-pg"
  bash scripts/s3.sh stop "$root/$dir/test-s3"
  # Throwaway servers' data: their disk is the next tree's.
  rm -rf "$root/$dir/test-pg" "$root/$dir/test-s3"
  times+=("$dir test|$(( $(date +%s) - t0 ))")
}

run_build build "$pg_port" -DCMAKE_BUILD_TYPE=RelWithDebInfo
run_build build-asan "$((pg_port + 1))" -DCMAKE_BUILD_TYPE=Debug -DMLVC_SANITIZE=ON
# Third part: every fuzz target for a bounded time (scripts/fuzz.sh: clang, build-fuzz/).
mkdir -p "$root/build-fuzz"
t0=$(date +%s)
bash scripts/fuzz.sh | tee "$root/build-fuzz/fuzz.log" || failed=1
times+=("build-fuzz build+fuzz|$(( $(date +%s) - t0 ))")
fuzz_result=$(grep -E '^fuzz.sh: (PASS|FAIL)' "$root/build-fuzz/fuzz.log" | tail -n 1 || true)
fuzz_result=${fuzz_result#fuzz.sh: }
summary+=("build-fuzz: ${fuzz_result:-FAIL: see above}")

echo
for line in "${summary[@]}"; do echo "  $line"; done
# The figure measured by the [memory] end-to-end test (normal build only).
rss=$(find "$root/build" -name mlvcd-peak-rss.txt 2>/dev/null | head -n 1)
[ -n "$rss" ] && echo "  $(cat "$rss")"
total=$(( $(date +%s) - start ))
echo
echo "  time of each part:"
for line in "${times[@]}"; do
  printf '    %-28s %5d s  (%d min %02d s)\n' "${line%|*}" "${line#*|}" \
    $(( ${line#*|} / 60 )) $(( ${line#*|} % 60 ))
done
printf '    %-28s %5d s  (%d min %02d s)\n' total "$total" $(( total / 60 )) $(( total % 60 ))
if [ "$failed" = 0 ]; then
  echo "test.sh: PASS: all builds and tests passed in ${total} s"
else
  echo "test.sh: FAIL: see the output above (${total} s)"
fi
exit "$failed"
