#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang in build-fuzz/ (-DMLVC_FUZZ=ON: only
# the targets and the libraries they link, with ASan and UBSan) and runs each for a bounded
# time, two at a time, from a fresh copy of its seed corpus and its kept regressions under
# build-fuzz/fuzz-run/TARGET/ (nothing is written into the source tree). Exits non-zero when
# a target crashes or fails one of its checks, printing the input and how to replay it.
#
#   scripts/fuzz.sh [TARGET...]     default: every tests/fuzz/*_fuzz.cc
#   MLVC_FUZZ_SECONDS=30            seconds per target; 0 only replays corpus and regressions
#   MLVC_FUZZ_JOBS=2                targets run at once
#
# A crash input belongs in tests/fuzz/regressions/TARGET/ once the bug is fixed: from there
# CTest replays it in every build (fuzz_TARGET_regressions), with or without clang.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
start=$(date +%s)

seconds=${MLVC_FUZZ_SECONDS:-30}
parallel=${MLVC_FUZZ_JOBS:-2}
build="$root/build-fuzz"
run_dir="$build/fuzz-run"

# Longest input per target: room for the largest legal value where the format has a limit
# (paths of 4096 bytes), a few entries or lines elsewhere; longer inputs only slow the search.
declare -A max_len=([path]=4200 [state_file]=8192)
default_max_len=4096

# clang and libFuzzer's runtime are in scripts/install-deps.sh's list; run it only when
# one is missing, so that a machine which has them touches nothing.
if ! command -v clang++ >/dev/null 2>&1 ||
   [ "$(dpkg-query -W -f='${db:Status-Status}' libclang-rt-14-dev 2>/dev/null || true)" != installed ]; then
  bash scripts/install-deps.sh
fi

if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for src in tests/fuzz/*_fuzz.cc; do
    name=$(basename "$src" _fuzz.cc)
    targets+=("$name")
  done
fi

echo "=== build-fuzz: configure"
launcher=()
if command -v ccache >/dev/null 2>&1; then
  export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
mkdir -p "$build"
cmake -G Ninja -S "$root" -B "$build" -DMLVC_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >"$build/configure.log" 2>&1 ||
  { cat "$build/configure.log"; echo "fuzz.sh: FAIL: configure"; exit 1; }
echo "=== build-fuzz: build"
ninja -C "$build" -j"$parallel" "${targets[@]/%/_fuzz}" ||
  { echo "fuzz.sh: FAIL: build ($(( $(date +%s) - start )) s)"; exit 1; }
built=$(date +%s)

# Sanitizer reports as crashes, with stacks; leaks are reported too (libFuzzer's default).
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# run_target NAME: one bounded run; writes DIR/log and DIR/rc.
run_target() {
  local t=$1 dir="$run_dir/$1" limit
  rm -rf "$dir"
  mkdir -p "$dir/corpus"
  cp -R "tests/fuzz/corpus/$t/." "$dir/corpus/"
  if [ -d "tests/fuzz/regressions/$t" ]; then
    mkdir -p "$dir/corpus/regressions"
    cp -R "tests/fuzz/regressions/$t/." "$dir/corpus/regressions/"
  fi
  if [ "$seconds" = 0 ]; then limit=(-runs=0); else limit=(-max_total_time="$seconds"); fi
  # Tokens of formats parsed by uninstrumented libraries (yaml-cpp), where there are some.
  if [ -f "$root/tests/fuzz/$t.dict" ]; then limit+=(-dict="$root/tests/fuzz/$t.dict"); fi
  local rc=0
  # -timeout: one input taking 10 s is a hang worth reporting; `timeout` guards the guard.
  timeout $((seconds + 300)) "$build/tests/fuzz/${t}_fuzz" "${limit[@]}" \
    -max_len="${max_len[$t]:-$default_max_len}" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$dir/" "$dir/corpus" >"$dir/log" 2>&1 || rc=$?
  echo "$rc" >"$dir/rc"
}

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "=== build-fuzz: run ${#targets[@]} targets, ${seconds} s each, $parallel at a time"
for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do wait -n || true; done
  echo "  start $t"
  run_target "$t" &
  pids+=($!)
done
wait
pids=()

failed=()
for t in "${targets[@]}"; do
  dir="$run_dir/$t"
  rc=$(cat "$dir/rc" 2>/dev/null || echo missing)
  execs=$(grep -Eo 'stat::number_of_executed_units: [0-9]+' "$dir/log" | grep -Eo '[0-9]+$' || true)
  cov=$(grep -Eo 'DONE +cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$dir/log" | tail -n 1 |
        sed -E 's/DONE +//' || true)
  if [ "$rc" = 0 ]; then
    printf '  %-12s ok      %10s runs  %s\n' "$t" "${execs:-?}" "$cov"
    continue
  fi
  failed+=("$t")
  artifact=$(grep -Eo 'Test unit written to .*' "$dir/log" | tail -n 1 | sed 's/Test unit written to //' || true)
  echo "  $t FAILED (exit $rc); why, then the stack (all of it in $dir/log):"
  grep -E 'FUZZ_CHECK|ERROR:|runtime error|what\(\)|terminate called|SUMMARY' "$dir/log" |
    head -n 8 | sed 's/^/    | /' || true
  grep -E '^ +#[0-9]+ 0x' "$dir/log" | head -n 25 | sed 's/^/    | /' || true
  if [ -n "$artifact" ]; then
    echo "    crashing input: $artifact"
    echo "    reproduce:      $build/tests/fuzz/${t}_fuzz $artifact"
    echo "    keep it:        cp $artifact tests/fuzz/regressions/$t/WHAT_IT_IS (and a line in"
    echo "                    tests/fuzz/regressions/README.md) once the bug is fixed"
  fi
done

end=$(date +%s)
if [ ${#failed[@]} -eq 0 ]; then
  echo "fuzz.sh: PASS: ${#targets[@]} targets, ${seconds} s each, no crash" \
       "($(( end - start )) s: build $(( built - start )) s, fuzzing $(( end - built )) s)"
else
  echo "fuzz.sh: FAIL: ${failed[*]} crashed ($(( end - start )) s)"
  exit 1
fi
