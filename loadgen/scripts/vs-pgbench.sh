#!/usr/bin/env bash
# Compares loadgen with pgbench on the same PostgreSQL: for each workload and client count, runs
# pgbench and loadgen alternately ROUNDS times (order flipped every round) and prints each side's
# median TPS and the ratio.
# CPU used by each tool (user+sys from /usr/bin/time) is printed per transaction.
#
#   LOADGEN=target/release/pglitedb-loadgen PGPORT=5499 loadgen/scripts/vs-pgbench.sh
#
# Env: WORKLOADS ("tpcb select update"), CLIENTS ("8 32"), PROTOCOLS ("simple"), SECS (10),
# ROUNDS (3), THREADS (2), RATE (unset: as fast as possible; set: both tools run at -R RATE, which
# makes CPU per transaction comparable at the same load). Expects a database initialised at any scale (`pgbench -i` or
# `pglitedb-loadgen init tpcb`); runs with `pgbench -n`, so history keeps the verify invariant.
set -euo pipefail
: "${LOADGEN:?path to the pglitedb-loadgen binary}"
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
db=${PGDATABASE:-postgres}
url="host=$PGHOST port=$PGPORT user=$PGUSER dbname=$db"
secs=${SECS:-10}
rounds=${ROUNDS:-3}
threads=${THREADS:-2}
rate=()
[ -n "${RATE:-}" ] && rate=(-R "$RATE")
out=$(mktemp)
trap 'rm -f "$out"' EXIT

cpu() { awk '/^cpu / {print $2+$3}' "$1"; }

run_pgbench() {
  local t; t=$(mktemp)
  /usr/bin/time -f "cpu %U %S" -o "$t" pgbench -n $flag -M "$proto" -c "$c" -j "$threads" -T "$secs" "${rate[@]}" "$db" \
    >"$t.out" 2>&1
  tps=$(awk '/^tps/ {print $3}' "$t.out")
  n=$(awk '/number of transactions actually processed/ {split($6,a,"/"); print a[1]}' "$t.out")
  echo "pgbench $proto $w $c $r $tps $(cpu "$t") $n" | tee -a "$out"
  rm -f "$t" "$t.out"
}

run_loadgen() {
  local t; t=$(mktemp)
  /usr/bin/time -f "cpu %U %S" -o "$t" "$LOADGEN" run "$w" --url "$url" -M "$proto" -c "$c" -j "$threads" \
    -T "$secs" "${rate[@]}" --no-progress --json >"$t.out"
  tps=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["tps"])' <"$t.out")
  n=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["transactions"])' <"$t.out")
  echo "loadgen $proto $w $c $r $tps $(cpu "$t") $n" | tee -a "$out"
  rm -f "$t" "$t.out"
}

for proto in ${PROTOCOLS:-simple}; do
  for w in ${WORKLOADS:-tpcb select update}; do
    case $w in tpcb) flag="" ;; select) flag="-S" ;; update) flag="-N" ;; esac
    for c in ${CLIENTS:-8 32}; do
      for r in $(seq "$rounds"); do
        # Alternate which tool goes first (AB BA AB ...) so neither always follows the other's writes.
        if [ $((r % 2)) = 1 ]; then run_pgbench; run_loadgen; else run_loadgen; run_pgbench; fi
      done
    done
  done
done

python3 - "$out" <<'EOF'
# Per (protocol, workload, clients): median TPS of each tool, the median of the per-round
# loadgen/pgbench ratios (adjacent runs, so slow drift in machine load cancels), their range,
# and the median CPU (user+sys) per transaction of each tool.
import sys, statistics, collections
runs = collections.defaultdict(dict)
for line in open(sys.argv[1]):
    tool, proto, w, c, r, tps, cpu, n = line.split()
    runs[(proto, w, int(c))].setdefault(int(r), {})[tool] = (float(tps), float(cpu) * 1e6 / max(1, int(n)))
print(f"{'protocol':9} {'workload':8} {'clients':>7} {'pgbench tps':>12} {'loadgen tps':>12} {'ratio':>6} "
      f"{'ratio range':>12} {'pgbench us/txn':>15} {'loadgen us/txn':>15}")
for key in sorted(runs):
    rounds = [v for v in runs[key].values() if len(v) == 2]
    med = lambda tool, i: statistics.median(v[tool][i] for v in rounds)
    ratios = [v["loadgen"][0] / v["pgbench"][0] for v in rounds]
    proto, w, c = key
    print(f"{proto:9} {w:8} {c:7} {med('pgbench', 0):12.1f} {med('loadgen', 0):12.1f} "
          f"{statistics.median(ratios):6.3f} {min(ratios):5.2f}-{max(ratios):<6.2f} "
          f"{med('pgbench', 1):15.1f} {med('loadgen', 1):15.1f}")
EOF
