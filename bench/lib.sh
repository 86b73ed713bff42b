# Shared by the bench scripts (source it): builds the release server, starts a throwaway PostgreSQL 15
# on $PGPORT and PGLiteDB on $LPORT (extra flags in $PGL_FLAGS) in a temp dir, stops both on exit,
# and provides `median`. As root, PostgreSQL runs as the unprivileged user pgtest (created if missing).
PGBIN=/usr/lib/postgresql/15/bin
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
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
  # Wait for PGLiteDB to exit so the next run can bind its port.
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

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
