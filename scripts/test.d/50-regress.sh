#!/usr/bin/env bash
# Compatibility ratchet (issue 4): runs PostgreSQL's tier-1 and tier-2 regression tests and our own SQL
# tests (regress/sql) through real psql against a fresh PGLiteDB, and fails if any test's passing
# statement count drops below regress/baseline.json. Builds nothing: scripts/test already ran
# `cargo build --workspace`. Raise the baseline after an improvement with
#   cargo run -p pglitedb-regress -- --start-server --tier 1,2 --update-baseline
set -euo pipefail
cd "$(dirname "$0")/../.."
ulimit -l unlimited 2>/dev/null || ulimit -l "$(ulimit -H -l)" || true
export PATH="/usr/lib/postgresql/15/bin:$PATH"

runner=target/debug/pglitedb-regress
server=target/debug/pglitedb
if [ ! -x "$runner" ]; then
  echo "50-regress: $runner is missing: run cargo build --workspace first" >&2
  exit 1
fi
if [ ! -x "$server" ]; then
  echo "50-regress: SKIPPED: $server does not exist yet (nothing to test against)"
  exit 0
fi
command -v psql >/dev/null || { echo "50-regress: psql (PostgreSQL 15 client) is not installed" >&2; exit 1; }

# The runner's unit tests (lexer, region cutting, scoring) run in `cargo test --workspace`.
# Time limits (60 s per test, 7 min for the run, after which unrun tests score 0 and fail the ratchet)
# keep a slow or wedged server from stalling CI; a server that stops answering is restarted.
timeout 600 "$runner" --start-server --server-bin "$server" --tier 1,2 --timeout 60 --budget 420 \
  --results-dir target/regress-results --check-baseline
