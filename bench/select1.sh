#!/usr/bin/env bash
# pgbench with a custom `SELECT 1` script against PostgreSQL 15 and PGLiteDB on this machine, in the
# three protocols, alternating servers round by round (A B A B ...), and prints median TPS and ratios.
#
#   bench/select1.sh                 # 3 rounds x 10 s, 32 clients
#   ROUNDS=5 DURATION=10 CLIENTS=32 bench/select1.sh
#   PGL_FLAGS="--router-cores 1" bench/select1.sh   # extra pglitedb flags
#
# Needs: cargo (builds the release binary), PostgreSQL 15 server binaries, pgbench. Run as root (it
# creates the unprivileged user `pgtest` for PostgreSQL) or as a normal user with PG_USER unset.
set -euo pipefail
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
CLIENTS=${CLIENTS:-32}
THREADS=${THREADS:-2}
PGPORT=${PGPORT:-55461}
LPORT=${LPORT:-55462}
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

echo "SELECT 1;" > "$work/select1.sql"
run() { # port mode -> tps
  pgbench -n -h 127.0.0.1 -p "$1" -U postgres -M "$2" -c "$CLIENTS" -j "$THREADS" -T "$DURATION" -f "$work/select1.sql" postgres 2>&1 \
    | awk '/^number of failed transactions/ { if ($5 != 0) print "FAILED " $5 > "/dev/stderr" } /^tps = / { printf "%.0f\n", $3 }'
}

echo "# pgbench -n -f select1.sql -c $CLIENTS -j $THREADS -T $DURATION, pglitedb ${PGL_FLAGS:-(defaults)}, $ROUNDS alternating rounds, $(nproc) CPUs, load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| protocol | PostgreSQL 15 TPS (median) | PGLiteDB TPS (median) | ratio | rounds PG / PGLiteDB |\n|---|---|---|---|---|\n'
for mode in simple extended prepared; do
  pg=(); pgl=()
  for _ in $(seq "$ROUNDS"); do
    pg+=("$(run "$PGPORT" "$mode")")
    pgl+=("$(run "$LPORT" "$mode")")
  done
  mpg=$(printf '%s\n' "${pg[@]}" | median)
  mpgl=$(printf '%s\n' "${pgl[@]}" | median)
  ratio=$(awk -v a="$mpgl" -v b="$mpg" 'BEGIN { printf "%.2f", a / b }')
  printf '| %s | %s | %s | %s | %s / %s |\n' "$mode" "$mpg" "$mpgl" "$ratio" "${pg[*]}" "${pgl[*]}"
done
