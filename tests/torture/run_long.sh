#!/usr/bin/env bash
# The long torture run behind `make torture`: the `torture` CTest label of <build dir> with the
# counts raised (each overridable from the environment), then every TORTURE summary line and their
# totals. Exit status: ctest's.
#
#   tests/torture/run_long.sh <build dir> [ctest flags...]
set -uo pipefail

build=${1:?usage: run_long.sh <build dir> [ctest flags...]}
shift
export STRATA_TORTURE_KILLS=${STRATA_TORTURE_KILLS:-250}       # kills per manager
export STRATA_TORTURE_RUNS=${STRATA_TORTURE_RUNS:-100}         # runs per process, 8 processes
export STRATA_TORTURE_LOADS=${STRATA_TORTURE_LOADS:-600}       # corrupted loads per manager
export STRATA_TORTURE_FUZZ_SECONDS=${STRATA_TORTURE_FUZZ_SECONDS:-300}  # per fuzzer

log="$build/torture.log"
echo "torture: kills=$STRATA_TORTURE_KILLS runs=$STRATA_TORTURE_RUNS loads=$STRATA_TORTURE_LOADS" \
  "fuzz=${STRATA_TORTURE_FUZZ_SECONDS}s per fuzzer; full output in $log"
start=$(date +%s)
ctest --test-dir "$build" -L torture -V "$@" >"$log" 2>&1
status=$?
grep -E '(Passed|Failed|Not Run|Skipped|\*\*\*)' "$log" | grep -E '^ *[0-9]+/[0-9]+ Test' || true
tail -n 20 "$log" | grep -E 'tests passed|tests failed' || true
echo
# ctest -V prefixes each line of a test's output with "<test number>: ".
sed -n 's/^[0-9]*: //p' "$log" | grep -E '^TORTURE ' | grep -v '^TORTURE seed=' | sort
sed -n 's/^[0-9]*: //p' "$log" | grep -E '^TORTURE ' | awk '
  $2 == "kill_loop" { kills += f("kills"); loads += f("loads"); wrong += f("wrong"); lost += f("lost") }
  $2 == "corrupt_load" { cloads += f("loads"); cwrong += f("wrong") + f("unclear") }
  $2 == "concurrency" { runs += f("runs"); bad += f("bad_runs") }
  $2 == "hostile_keys" { keys += f("tried"); kbad += f("bad") + f("escaped") }
  $2 == "fuzz" { execs += f("runs"); crashes += f("crashes") }
  function f(name,   i, kv) { for (i = 2; i <= NF; ++i) { split($i, kv, "="); if (kv[1] == name) return kv[2] } return 0 }
  END {
    printf "TORTURE total kills=%d loads_after_kill=%d wrong=%d lost=%d corrupted_loads=%d wrong_or_unclear=%d ", kills, loads, wrong, lost, cloads, cwrong
    printf "runs=%d bad_runs=%d hostile_keys=%d bad_keys=%d fuzz_executions=%d fuzz_crashes=%d\n", runs, bad, keys, kbad, execs, crashes
  }'
echo "TORTURE cli_corpus cases_passed=$(grep -cE 'Test +#[0-9]+: Corpus/CliCorpus.* Passed' "$log")" \
  "cases_failed=$(grep -cE 'Test +#[0-9]+: Corpus/CliCorpus.*(Failed|Exception|Timeout)' "$log")"
echo "torture: $(($(date +%s) - start)) s, ctest exit status $status"
exit "$status"
