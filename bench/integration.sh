#!/usr/bin/env bash
# Outcome events one per request and in batches of 100, and trust reads at a
# short and a long agent history, on SQLite and PostgreSQL; prints ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
export BENCH_POSTGRES_URL="${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
# The flags of .ci/test, so the build shares its compiled dependencies.
export RUSTFLAGS="--cfg erase_components"
cargo run --quiet --example bench_integration --features ssr
