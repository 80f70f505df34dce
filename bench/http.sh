#!/usr/bin/env bash
# The HTTP benchmark (see bench/load.py and docs/PERFORMANCE.md): builds the
# release server and the baseline, then runs the portal and the baseline on
# SQLite and PostgreSQL. Needs wrk (Debian: apt-get install wrk).
#   bash bench/http.sh                 # the full run, about 25 minutes
#   bash bench/http.sh --engine sqlite --quick
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
# The flags of .ci/test, so the build shares its compiled dependencies.
export RUSTFLAGS="--cfg erase_components"
export BENCH_POSTGRES_URL="${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
profile="${BENCH_PROFILE:-release}"
flag=(); [ "$profile" = release ] && flag=(--release)
cargo build --quiet "${flag[@]}" --features ssr --bin partner-portal --example baseline
exec python3 bench/load.py "$@"
