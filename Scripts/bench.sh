#!/usr/bin/env bash
# End-to-end benchmark (release build): for each size, generate a seeded
# telecom program (--industry telecom, the generator's default activity of
# about 100 events per partner), import it, compute every snapshot, and
# evaluate it with Policies/telecom (snapshots + policy + decisions written).
# Prints a Markdown table: keep it, with the date and machine, in
# docs/performance.md.
#   Scripts/bench.sh [SIZES...]        default: 10000 100000 1000000
#   JOBS=N Scripts/bench.sh ...         evaluation workers (default: all cores)
#   BENCH_DIR=DIR                       where the programs go (default: /tmp/partnerscore-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh -c release --product partnerscore >&2
B="$PWD/.build/release/partnerscore"
DIR="${BENCH_DIR:-/tmp/partnerscore-bench}"
SIZES=("$@")
if [[ ${#SIZES[@]} -eq 0 ]]; then SIZES=(10000 100000 1000000); fi
JOBS_ARG=()
if [[ -n "${JOBS:-}" ]]; then JOBS_ARG=(--jobs "$JOBS"); fi
mkdir -p "$DIR"

measure() {   # measure NAME COMMAND... -> sets SECONDS_TAKEN and PEAK_KB
    local name=$1 log="$DIR/time.log"
    shift
    /usr/bin/time -f "%e %M" -o "$log" "$@" > "$DIR/$name.out" 2> "$DIR/$name.err" || { cat "$DIR/$name.err" >&2; exit 1; }
    read -r SECONDS_TAKEN PEAK_KB < "$log"
}

echo "| partners | events | import events/s | import peak | snapshots | evaluation (end to end) | partners/s | evaluation peak |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
for n in "${SIZES[@]}"; do
    work="$DIR/$n"
    rm -rf "$work"; mkdir -p "$work"
    "$B" generate --partners "$n" --seed 7 --industry telecom --out "$work/data" > "$work/generate.log"
    events=$(($(wc -l < "$work/data/events.csv") - 1))
    "$B" init --db "$work/db.sqlite" > /dev/null
    measure import "$B" import --db "$work/db.sqlite" "$work/data/partners.csv" "$work/data/events.csv"
    import_s=$SECONDS_TAKEN import_kb=$PEAK_KB
    measure snapshots "$B" export --db "$work/db.sqlite" snapshots --as-of 2026-10-31 --format csv --out /dev/null
    snap_s=$SECONDS_TAKEN
    measure evaluate "$B" evaluate --db "$work/db.sqlite" --policies Policies/telecom --as-of 2026-10-31 --format csv "${JOBS_ARG[@]}"
    eval_s=$SECONDS_TAKEN eval_kb=$PEAK_KB
    python3 - "$n" "$events" "$import_s" "$import_kb" "$snap_s" "$eval_s" "$eval_kb" <<'PY'
import sys
n, events, imp, imp_kb, snap, ev, ev_kb = sys.argv[1:]
n, events = int(n), int(events)
imp, snap, ev = float(imp), float(snap), float(ev)
print(f"| {n:,} | {events:,} | {events/imp:,.0f} | {int(imp_kb)/1024:,.0f} MiB | {snap:.1f} s | {ev:.1f} s | {n/ev:,.0f} | {int(ev_kb)/1024:,.0f} MiB |")
PY
done
echo
echo "Policy evaluations over snapshots in memory (partnerscore-bench, median of 3 runs):"
swift build -c release --product partnerscore-bench > /dev/null 2>&1
# The databases above are still being written back to disk; a run that
# shares the cores with that writeback measures the disk, not the policy.
sync
for run in 1 2 3; do
    .build/release/partnerscore-bench 1000000 Policies evaluate | grep "telecom policy"
done | python3 -c '
import collections, re, sys
rates = collections.defaultdict(list)
for line in sys.stdin:
    label, rate = re.match(r"(.*?)\s+(\d+) evaluations/s", line).groups()
    rates[label].append(int(rate))
for label, values in rates.items():
    values.sort()
    runs = " / ".join(format(v, ",") for v in values)
    print(f"{label}   {values[len(values) // 2]:,} evaluations/s (runs: {runs})")
'
