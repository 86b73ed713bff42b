#!/usr/bin/env bash
# Smoke-fuzzes the protocol crate's frontend decoder for 30 s (protocol/fuzz, target frontend_decoder).
# cargo-fuzz needs a nightly toolchain and libFuzzer; without nightly the step is skipped, loudly.
# Longer runs: FUZZ_SECONDS=600 scripts/test.d/20-protocol-fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/../../protocol/fuzz"
seconds="${FUZZ_SECONDS:-30}"

if ! command -v rustup >/dev/null || ! rustup run nightly rustc --version >/dev/null 2>&1; then
  echo "SKIP protocol fuzz: no nightly toolchain (rustup toolchain install nightly) — decoder fuzzing did NOT run"
  exit 0
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz (one-time, a few minutes)"
  cargo +nightly install cargo-fuzz --locked
fi

# New inputs go to corpus/ (git-ignored); seeds/ holds a few real connection transcripts.
mkdir -p corpus/frontend_decoder
# The fuzz crate is its own workspace; a CARGO_TARGET_DIR exported for the main build would mix
# sanitizer builds into it, so use the fuzz crate's own target dir.
env -u CARGO_TARGET_DIR cargo +nightly fuzz run frontend_decoder corpus/frontend_decoder seeds/frontend_decoder \
  -- -max_total_time="$seconds" -print_final_stats=1 2>&1 | tail -n 25
# With pipefail a crash (non-zero from cargo fuzz) fails the step; the reproducer is in artifacts/.
echo "protocol fuzz: ${seconds}s without a failure"
