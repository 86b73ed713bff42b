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
PGBIN=/usr/lib/postgresql/15/bin
root=$(cd "$(dirname "$0")/.." && pwd)
ulimit -l unlimited 2>/dev/null || true

cargo build --release -q -p pglitedb-server --manifest-path "$root/Cargo.toml"
work=$(mktemp -d /tmp/pglitedb-bench.XXXXXX)
chmod 755 "$work"
as_pg=()
if [ "$(id -u)" = 0 ]; then
  id pgtest >/dev/null 2>&1 || useradd -m pgtest
  as_pg=(runuser -u pgtest --)
  mkdir -p "$work/pg" && chown pgtest "$work/pg"
fi
cleanup() {
  "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$work/pg" -m fast stop >/dev/null 2>&1 || true
  [ -n "${lpid:-}" ] && kill "$lpid" 2>/dev/null && wait "$lpid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

"${as_pg[@]}" "$PGBIN/initdb" -D "$work/pg" -A trust -U postgres >/dev/null
"${as_pg[@]}" "$PGBIN/pg_ctl" -D "$work/pg" -l "$work/pg/server.log" -w start -o \
  "-p $PGPORT -k $work/pg -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on -c shared_buffers=1GB -c max_connections=300" >/dev/null
# shellcheck disable=SC2086
"$root/target/release/pglitedb" --listen "127.0.0.1:$LPORT" --data-dir "$work/pgl" ${PGL_FLAGS:-} 2>"$work/pgl.log" &
lpid=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$LPORT) 2>/dev/null && break; sleep 0.1; done

echo "SELECT 1;" > "$work/select1.sql"
run() { # port mode -> tps
  pgbench -n -h 127.0.0.1 -p "$1" -U postgres -M "$2" -c "$CLIENTS" -j "$THREADS" -T "$DURATION" -f "$work/select1.sql" postgres 2>&1 \
    | awk '/^number of failed transactions/ { if ($5 != 0) print "FAILED " $5 > "/dev/stderr" } /^tps = / { printf "%.0f\n", $3 }'
}
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

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
