#!/usr/bin/env bash
# Installs everything Strata needs to build, test and benchmark, and nothing twice.
#
#   scripts/setup.sh            install what is missing (idempotent; seconds when all is present)
#
# - Debian packages listed in scripts/debian-packages.txt (apt-get; `apt-get update` only when
#   something is missing).
# - Apache Arrow C++ from the pinned pyarrow wheel, in a project-local venv at .venv/.
# - ADBC's adbc.h and the PostgreSQL and Snowflake drivers (shared libraries) from the pinned
#   adbc-driver-* wheels, in the same venv; and DuckDB's Python package (same version as the
#   library) for querying what Strata stored.
# - DuckDB's libduckdb.so and the matching duckdb.h, from pinned npm packages fetched with
#   `npm pack` (never `npm install`) into .deps/duckdb-<version>/.
# - The web UI's npm packages (`npm ci` from ui/package-lock.json) into ui/node_modules/.
# Versions are pinned in scripts/versions.env.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=versions.env
source "$root/scripts/versions.env"

say() { printf '[setup] %s\n' "$*"; }
start_ns=$(date +%s%N)

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

# --- Debian packages -----------------------------------------------------------------------------
mapfile -t wanted < <(grep -vE '^\s*(#|$)' "$root/scripts/debian-packages.txt")
missing=()
for pkg in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [[ $status == installed ]] || missing+=("$pkg")
done
# A Node.js/npm and a Python 3 with venv are needed; use the machine's own when present.
command -v npm >/dev/null 2>&1 || missing+=(npm)
if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  missing+=(python3 python3-venv)
fi
if ((${#missing[@]})); then
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  say "Debian packages: all ${#wanted[@]} present"
fi

# --- Arrow C++ through the pinned pyarrow wheel --------------------------------------------------
venv="$root/.venv"
have_pyarrow=$("$venv/bin/python" -c 'import pyarrow; print(pyarrow.__version__)' 2>/dev/null || true)
if [[ $have_pyarrow != "$PYARROW_VERSION" ]]; then
  say "installing pyarrow==$PYARROW_VERSION into .venv"
  [[ -x $venv/bin/python ]] || python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "pyarrow==$PYARROW_VERSION"
else
  say "pyarrow $PYARROW_VERSION present in .venv"
fi

# --- ADBC: adbc.h and the PostgreSQL and Snowflake drivers through the pinned wheels ------------
adbc_wanted="adbc-driver-manager==$ADBC_DRIVER_MANAGER_VERSION adbc-driver-postgresql==$ADBC_DRIVER_POSTGRESQL_VERSION"
adbc_wanted+=" adbc-driver-snowflake==$ADBC_DRIVER_SNOWFLAKE_VERSION"
have_adbc=$("$venv/bin/python" - <<'PY' 2>/dev/null || true
from importlib import metadata
names = ("adbc-driver-manager", "adbc-driver-postgresql", "adbc-driver-snowflake")
print(" ".join(f"{n}=={metadata.version(n)}" for n in names))
PY
)
if [[ $have_adbc != "$adbc_wanted" ]]; then
  say "installing $adbc_wanted into .venv"
  # shellcheck disable=SC2086  # one word per requirement
  "$venv/bin/python" -m pip install -q --disable-pip-version-check $adbc_wanted
else
  say "ADBC driver manager $ADBC_DRIVER_MANAGER_VERSION and drivers present in .venv"
fi

# --- DuckDB's Python package, the same version as the library: what the README's query uses -----
have_duckdb_py=$("$venv/bin/python" -c 'import duckdb; print(duckdb.__version__)' 2>/dev/null || true)
if [[ $have_duckdb_py != "$DUCKDB_VERSION" ]]; then
  say "installing duckdb==$DUCKDB_VERSION (Python) into .venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "duckdb==$DUCKDB_VERSION"
else
  say "duckdb $DUCKDB_VERSION (Python) present in .venv"
fi

# --- DuckDB library and header from npm ----------------------------------------------------------
duck="$root/.deps/duckdb-$DUCKDB_BINDINGS_VERSION"
if [[ ! -f $duck/.complete ]]; then
  say "fetching DuckDB $DUCKDB_VERSION (npm pack @duckdb/node-bindings-linux-x64@$DUCKDB_BINDINGS_VERSION, duckdb@$DUCKDB_VERSION)"
  rm -rf "$duck"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "@duckdb/node-bindings-linux-x64@$DUCKDB_BINDINGS_VERSION" "duckdb@$DUCKDB_VERSION" >/dev/null 2>&1)
  lib_tgz="$work/duckdb-node-bindings-linux-x64-$DUCKDB_BINDINGS_VERSION.tgz"
  hdr_tgz="$work/duckdb-$DUCKDB_VERSION.tgz"
  echo "$DUCKDB_BINDINGS_SHA256  $lib_tgz" | sha256sum -c --quiet -
  echo "$DUCKDB_HEADER_SHA256  $hdr_tgz" | sha256sum -c --quiet -
  mkdir -p "$duck/lib" "$duck/include"
  tar -xzf "$lib_tgz" -C "$work" package/libduckdb.so package/LICENSE
  mv "$work/package/libduckdb.so" "$duck/lib/"
  mv "$work/package/LICENSE" "$duck/LICENSE"
  tar -xzf "$hdr_tgz" -C "$work" package/src/duckdb/src/include/duckdb.h
  mv "$work/package/src/duckdb/src/include/duckdb.h" "$duck/include/"
  touch "$duck/.complete"
else
  say "DuckDB $DUCKDB_BINDINGS_VERSION present in .deps"
fi
ln -sfn "duckdb-$DUCKDB_BINDINGS_VERSION" "$root/.deps/duckdb"

# --- MinIO (S3-compatible server for the S3 tests) ---------------------------------------------
minio="$root/.deps/minio-$MINIO_MODULE_VERSION"
go_bin=$(command -v go || true)
[[ -z $go_bin && -x /usr/local/go/bin/go ]] && go_bin=/usr/local/go/bin/go
if [[ ! -x $minio/bin/minio ]]; then
  if [[ -n $go_bin ]]; then
    say "building MinIO $MINIO_MODULE_VERSION with go install (a few minutes, once)"
    mkdir -p "$minio/bin"
    GOBIN="$minio/bin" GOFLAGS=-mod=mod "$go_bin" install "github.com/minio/minio@$MINIO_MODULE_VERSION"
  else
    say "Go is not installed: MinIO cannot be built and the S3 tests will report themselves skipped"
  fi
else
  say "MinIO present in .deps"
fi
[[ -x $minio/bin/minio ]] && ln -sfn "minio-$MINIO_MODULE_VERSION" "$root/.deps/minio"

# --- The web UI's front end: pinned npm packages (ui/package-lock.json) ------------------------
# Vite needs Node.js 20.19 or newer; the browser tests and UI benchmarks drive Debian's chromium
# (a Debian package above) through playwright-core: no browser is ever downloaded.
node_version=$(node -p 'process.versions.node' 2>/dev/null || echo 0)
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' 2>/dev/null; then
  say "Node.js $node_version is too old for the web UI's build (Vite needs 20.19 or newer): install a newer nodejs"
  exit 1
fi
installed="$root/ui/node_modules/.package-lock.json"
if [[ ! -f $installed || $root/ui/package-lock.json -nt $installed ]]; then
  say "installing the web UI's npm packages (npm ci in ui/)"
  (cd "$root/ui" && npm ci --no-audit --no-fund --loglevel=error)
  touch "$installed"
else
  say "web UI npm packages present in ui/node_modules (Node.js $node_version)"
fi

elapsed_ms=$((($(date +%s%N) - start_ns) / 1000000))
printf '[setup] done in %d.%03d s\n' $((elapsed_ms / 1000)) $((elapsed_ms % 1000))
