#!/usr/bin/env bash
# Runs every benchmark driver of a Release build tree; each prints `BENCH <name> <value> <unit>` lines
# on stdout (Google Benchmark's own table goes to stderr, shown here too for context).
set -euo pipefail
build=${1:-build}
list="$build/benchmarks.txt"
[[ -f $list ]] || { echo "no $list: configure the build first (make build)" >&2; exit 2; }
while read -r bench; do
  [[ -n $bench ]] || continue
  echo "== $bench" >&2
  "$build/bin/$bench"
done <"$list"
