# Shared by the bench scripts (source it): builds the release server, starts a throwaway PostgreSQL 15
# on $PGPORT and PGLiteDB on $LPORT (extra flags in $PGL_FLAGS) in a temp dir, stops both on exit,
# and provides `median`. As root, PostgreSQL runs as the unprivileged user pgtest (created if missing).
#
# Knobs (env): BENCH_PACKAGES (extra cargo packages to build, e.g. pglitedb-loadgen), SKIP_BUILD=1 (use
# the binaries already in ${CARGO_TARGET_DIR:-target}/release), PG_SHARED_BUFFERS (default 1GB) and
# PG_SHARED_BUFFERS_FALLBACK (tried, loudly, if PostgreSQL refuses to start with the first; the value
# in effect is left in $pg_shared_buffers), PG_MAX_CONNECTIONS (300).
PGBIN=/usr/lib/postgresql/15/bin
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bindir=${CARGO_TARGET_DIR:-$root/target}/release
ulimit -l unlimited 2>/dev/null || true

if [ -z "${SKIP_BUILD:-}" ]; then
  pkgs=(-p pglitedb-server)
  for p in ${BENCH_PACKAGES:-}; do pkgs+=(-p "$p"); done
  cargo build --release -q "${pkgs[@]}" --manifest-path "$root/Cargo.toml"
fi
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
  # Wait for PGLiteDB to exit so the next run can bind its port.
  [ -n "${lpid:-}" ] && kill "$lpid" 2>/dev/null && wait "$lpid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

"${as_pg[@]}" "$PGBIN/initdb" -D "$work/pg" -A trust -U postgres >/dev/null
pg_start() { # shared_buffers
  "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$work/pg" -l "$work/pg/server.log" -w start -o \
    "-p $PGPORT -k $work/pg -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on -c shared_buffers=$1 -c max_connections=${PG_MAX_CONNECTIONS:-300}" >/dev/null
}
pg_shared_buffers=${PG_SHARED_BUFFERS:-1GB}
if ! pg_start "$pg_shared_buffers"; then
  if [ -z "${PG_SHARED_BUFFERS_FALLBACK:-}" ]; then
    tail -n 5 "$work/pg/server.log" >&2
    exit 1
  fi
  echo "WARNING: PostgreSQL refused shared_buffers=$pg_shared_buffers on this machine:" >&2
  grep -E 'FATAL|could not|HINT' "$work/pg/server.log" | tail -n 3 >&2
  echo "WARNING: falling back to shared_buffers=$PG_SHARED_BUFFERS_FALLBACK (the table header says so)" >&2
  pg_shared_buffers=$PG_SHARED_BUFFERS_FALLBACK
  pg_start "$pg_shared_buffers"
fi
# shellcheck disable=SC2086
"$bindir/pglitedb" --listen "127.0.0.1:$LPORT" --data-dir "$work/pgl" ${PGL_FLAGS:-} 2>"$work/pgl.log" &
lpid=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$LPORT) 2>/dev/null && break; sleep 0.1; done

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
