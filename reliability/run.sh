#!/usr/bin/env bash
# The reliability suite, long form: the same tests CI runs in their short
# form, with the counts docs/RELIABILITY.md reports. Each test prints what it
# tried and what held (shown here with --no-capture). About 40 minutes on
# two cores, most of it the ten-minute soak on each engine.
#
#   bash reliability/run.sh            everything
#   bash reliability/run.sh crash      one part: crash, outage, instances,
#                                      fuzz, soak or audit
#
# Needs what .ci/setup installs (nginx, schemathesis, cargo-audit) and the
# PostgreSQL named by TEST_POSTGRES_URL; the shared server is never stopped
# (the outage test cuts a TCP proxy of its own).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export RUSTFLAGS="--cfg erase_components"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/partner-portal/target}"
export TEST_POSTGRES_URL="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"

part() { [ $# -eq 0 ] || [ "$1" = all ] || [ "$1" = "$2" ]; }
run() {
  printf '\n== %s\n' "$1"
  shift
  cargo nextest run --features ssr --profile reliability --no-capture -E "$@"
}
want="${1:-all}"

# Ten SIGKILLs at random moments under write load, on each engine.
part "$want" crash && PP_CRASH_KILLS=10 run "crash safety: kill -9 ×10" 'test(kill_9)'
# PostgreSQL away for ten seconds behind the test's own TCP proxy.
part "$want" outage && PP_OUTAGE_SECONDS=10 run "database outage: 10 s" 'test(database_outage)'
# Two instances behind nginx, stopped and started one after the other.
part "$want" instances && PP_INSTANCES_SECONDS=15 run "several instances: rolling restart" 'test(two_instances)'
# schemathesis, 200 examples per operation.
part "$want" fuzz && PP_FUZZ_EXAMPLES=200 run "API fuzzing: 200 examples per operation" 'test(schemathesis)'
# 64 signed-in and anonymous clients for ten minutes, RSS before and after.
part "$want" soak && PP_LOAD_CLIENTS=64 PP_LOAD_SECONDS=600 run "soak: 64 clients, 10 minutes" 'test(concurrent_load)'
part "$want" audit && { printf '\n== dependencies against the advisory database\n'; bash .ci/audit; }
printf '\n== reliability suite passed\n'
