#!/usr/bin/env bash
# Durability under load, short version (issue 8): scripts/crash-test.sh with 3 rounds of up to 3 s on
# the debug binaries that scripts/test just built: loadgen runs tpcb with --ack-log, the server is
# SIGKILLed at a random moment and restarted, and every acknowledged transaction must be there with the
# tpcb invariant intact. About 30-60 s. The full test: scripts/crash-test.sh (10 rounds, release).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$(realpath -m "${CARGO_TARGET_DIR:-target}/debug")
for b in pglitedb pglitedb-loadgen; do
  if [ ! -x "$bin/$b" ]; then
    echo "60-crash: $bin/$b is missing: run cargo build --workspace first" >&2
    exit 1
  fi
done
export PATH="/usr/lib/postgresql/15/bin:$PATH"
BIN_DIR=$bin SCALE=1 CLIENTS_MIN=16 CLIENTS_MAX=24 timeout 150 scripts/crash-test.sh 3 3
