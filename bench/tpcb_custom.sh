#!/usr/bin/env bash
# pgbench's TPC-B-like transaction as a custom script (the statements of `pgbench -b tpcb-like`),
# against PostgreSQL 15 and PGLiteDB on this machine, alternating servers round by round, with the
# balance invariant checked on both afterwards. The tables are created and loaded with plain SQL
# (multi-row INSERT), because PGLiteDB does not run `pgbench -i` yet (COPY, ALTER TABLE ... ADD
# PRIMARY KEY are issue 8).
#
#   bench/tpcb_custom.sh                      # 3 rounds x 10 s, 8 and 32 clients, prepared protocol
#   ROUNDS=5 DURATION=20 CLIENTS="8 32" MODES="simple prepared" ACCOUNTS=100000 bench/tpcb_custom.sh
set -euo pipefail
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
CLIENTS=${CLIENTS:-"8 32"}
MODES=${MODES:-prepared}
ACCOUNTS=${ACCOUNTS:-100000}
TELLERS=10
PGPORT=${PGPORT:-55463}
LPORT=${LPORT:-55464}
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

# Schema and data, identical for both servers.
{
  echo "CREATE TABLE pgbench_branches (bid int PRIMARY KEY, bbalance int, filler text);"
  echo "CREATE TABLE pgbench_tellers (tid int PRIMARY KEY, bid int, tbalance int, filler text);"
  echo "CREATE TABLE pgbench_accounts (aid int PRIMARY KEY, bid int, abalance int, filler text);"
  echo "CREATE TABLE pgbench_history (tid int, bid int, aid int, delta int, filler text);"
  echo "INSERT INTO pgbench_branches VALUES (1, 0, NULL);"
  echo "INSERT INTO pgbench_tellers VALUES $(seq -s, 1 $TELLERS | sed 's/\([0-9]\+\)/(\1, 1, 0, NULL)/g');"
  awk -v n="$ACCOUNTS" 'BEGIN { for (i = 1; i <= n; i += 1000) { s = "INSERT INTO pgbench_accounts VALUES ";
      for (j = i; j < i + 1000 && j <= n; j++) s = s (j > i ? "," : "") "(" j ", 1, 0, NULL)"; print s ";" } }'
} > "$work/load.sql"
for port in "$PGPORT" "$LPORT"; do
  psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -f "$work/load.sql" postgres >/dev/null
done

cat > "$work/tpcb.sql" <<SQL
\set aid random(1, $ACCOUNTS)
\set bid 1
\set tid random(1, $TELLERS)
\set delta random(-5000, 5000)
BEGIN;
UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
UPDATE pgbench_tellers SET tbalance = tbalance + :delta WHERE tid = :tid;
UPDATE pgbench_branches SET bbalance = bbalance + :delta WHERE bid = :bid;
INSERT INTO pgbench_history (tid, bid, aid, delta) VALUES (:tid, :bid, :aid, :delta);
END;
SQL

run() { # port mode clients -> "tps failed"
  pgbench -n -h 127.0.0.1 -p "$1" -U postgres -M "$2" -c "$3" -j 2 -T "$DURATION" -f "$work/tpcb.sql" postgres 2>&1 \
    | awk '/^number of failed transactions/ { f = $5 } /^tps = / { t = $3 } END { printf "%.0f %s\n", t, f }'
}

echo "# tpcb-like custom script, $ACCOUNTS accounts / $TELLERS tellers / 1 branch, -T $DURATION, $ROUNDS alternating rounds, $(nproc) CPUs, load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| protocol | clients | PostgreSQL 15 TPS (median) | PGLiteDB TPS (median) | ratio | failed PG / PGLiteDB | rounds PG / PGLiteDB |\n|---|---|---|---|---|---|---|\n'
for mode in $MODES; do
  for c in $CLIENTS; do
    pg=(); pgl=(); fpg=0; fpgl=0
    for _ in $(seq "$ROUNDS"); do
      read -r t f < <(run "$PGPORT" "$mode" "$c"); pg+=("$t"); fpg=$((fpg + ${f:-0}))
      read -r t f < <(run "$LPORT" "$mode" "$c"); pgl+=("$t"); fpgl=$((fpgl + ${f:-0}))
    done
    mpg=$(printf '%s\n' "${pg[@]}" | median); mpgl=$(printf '%s\n' "${pgl[@]}" | median)
    ratio=$(awk -v a="$mpgl" -v b="$mpg" 'BEGIN { printf "%.2f", a / b }')
    printf '| %s | %s | %s | %s | %s | %s / %s | %s / %s |\n' "$mode" "$c" "$mpg" "$mpgl" "$ratio" "$fpg" "$fpgl" "${pg[*]}" "${pgl[*]}"
  done
done

# The invariant, on both: sum(abalance) = sum(tbalance) = sum(bbalance) = sum(delta).
for port in "$PGPORT" "$LPORT"; do
  sums=""
  for q in "abalance FROM pgbench_accounts" "tbalance FROM pgbench_tellers" "bbalance FROM pgbench_branches" "delta FROM pgbench_history"; do
    s=$(psql -X -At -h 127.0.0.1 -p "$port" -U postgres -c "SELECT $q" postgres | awk '{ s += $1 } END { print s + 0 }')
    sums="$sums $s"
  done
  echo "invariant on port $port (accounts tellers branches history):$sums"
done
