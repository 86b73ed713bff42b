#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL 15 for loadgen tests and benchmarks.
#
#   pg15.sh start DIR PORT [extra postgres -c settings...]   # initdb if DIR is new, then start
#   pg15.sh stop DIR
#   pg15.sh crash DIR        # immediate shutdown: no checkpoint, crash recovery on the next start
#
# PostgreSQL refuses to run as root, so as root the server runs as the unprivileged user
# `pgtest` (created if missing). The superuser is `postgres`, auth is trust on 127.0.0.1 and a
# Unix socket in DIR. Defaults: fsync=on, synchronous_commit=on, shared_buffers=1GB,
# max_connections=300 (override with extra `name=value` arguments, e.g. fsync=off for CI).
set -euo pipefail
BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
cmd=${1:?start|stop}
dir=${2:?data directory}

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u pgtest -- "$@"; else "$@"; fi
}

case "$cmd" in
start)
  port=${3:?port}
  shift 3
  if [ "$(id -u)" = 0 ] && ! id pgtest >/dev/null 2>&1; then
    useradd -m pgtest
  fi
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown pgtest "$dir"
  if [ ! -f "$dir/PG_VERSION" ]; then
    as_pg "$BIN/initdb" -D "$dir" -U postgres -A trust -E UTF8 --no-instructions >"$dir.initdb.log" 2>&1 ||
      { cat "$dir.initdb.log"; exit 1; }
  fi
  opts="-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on"
  opts="$opts -c shared_buffers=1GB -c max_connections=300"
  for kv in "$@"; do opts="$opts -c $kv"; done
  as_pg "$BIN/pg_ctl" -D "$dir" -l "$dir/server.log" -o "$opts" -w -t 60 start >/dev/null
  ;;
stop)
  if [ -f "$dir/postmaster.pid" ]; then
    as_pg "$BIN/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
  fi
  ;;
crash)
  as_pg "$BIN/pg_ctl" -D "$dir" -m immediate -w stop >/dev/null
  ;;
*)
  echo "usage: $0 start DIR PORT [name=value...] | stop DIR | crash DIR" >&2
  exit 2
  ;;
esac
