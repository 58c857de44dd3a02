#!/usr/bin/env bash
# Builds and runs Strata's libFuzzer targets (see fuzz/CMakeLists.txt and docs/testing.md).
#
#   fuzz/run_fuzzers.sh build <dir>                        configure <dir> with clang 16 (-DSTRATA_FUZZ=ON,
#                                                          core and io only) and build the fuzzers
#   fuzz/run_fuzzers.sh run <dir> <target> [flags...]      run fuzz_<target> from its seed corpus
#                                                          (fuzz/corpus/<target>, never written to) with
#                                                          libFuzzer flags such as -runs=N or -max_total_time=S;
#                                                          prints `TORTURE fuzz target=<t> runs=<n> crashes=<0|1>`
#   fuzz/run_fuzzers.sh replay <dir> <target>              run fuzz_<target> once on every file of
#                                                          fuzz/regressions/<target> (inputs that crashed it)
#
# With STRATA_TORTURE_FUZZ_SECONDS=S in the environment, `run` fuzzes for S seconds from a random
# seed instead of the -runs/-seed it was given (`make torture`).
#
# Exit status: libFuzzer's (non-zero when an input crashed, leaked, hung or ran out of memory; the
# input is then saved under <dir>/artifacts/<target>/).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
command=${1:-}
dir=${2:-}
[[ -n $command && -n $dir ]] || { sed -n '2,19p' "${BASH_SOURCE[0]}"; exit 2; }

# Debian 12's clang 14 cannot compile core/config/config_field.cpp (it instantiates a constrained
# constructor of Setting<int64_t> in an explicit instantiation); clang 16 can.
CLANG=${STRATA_FUZZ_CLANG:-clang-16}
CLANGXX=${STRATA_FUZZ_CLANGXX:-clang++-16}

case $command in
  build)
    if [[ ! -f $dir/build.ninja ]]; then
      CC=$CLANG CXX=$CLANGXX cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSTRATA_FUZZ=ON \
        -DSTRATA_BUILD_TESTS=OFF -DSTRATA_BUILD_BENCH=OFF -DSTRATA_BUILD_EXAMPLES=OFF \
        -DCMAKE_CXX_FLAGS=-Wno-unknown-warning-option -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" >/dev/null
    fi
    cmake --build "$dir" -j "$(nproc)" --target fuzz_run_config fuzz_run_config_json fuzz_selection fuzz_stored_object
    ;;
  run)
    target=${3:?target}
    shift 3
    flags=("$@")
    if [[ -n ${STRATA_TORTURE_FUZZ_SECONDS:-} ]]; then
      flags=(-max_total_time="$STRATA_TORTURE_FUZZ_SECONDS")
      for flag in "$@"; do
        [[ $flag == -runs=* || $flag == -seed=* ]] || flags+=("$flag")
      done
    fi
    scratch=$(mktemp -d)
    trap 'rm -rf "$scratch"' EXIT
    mkdir -p "$dir/artifacts/$target"
    log=$scratch/log
    status=0
    # The first corpus directory receives new inputs: a scratch one, so the committed seeds stay as they are.
    "$dir/bin/fuzz_$target" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$dir/artifacts/$target/" "${flags[@]}" "$scratch" "$root/fuzz/corpus/$target" >"$log" 2>&1 || status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    if ((status != 0)); then
      grep -E 'ERROR|SUMMARY|what\(\)|Test unit written' "$log" | head -20 >&2 || true
    fi
    echo "TORTURE fuzz target=$target runs=${runs:-0} crashes=$((status != 0))"
    exit "$status"
    ;;
  replay)
    target=${3:?target}
    "$dir/bin/fuzz_$target" -rss_limit_mb=2048 -timeout=10 "$root/fuzz/regressions/$target"/*
    ;;
  *)
    sed -n '2,19p' "${BASH_SOURCE[0]}"
    exit 2
    ;;
esac
