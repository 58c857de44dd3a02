#!/usr/bin/env bash
# Runs the example pipeline (the README's main command) from a built tree.
set -euo pipefail
build=${1:-build}
exec "$build/bin/quickstart"
