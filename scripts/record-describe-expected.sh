#!/bin/bash
# Records what psql's describe commands print against a real PostgreSQL 15 for the schema in
# server/tests/data/describe/schema.sql; server/tests/psql_describe.rs compares our output with it.
# Usage (as root, with PostgreSQL 15 installed and a `pgtest` user): scripts/record-describe-expected.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
data=$here/server/tests/data/describe
pgdir=$(mktemp -d /tmp/pg-describe-XXXX)
port=${PORT:-5599}
chown pgtest "$pgdir"
su pgtest -c "/usr/lib/postgresql/15/bin/initdb -D $pgdir/db -A trust -U postgres --locale=C -E UTF8 >/dev/null"
su pgtest -c "/usr/lib/postgresql/15/bin/pg_ctl -D $pgdir/db -o '-p $port -k /tmp' -l $pgdir/log start >/dev/null"
trap 'su pgtest -c "/usr/lib/postgresql/15/bin/pg_ctl -D $pgdir/db stop -m fast >/dev/null"; rm -rf "$pgdir"' EXIT
psql -X -q -h /tmp -p "$port" -U postgres -v ON_ERROR_STOP=1 -f "$data/schema.sql"
n=0
while IFS= read -r cmd; do
    n=$((n + 1))
    psql -X -h /tmp -p "$port" -U postgres -c "$cmd" > "$data/$(printf '%02d' $n).out" 2>&1
done < "$data/commands.txt"
echo "recorded $n outputs in $data"
