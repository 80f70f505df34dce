#!/usr/bin/env bash
# Page weight on a slow profile (see bench/page_weight.mjs): builds the
# release site, starts the server on a scratch SQLite database and measures
# the sign-in page, first visit and returning visit.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export RUSTFLAGS="--cfg erase_components"
cargo leptos build --release --precompress
target_dir="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
work="$(mktemp -d)"
port=3131
DATABASE_URL="sqlite://$work/portal.db" APP_COOKIE_SECURE=false APP_OUTBOX_DIR="$work/outbox" \
  APP_PUBLIC_URL="http://127.0.0.1:$port" LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT="$(pwd)/target/site" \
  LEPTOS_OUTPUT_NAME=partner-portal "$target_dir/release/partner-portal" > "$work/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
ls -l target/site/pkg
node bench/page_weight.mjs "http://127.0.0.1:$port/login"
