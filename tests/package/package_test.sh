#!/usr/bin/env bash
# The package tests (ctest label `package`, tests/package/CMakeLists.txt): Strata used the ways an
# outside project uses it, each built in its own tree.
#
#   package_test.sh install <build> <prefix>             cmake --install <build> into a new, empty <prefix>
#   package_test.sh find-package <prefix> <dir> [tables] [cmake args...]
#                                                        build tests/package/consumer in <dir> with
#                                                        find_package(strata) against <prefix> and run it;
#                                                        `tables`: also COMPONENTS arrow duckdb (consumer_tables)
#   package_test.sh add-subdirectory <dir> [cmake args...]
#                                                        build the consumer with add_subdirectory(<checkout>)
#                                                        (only its own target and what it links) and run it
#   package_test.sh no-tables <dir> [cmake args...]      configure Strata in <dir> with STRATA_WITH_ARROW=OFF
#                                                        STRATA_WITH_DUCKDB=OFF, build it, run its tests,
#                                                        install it and build the consumer against that
#
# [cmake args] carry the enclosing build's compiler, launcher (ccache), build type and sanitizer flags,
# so objects compiled with the same flags come from ccache. Trees given as <dir> are reused (an
# incremental build); the install prefix is emptied first, so nothing stale can stand in for a
# missing install rule.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
consumer=$root/tests/package/consumer
command=${1:-}
[[ -n $command ]] || { sed -n '2,/^set -e/{/^#/p}' "${BASH_SOURCE[0]}"; exit 2; }
shift
jobs=$(nproc)

# run_consumer <dir>: the consumer's pipeline in a scratch directory, its stored value checked.
run_consumer() {
  local scratch value status=0
  scratch=$(mktemp -d)
  (cd "$scratch" && STRATA_HOME=$scratch/home "$1/consumer" materialize --select '*') || status=$?
  if ((status == 0)); then
    value=$(cd "$scratch" && STRATA_HOME=$scratch/home "$1/consumer" asset value total) || status=$?
  fi
  if ((status == 0)) && [[ $value != *10007* ]]; then
    echo "consumer: expected the stored value of total to be 10007, got: $value" >&2
    status=1
  fi
  if ((status == 0)) && [[ ! -f $scratch/data/total ]]; then
    echo "consumer: no data/total written by the filesystem manager" >&2
    status=1
  fi
  rm -rf "$scratch"
  ((status == 0)) && echo "consumer: total = 10007, stored under data/ by the filesystem manager"
  return "$status"
}

# install_tree <build> <prefix>: cmake --install into an emptied prefix, the package files checked.
install_tree() {
  local build=$1 prefix=$2
  rm -rf "$prefix"
  cmake --install "$build" --prefix "$prefix"
  for file in lib/cmake/strata/strataConfig.cmake lib/cmake/strata/strataConfigVersion.cmake \
              include/strata/strata.hpp lib/libstrata_core.a lib/libstrata_cli.a; do
    [[ -f $prefix/$file ]] || { echo "install: $prefix/$file is missing" >&2; return 1; }
  done
  # Nothing installed may point into the build tree's Python venv or fetched dependencies.
  if grep -rl -e '/\.venv/' -e '/\.deps/' "$prefix/lib/cmake/strata"; then
    echo "install: the files above name the build tree's .venv/ or .deps/" >&2
    return 1
  fi
}

# find_package_consumer <prefix> <dir> <tables: ON|OFF> [cmake args...]: the consumer built against
# the installed Strata and run.
find_package_consumer() {
  local prefix=$1 dir=$2 tables=$3
  shift 3
  rm -rf "$dir"
  cmake -S "$consumer" -B "$dir" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" -DCONSUMER_TABLES="$tables" "$@"
  cmake --build "$dir" -j "$jobs"
  run_consumer "$dir"
  if [[ $tables == ON ]]; then
    local scratch output
    scratch=$(mktemp -d)
    output=$(cd "$scratch" && "$dir/consumer_tables") || { rm -rf "$scratch"; return 1; }
    rm -rf "$scratch"
    [[ $output == "sum=5050" ]] || { echo "consumer_tables: expected sum=5050, got: $output" >&2; return 1; }
    echo "consumer_tables: $output (an Arrow table stored in DuckDB and loaded back)"
  fi
}

case $command in
  install)
    install_tree "${1:?build dir}" "${2:?prefix}"
    ;;
  find-package)
    prefix=${1:?prefix}
    dir=${2:?consumer build dir}
    shift 2
    tables=OFF
    if [[ ${1:-} == tables ]]; then
      tables=ON
      shift
    fi
    find_package_consumer "$prefix" "$dir" "$tables" "$@"
    ;;
  add-subdirectory)
    dir=${1:?consumer build dir}
    shift
    cmake -S "$consumer" -B "$dir" -G Ninja -DSTRATA_SOURCE_DIR="$root" "$@"
    cmake --build "$dir" -j "$jobs" --target consumer
    run_consumer "$dir"
    ;;
  no-tables)
    dir=${1:?build dir}
    shift
    # Without the UI's front end (the main build tests it; two npm builds at once would share ui/node_modules).
    cmake -S "$root" -B "$dir" -G Ninja -DSTRATA_WITH_ARROW=OFF -DSTRATA_WITH_DUCKDB=OFF -DSTRATA_BUILD_UI=OFF "$@"
    for target in strata_arrow strata_duckdb strata_adbc; do
      if ninja -C "$dir" -t query "$target" >/dev/null 2>&1; then
        echo "no-tables: $target is defined with STRATA_WITH_ARROW=OFF STRATA_WITH_DUCKDB=OFF" >&2
        exit 1
      fi
    done
    cmake --build "$dir" -j "$jobs"
    # Its own package tests would build yet more trees: they run in the enclosing suite. The tests on
    # a PostgreSQL server (a server started per test, most of the time this takes) run there too:
    # the storage layer's code is the same with or without tables, and the tests run on both backends
    # still run here on SQLite. STRATA_PACKAGE_ALL_TESTS=1 runs them here as well.
    exclude=(-E '/postgres|Postgres')
    [[ ${STRATA_PACKAGE_ALL_TESTS:-} == 1 ]] && exclude=()
    ctest --test-dir "$dir" -j "$jobs" --output-on-failure -LE package "${exclude[@]}"
    # Installed, it serves a consumer without tables, and says why it has no table components.
    install_tree "$dir" "$dir/package/prefix"
    find_package_consumer "$dir/package/prefix" "$dir/package/find-package" OFF "$@"
    if output=$(cmake -S "$consumer" -B "$dir/package/find-tables" -G Ninja -DCMAKE_PREFIX_PATH="$dir/package/prefix" \
                  -DCONSUMER_TABLES=ON 2>&1); then
      echo "no-tables: find_package(strata COMPONENTS arrow duckdb) succeeded against an install without tables" >&2
      exit 1
    fi
    output=$(tr -s ' \n' ' ' <<<"$output")  # CMake wraps the message's lines
    if [[ $output != *"'arrow' (not in this install: built with STRATA_WITH_ARROW=OFF"* ]]; then
      echo "no-tables: find_package(strata COMPONENTS arrow duckdb) failed without naming the reason:" >&2
      echo "$output" >&2
      exit 1
    fi
    echo "no-tables: find_package(strata COMPONENTS arrow duckdb) fails: built with STRATA_WITH_ARROW=OFF"
    ;;
  *)
    echo "unknown command '$command'" >&2
    exit 2
    ;;
esac
