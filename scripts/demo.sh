#!/usr/bin/env bash
# The README's main command: materializes the Hacker News pipeline on embedded defaults — the
# shipped snapshot served on loopback, the filesystem I/O manager under ./data, DuckDB in
# ./analytics.hackernews, the SQLite instance in ./.strata (or $STRATA_HOME) — and says where the
# data went, ending with the command that opens the web UI on that data.
set -euo pipefail
build=${1:-build}
bin="$build/bin/hackernews"
"$bin" materialize --select '*'
home=${STRATA_HOME:-$PWD/.strata}
cat <<EOT

Where the data went
  filesystem I/O manager  $PWD/data/  ($(ls data | tr '\n' ' '))
  DuckDB                  $PWD/analytics.hackernews  (table hackernews.topstories)
  instance                $home  (runs, event log, asset catalog in SQLite)
Look around
  $bin asset show most_frequent_words
  $bin runs
  $bin --help
Open the web UI on this data (lineage graph, the chart, runs; docs/ui.md), then browse http://127.0.0.1:3000/
  $bin ui
EOT
