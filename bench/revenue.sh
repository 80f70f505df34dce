#!/usr/bin/env bash
# Dashboard reads on a small and a large revenue ledger, SQLite and
# PostgreSQL; prints times and the large/small ratio (about 1: no scan).
set -euo pipefail
cd "$(dirname "$0")/.."
export BENCH_POSTGRES_URL="${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
# The flags of .ci/test, so the build shares its compiled dependencies.
export RUSTFLAGS="--cfg erase_components"
cargo run --quiet --example bench_revenue --features ssr
