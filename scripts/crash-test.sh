#!/usr/bin/env bash
# Crash test under load (issue 8): nothing the server acknowledged is lost when it is killed, and no
# transaction is half-applied.
#
#   scripts/crash-test.sh [rounds=10] [seconds=10]
#
# Starts PGLiteDB on a free port with a fresh data dir, loads pgbench's tables (`loadgen init tpcb`),
# then every round: runs loadgen's tpcb with 16-32 clients (protocol rotating simple / extended /
# prepared) and `--ack-log`, which tags each transaction's history row and logs the tag once END is
# answered COMMIT; SIGKILLs the server at a random moment 1..seconds s into the run; waits for loadgen
# to notice and exit; restarts the server on the same data dir; and runs
# `loadgen verify tpcb --check-acks`: every acknowledged transaction of every round so far is in
# pgbench_history, none twice, nothing rolled back committed, and
# sum(abalance) = sum(tbalance) = sum(bbalance) = sum(history.delta). Prints PASS/FAIL per round and
# exits non-zero on any failure (or if no round acknowledged anything: then nothing was tested).
#
# Builds nothing. Binaries: $BIN_DIR/pglitedb and $BIN_DIR/pglitedb-loadgen; BIN_DIR defaults to
# ${CARGO_TARGET_DIR:-target}/release, else .../debug (`cargo build --release -p pglitedb-server
# -p pglitedb-loadgen`). Other knobs (env): SCALE (1), CLIENTS_MIN (16), CLIENTS_MAX (32), THREADS (2),
# SEED (random; printed, reproduces the choices of clients, protocols and kill moments), PGL_FLAGS (extra
# server flags), READY_TIMEOUT (s to wait for the server to accept queries after a start, 300),
# KEEP=1 (keep the work dir; it is always kept on failure, with logs, data dir and ack log).
set -euo pipefail
rounds=${1:-10}
seconds=${2:-10}
SCALE=${SCALE:-1}
CLIENTS_MIN=${CLIENTS_MIN:-16}
CLIENTS_MAX=${CLIENTS_MAX:-32}
THREADS=${THREADS:-2}
READY_TIMEOUT=${READY_TIMEOUT:-300}
root=$(cd "$(dirname "$0")/.." && pwd)
case "$rounds$seconds" in *[!0-9]*) echo "usage: $0 [rounds] [seconds]" >&2; exit 2 ;; esac
[ "$seconds" -ge 1 ] && [ "$rounds" -ge 1 ] || { echo "usage: $0 [rounds>=1] [seconds>=1]" >&2; exit 2; }

target=${CARGO_TARGET_DIR:-$root/target}
if [ -z "${BIN_DIR:-}" ]; then
  for profile in release debug; do
    if [ -x "$target/$profile/pglitedb" ] && [ -x "$target/$profile/pglitedb-loadgen" ]; then
      BIN_DIR=$target/$profile
      break
    fi
  done
fi
server=${BIN_DIR:-$target/release}/pglitedb
loadgen=${BIN_DIR:-$target/release}/pglitedb-loadgen
for bin in "$server" "$loadgen"; do
  if [ ! -x "$bin" ]; then
    echo "crash-test: $bin is missing: cargo build --release -p pglitedb-server -p pglitedb-loadgen (or set BIN_DIR)" >&2
    exit 2
  fi
done
# glommio executors need locked memory; the server copes with the hard limit.
ulimit -l unlimited 2>/dev/null || ulimit -l "$(ulimit -H -l)" 2>/dev/null || true

# Sets $port to a port nobody listens on (checked by connecting; the window until the server binds
# is tiny). Drawn from /dev/urandom so that SEED does not fix it.
pick_port() {
  local p
  for _ in $(seq 50); do
    p=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; url="host=127.0.0.1 port=$port user=postgres dbname=postgres"; return; fi
  done
  echo "crash-test: no free port found" >&2
  exit 2
}
pick_port
SEED=${SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
RANDOM=$SEED
# loadgen's errors are for people; no Rust backtraces in the logs.
export RUST_BACKTRACE=0 RUST_LIB_BACKTRACE=0

work=$(mktemp -d /tmp/pglitedb-crash.XXXXXX)
acks=$work/acks.log
spid=""
lpid=""
failed=0
cleanup() {
  # Only the processes this script started, by pid.
  [ -n "$lpid" ] && kill -9 "$lpid" 2>/dev/null && wait "$lpid" 2>/dev/null
  [ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
  if [ "$failed" = 0 ] && [ -z "${KEEP:-}" ]; then
    rm -rf "$work"
  else
    echo "crash-test: evidence kept in $work (server.log, round*.out, acks.log, data/)"
  fi
}
trap cleanup EXIT
trap 'failed=1; exit 130' INT TERM

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Starts the server on $work/data and waits until it answers a query (recovery runs first).
# If the port is still held after a kill (the killed server's connections linger in TIME_WAIT, and
# servers before main's 9a4d3e3 did not set SO_REUSEADDR), restarts on a fresh port and says so in
# $port_note.
start_server() {
  port_note=""
  local tries=0
  while ! start_server_on_port; do
    if tail -n 3 "$work/server.log" | grep -q 'Address already in use' && [ "$tries" -lt 5 ]; then
      tries=$((tries + 1))
      local old=$port
      pick_port
      port_note=" (port $old still in use after the kill: restarted on $port)"
      continue
    fi
    return 1
  done
}

start_server_on_port() {
  echo "=== start on port $port $(date -u +%T.%N)" >>"$work/server.log"
  # shellcheck disable=SC2086
  "$server" --listen "127.0.0.1:$port" --data-dir "$work/data" ${PGL_FLAGS:-} >>"$work/server.log" 2>&1 &
  spid=$!
  local t0 deadline
  t0=$(now)
  deadline=$((SECONDS + READY_TIMEOUT))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if ! kill -0 "$spid" 2>/dev/null; then
      wait "$spid" 2>/dev/null || true
      spid=""
      if ! tail -n 3 "$work/server.log" | grep -q 'Address already in use'; then
        echo "server exited during startup (see $work/server.log):" >&2
        tail -n 20 "$work/server.log" >&2
      fi
      return 1
    fi
    if command -v psql >/dev/null; then
      psql -X -q -At -h 127.0.0.1 -p "$port" -U postgres -d postgres -c 'SELECT 1' >/dev/null 2>&1 && break
    else
      (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    fi
    sleep 0.1
  done
  [ "$SECONDS" -lt "$deadline" ] || { echo "server not ready after ${READY_TIMEOUT}s" >&2; return 1; }
  ready_s=$(since "$t0")
}

echo "# crash test: $rounds rounds, kill within 1..${seconds}s, scale $SCALE, $CLIENTS_MIN-$CLIENTS_MAX clients, SEED=$SEED"
echo "# server $server, loadgen $loadgen, port $port, work dir $work, $(nproc) CPUs, load: $(cut -d' ' -f1-3 /proc/loadavg)"
start_server || { failed=1; exit 1; }
"$loadgen" init tpcb --url "$url" --scale "$SCALE" >"$work/init.out" 2>&1 ||
  { failed=1; echo "init failed:"; cat "$work/init.out"; exit 1; }
echo "# loaded scale $SCALE: $(grep -o 'loaded in.*' "$work/init.out" || true)"

modes=(simple extended prepared)
total_acked=0
for r in $(seq "$rounds"); do
  clients=$((CLIENTS_MIN + RANDOM % (CLIENTS_MAX - CLIENTS_MIN + 1)))
  mode=${modes[$(( (r - 1) % 3 ))]}
  kill_ms=$((1000 + (RANDOM * 32768 + RANDOM) % ((seconds - 1) * 1000 + 1)))
  out=$work/round$r.out
  # -T far beyond the kill: the run ends because the server dies.
  "$loadgen" run tpcb --url "$url" -c "$clients" -j "$THREADS" -M "$mode" -T $((seconds + 600)) \
    --no-progress --seed "$((SEED + r))" --ack-log "$acks" >"$out" 2>&1 &
  lpid=$!
  sleep "$(awk -v ms="$kill_ms" 'BEGIN { printf "%.3f", ms / 1000 }')"
  if ! kill -0 "$lpid" 2>/dev/null; then
    failed=1
    echo "round $r/$rounds: FAIL: loadgen exited before the kill:"; tail -n 20 "$out"
    lpid=""
    break
  fi
  kill -9 "$spid"
  wait "$spid" 2>/dev/null || true
  spid=""
  # loadgen must notice the dead server and exit by itself, with its report.
  waited=0
  while kill -0 "$lpid" 2>/dev/null && [ "$waited" -lt 300 ]; do sleep 0.1; waited=$((waited + 1)); done
  if kill -0 "$lpid" 2>/dev/null; then
    failed=1
    echo "round $r/$rounds: FAIL: loadgen still running 30 s after the server was killed"
    break
  fi
  lrc=0
  wait "$lpid" || lrc=$?
  lpid=""
  acked=$(awk '/^ack log:/ { print $3 }' "$out")
  acked=${acked:-0}
  total_acked=$((total_acked + acked))
  lost=$(awk '/^connections lost:/ { print $3 }' "$out")
  if ! start_server; then
    failed=1
    echo "round $r/$rounds: FAIL: the server did not come back after the kill"
    break
  fi
  verdict=PASS
  if ! "$loadgen" verify tpcb --url "$url" --check-acks "$acks" >"$work/round$r.verify" 2>&1; then
    verdict=FAIL
    failed=1
  fi
  note=""
  [ "$acked" = 0 ] && note=" (WARNING: nothing acknowledged this round)"
  [ -z "$lost" ] && note="$note (loadgen exit $lrc without a lost-connection report: $(tail -n 1 "$out"))"
  printf 'round %d/%d: %s: %d clients, %s, killed at %.3f s, %s acknowledged, restart+recovery %s s%s%s\n' \
    "$r" "$rounds" "$verdict" "$clients" "$mode" "$(awk -v ms="$kill_ms" 'BEGIN { print ms / 1000 }')" \
    "$acked" "$ready_s" "$port_note" "$note"
  sed 's/^/    /' "$work/round$r.verify"
done

if [ "$failed" = 0 ] && [ "$total_acked" = 0 ]; then
  failed=1
  echo "FAIL: no round acknowledged a single transaction, so nothing was tested"
fi
if [ "$failed" = 0 ]; then
  echo "crash test: PASS ($rounds rounds, $total_acked acknowledged transactions, all present)"
else
  echo "crash test: FAIL (SEED=$SEED reproduces the choices)"
  exit 1
fi
