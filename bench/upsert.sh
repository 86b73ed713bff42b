#!/usr/bin/env bash
# Single-key upsert (`INSERT ... ON CONFLICT (k) DO UPDATE`) as a pgbench custom script against
# PostgreSQL 15 and PGLiteDB on this machine, alternating servers round by round. Each transaction
# upserts one random key of KEYS (the first touch of a key inserts it, later ones update it; the
# table starts empty), and afterwards the invariant sum(v) = transactions run is checked on both:
# no upsert lost, none counted twice.
#
#   bench/upsert.sh                                    # 3 rounds x 10 s, 1 and 32 clients, prepared
#   ROUNDS=5 DURATION=10 CLIENTS="1 8 32" MODES="simple prepared" KEYS=1000 bench/upsert.sh
set -euo pipefail
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
CLIENTS=${CLIENTS:-"1 32"}
MODES=${MODES:-prepared}
KEYS=${KEYS:-100000}
PGPORT=${PGPORT:-55465}
LPORT=${LPORT:-55466}
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

for port in "$PGPORT" "$LPORT"; do
  psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres \
    -c "CREATE TABLE kv (k int PRIMARY KEY, v int8 NOT NULL)" postgres >/dev/null
done
cat > "$work/upsert.sql" <<SQL
\set k random(1, $KEYS)
INSERT INTO kv VALUES (:k, 1) ON CONFLICT (k) DO UPDATE SET v = kv.v + 1;
SQL

total_pg=0; total_pgl=0
run() { # port mode clients -> "tps failed processed"
  pgbench -n -h 127.0.0.1 -p "$1" -U postgres -M "$2" -c "$3" -j 2 -T "$DURATION" -f "$work/upsert.sql" postgres 2>&1 \
    | awk '/^number of failed transactions/ { f = $5 } /^number of transactions actually processed/ { split($6, a, "/"); p = a[1] }
           /^tps = / { t = $3 } END { printf "%.0f %s %s\n", t, f, p }'
}

echo "# upsert custom script, $KEYS keys, -T $DURATION, $ROUNDS alternating rounds, $(nproc) CPUs, load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| protocol | clients | PostgreSQL 15 TPS (median) | PGLiteDB TPS (median) | ratio | failed PG / PGLiteDB | rounds PG / PGLiteDB |\n|---|---|---|---|---|---|---|\n'
for mode in $MODES; do
  for c in $CLIENTS; do
    pg=(); pgl=(); fpg=0; fpgl=0
    for _ in $(seq "$ROUNDS"); do
      read -r t f p < <(run "$PGPORT" "$mode" "$c"); pg+=("$t"); fpg=$((fpg + ${f:-0})); total_pg=$((total_pg + ${p:-0}))
      read -r t f p < <(run "$LPORT" "$mode" "$c"); pgl+=("$t"); fpgl=$((fpgl + ${f:-0})); total_pgl=$((total_pgl + ${p:-0}))
    done
    mpg=$(printf '%s\n' "${pg[@]}" | median); mpgl=$(printf '%s\n' "${pgl[@]}" | median)
    ratio=$(awk -v a="$mpgl" -v b="$mpg" 'BEGIN { printf "%.2f", a / b }')
    printf '| %s | %s | %s | %s | %s | %s / %s | %s / %s |\n' "$mode" "$c" "$mpg" "$mpgl" "$ratio" "$fpg" "$fpgl" "${pg[*]}" "${pgl[*]}"
  done
done

# The invariant, on both: every processed transaction added exactly 1 to sum(v).
for port in "$PGPORT" "$LPORT"; do
  [ "$port" = "$PGPORT" ] && want=$total_pg || want=$total_pgl
  got=$(psql -X -At -h 127.0.0.1 -p "$port" -U postgres -c "SELECT coalesce(sum(v), 0) || ' ' || count(*) FROM kv" postgres)
  echo "invariant on port $port: sum(v) rows = $got, transactions processed = $want"
done
