#!/usr/bin/env bash
# PGLiteDB against PostgreSQL 15 on this machine (issue 8): pgbench's three built-in scripts in the three
# protocols, and loadgen's tpcb, at several client counts; servers alternate run by run (PG first in odd
# rounds, PGLiteDB first in even ones) so drift in the machine's load hits both; prints a markdown table
# with median TPS, median p50/p99 latency and the ratio PGLiteDB/PG, then checks the tpcb invariant on
# both servers.
#
#   bench/compare.sh                                                  # the full run (about 1 h)
#   SCALE=1 CLIENTS="1 8" DURATION=3 ROUNDS=1 MODES=prepared WORKLOADS="tpcb loadgen-tpcb" bench/compare.sh
#
# Env: SCALE (10), CLIENTS ("1 8 32 64"), DURATION (s per run, 10), ROUNDS (runs per server and cell, 3),
# MODES ("simple extended prepared"), WORKLOADS ("tpcb select update loadgen-tpcb": pgbench -b tpcb-like,
# -S, -N, and pglitedb-loadgen run tpcb), THREADS (pgbench -j / loadgen -j, capped at the client count;
# default: CPUs), PGBENCH_FLAGS (extra pgbench flags, e.g. --max-tries=10), PGL_FLAGS (extra pglitedb
# flags), PGPORT/LPORT (55471/55472), SKIP_BUILD=1 (use existing release binaries).
#
# PostgreSQL 15 settings (here and in bench/lib.sh): fsync=on, synchronous_commit=on, shared_buffers=4GB,
# max_connections = largest client count + 50 (at least 100), trust auth over TCP loopback. PG 15 maps
# shared_buffers as anonymous shared memory (shared_memory_type=mmap), so SysV shm limits do not apply,
# but a machine without 4 GB to spare refuses to start it: then the script says so on stderr and in the
# table header, and falls back to PG_SHARED_BUFFERS_FALLBACK (1GB). PGLiteDB: the release build, one shard
# per CPU, group commit, fsync'd WAL (its only mode). pgbench runs with -n (no vacuum, history kept), so
# the balance invariant can be checked at the end. Latency percentiles come from pgbench's per-
# transaction log (-l; failed transactions are not in it) and from loadgen's HdrHistogram.
#
# Needs: cargo (builds pglitedb and pglitedb-loadgen in release unless SKIP_BUILD=1), PostgreSQL 15
# server binaries, pgbench 15. As root, PostgreSQL runs as the unprivileged user pgtest (bench/lib.sh).
set -euo pipefail
SCALE=${SCALE:-10}
CLIENTS=${CLIENTS:-"1 8 32 64"}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
MODES=${MODES:-"simple extended prepared"}
WORKLOADS=${WORKLOADS:-"tpcb select update loadgen-tpcb"}
THREADS=${THREADS:-$(nproc)}
PGPORT=${PGPORT:-55471}
LPORT=${LPORT:-55472}
cmdline="SCALE=$SCALE CLIENTS=\"$CLIENTS\" DURATION=$DURATION ROUNDS=$ROUNDS MODES=\"$MODES\" WORKLOADS=\"$WORKLOADS\" THREADS=$THREADS${PGBENCH_FLAGS:+ PGBENCH_FLAGS=\"$PGBENCH_FLAGS\"}${PGL_FLAGS:+ PGL_FLAGS=\"$PGL_FLAGS\"} bench/compare.sh"
for w in $WORKLOADS; do
  case $w in tpcb | select | update | loadgen-tpcb) ;; *) echo "unknown workload $w" >&2; exit 2 ;; esac
done
max_clients=$(printf '%s\n' $CLIENTS | sort -n | tail -n 1)
PG_MAX_CONNECTIONS=$(( max_clients + 50 > 100 ? max_clients + 50 : 100 ))
PG_SHARED_BUFFERS=4GB
PG_SHARED_BUFFERS_FALLBACK=${PG_SHARED_BUFFERS_FALLBACK:-1GB}
BENCH_PACKAGES=pglitedb-loadgen
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
loadgen=$bindir/pglitedb-loadgen
mkdir -p "$work/log"

url() { echo "host=127.0.0.1 port=$1 user=postgres dbname=postgres"; }
# pgbench's readiness: PGLiteDB's listener is up once lib.sh's loop ends; check that it answers.
for port in "$PGPORT" "$LPORT"; do
  psql -X -q -At -h 127.0.0.1 -p "$port" -U postgres -d postgres -c 'SELECT 1' >/dev/null
done

cells=0
for w in $WORKLOADS; do for _ in $MODES; do for _ in $CLIENTS; do cells=$((cells + 1)); done; done; done
echo "# $cmdline"
echo "# $(date -u +'%F %T') UTC, $(nproc) CPUs, $(free -g | awk '/^Mem:/ { print $2 " GiB" }'), load average: $(cut -d' ' -f1-3 /proc/loadavg), pglitedb $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "# PostgreSQL $("$PGBIN/postgres" --version | awk '{ print $3 }'): fsync=on synchronous_commit=on shared_buffers=$pg_shared_buffers max_connections=$PG_MAX_CONNECTIONS$([ "$pg_shared_buffers" != 4GB ] && echo " (4GB REFUSED on this machine, see stderr)"); PGLiteDB ${PGL_FLAGS:-(defaults)}"
echo "# pgbench -n -h 127.0.0.1 -p PORT -U postgres -M MODE -c C -j min(C,$THREADS) -T $DURATION {-b tpcb-like | -S | -N} -l ${PGBENCH_FLAGS:-}postgres"
echo "# pglitedb-loadgen run tpcb --url 'host=127.0.0.1 port=PORT user=postgres' -M MODE -c C -j min(C,$THREADS) -T $DURATION --no-progress"
echo "# $cells cells x $ROUNDS rounds x 2 servers x ${DURATION}s = at least $((cells * ROUNDS * 2 * DURATION)) s of runs"

for port in "$PGPORT" "$LPORT"; do
  t0=$SECONDS
  pgbench -i -q -s "$SCALE" -h 127.0.0.1 -p "$port" -U postgres postgres >"$work/init.$port" 2>&1 ||
    { echo "pgbench -i failed on port $port:" >&2; tail -n 20 "$work/init.$port" >&2; exit 1; }
  echo "# pgbench -i -s $SCALE on port $port: $((SECONDS - t0)) s"
done

# Percentiles (p50 p99, ms) of the latencies in µs on stdin, one per line.
percentiles() {
  sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) { print "- -"; exit }
    i50 = int(NR * 0.50); if (i50 < 1) i50 = 1; i99 = int(NR * 0.99); if (i99 < 1) i99 = 1
    printf "%.3f %.3f\n", a[i50] / 1000, a[i99] / 1000 }'
}

# One run; prints "tps p50 p99 failed". Never fails the script: a failed run shows as failed count.
run_one() { # workload port mode clients
  local w=$1 port=$2 mode=$3 c=$4 j out prefix
  j=$(( c < THREADS ? c : THREADS ))
  out=$work/run.out
  if [ "$w" = loadgen-tpcb ]; then
    "$loadgen" run tpcb --url "$(url "$port")" -M "$mode" -c "$c" -j "$j" -T "$DURATION" --no-progress >"$out" 2>&1 || true
    awk '/^tps:/ { t = $2 } /^latency ms:/ { p50 = $6; p99 = $10 }
      /^errors:/ { f = 0; for (i = 3; i <= NF; i += 2) f += $i + 0 }
      END { if (t == "") { t = 0; p50 = "-"; p99 = "-"; f = "run-failed" } printf "%.0f %s %s %s\n", t, p50, p99, f }' "$out"
    return
  fi
  local script
  case $w in tpcb) script=(-b tpcb-like) ;; select) script=(-S) ;; update) script=(-N) ;; esac
  prefix=$work/log/pgbench
  rm -f "$prefix".*
  # shellcheck disable=SC2086
  pgbench -n -h 127.0.0.1 -p "$port" -U postgres -M "$mode" -c "$c" -j "$j" -T "$DURATION" "${script[@]}" \
    -l --log-prefix="$prefix" ${PGBENCH_FLAGS:-} postgres >"$out" 2>&1 || true
  local tps failed aborted
  tps=$(awk '/^tps = / { printf "%.0f", $3 }' "$out")
  failed=$(awk '/^number of failed transactions/ { print $5 }' "$out")
  aborted=$(grep -c 'client [0-9]* aborted' "$out" || true)
  failed=$(( ${failed:-0} + aborted ))
  [ -n "$tps" ] || { tps=0; failed=run-failed; }
  # Log line: client_id transaction_no time(µs) script_no epoch epoch_us; failed ones say "failed".
  read -r p50 p99 < <(cat "$prefix".* 2>/dev/null | awk '$3 ~ /^[0-9]+$/ { print $3 }' | percentiles)
  echo "$tps $p50 $p99 $failed"
}

printf '\n| workload | protocol | clients | PostgreSQL 15 TPS | PGLiteDB TPS | ratio | PG p50 / p99 ms | PGLiteDB p50 / p99 ms | failed PG / PGLiteDB | rounds PG / PGLiteDB (TPS) |\n'
printf '|---|---|---|---|---|---|---|---|---|---|\n'
med() { printf '%s\n' $1 | grep -v '^-$' | median; }
noresult=0
for w in $WORKLOADS; do
  case $w in tpcb) label="pgbench tpcb-like" ;; select) label="pgbench -S" ;; update) label="pgbench -N" ;; loadgen-tpcb) label="loadgen tpcb" ;; esac
  for mode in $MODES; do
    for c in $CLIENTS; do
      declare -A tps=() p50=() p99=() failed=([pg]=0 [pgl]=0)
      for r in $(seq "$ROUNDS"); do
        if [ $((r % 2)) = 1 ]; then order="pg pgl"; else order="pgl pg"; fi
        for s in $order; do
          if [ "$s" = pg ]; then port=$PGPORT; else port=$LPORT; fi
          read -r t a b f < <(run_one "$w" "$port" "$mode" "$c")
          tps[$s]="${tps[$s]:-} $t"; p50[$s]="${p50[$s]:-} $a"; p99[$s]="${p99[$s]:-} $b"
          if [ "$f" = run-failed ]; then
            noresult=$((noresult + 1))
            echo "run without a result ($w $mode $c clients, port $port):" >&2; tail -n 5 "$work/run.out" >&2
          else
            failed[$s]=$(( ${failed[$s]} + f ))
          fi
        done
      done
      mpg=$(med "${tps[pg]}"); mpgl=$(med "${tps[pgl]}")
      ratio=$(awk -v a="$mpgl" -v b="$mpg" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
      printf '| %s | %s | %s | %s | %s | %s | %s / %s | %s / %s | %s / %s | %s / %s |\n' "$label" "$mode" "$c" \
        "$mpg" "$mpgl" "$ratio" "$(med "${p50[pg]}")" "$(med "${p99[pg]}")" "$(med "${p50[pgl]}")" "$(med "${p99[pgl]}")" \
        "${failed[pg]}" "${failed[pgl]}" "${tps[pg]# }" "${tps[pgl]# }"
      unset tps p50 p99 failed
    done
  done
done
[ "$noresult" = 0 ] || echo "WARNING: $noresult runs produced no result (TPS 0 in the rounds column; their output is on stderr)"

# The invariant on both servers. pgbench -N (update) adds to accounts and history only, so after it
# the check is sum(abalance) = sum(history.delta) and sum(tbalance) = sum(bbalance); otherwise all four
# sums must be equal (`verify tpcb`).
check=tpcb
case " $WORKLOADS " in *" update "*) check=update ;; esac
status=0
echo
for port in "$PGPORT" "$LPORT"; do
  name=PostgreSQL; [ "$port" = "$LPORT" ] && name=PGLiteDB
  if msg=$("$loadgen" verify "$check" --url "$(url "$port")" 2>&1); then
    echo "invariant ($check) on $name: $msg"
  else
    echo "invariant ($check) on $name: FAILED: $msg"
    status=1
  fi
done
[ "$noresult" = 0 ] || status=1
exit "$status"
