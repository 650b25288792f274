#!/usr/bin/env bash
# Import speed on PostgreSQL against SQLite's, in one run (release build):
# generate a program (seed 7, as bench-store.sh), then import it RUNS times
# into a fresh SQLite file and a fresh database on a throwaway PostgreSQL 15
# cluster (Scripts/postgres.sh, removed on exit), alternating the two. Into a
# fresh database, PostgreSQL's import is the initial load (indexes built after
# the COPY); an import into a table holding events is slower (docs/performance.md).
#   Scripts/bench-postgres-import.sh [PARTNERS] [WORKDIR]
# RUNS (default 3), EVENTS_PER_YEAR (default 100) and INDUSTRY (default telecom)
# as bench-store.sh; SCRATCH_PATH the build folder. Prints each run's events/s
# (the import's own figure) and CPU seconds of the client, then min/median/max,
# and the seconds an export of every snapshot as of the end day takes on each
# engine (PostgreSQL keeps no rollups: its snapshots read the events).
set -euo pipefail
cd "$(dirname "$0")/.."
partners="${1:-20000}"
work="${2:-$(mktemp -d)}"
runs="${RUNS:-3}"
scratch="${SCRATCH_PATH:-.build}"
Scripts/setup.sh -c release --product partnerscore --scratch-path "$scratch" >&2
bin="$scratch/release/partnerscore"
mkdir -p "$work"
source Scripts/bench-engines.sh

"$bin" generate --partners "$partners" --seed 7 --industry "${INDUSTRY:-telecom}" \
    --events-per-year "${EVENTS_PER_YEAR:-100}" --out "$work/program" > /dev/null
events=$(($(wc -l < "$work/program/events.csv") - 1))
files=("$work/program/partners.csv" "$work/program/events.csv")

import_once() {  # engine run → prints "events/s cpuSeconds"
    local engine=$1 run=$2 db
    db=$(fresh_store "$engine" "bench_$run")
    "$bin" init --db "$db" > /dev/null
    /usr/bin/time -f "%U %S" -o "$work/time.txt" "$bin" import --db "$db" "${files[@]}" > "$work/import.out"
    local rate cpu
    rate=$(sed -E 's/.*\(([0-9]+) events\/s\).*/\1/' "$work/import.out")
    cpu=$(awk '{printf "%.1f", $1 + $2}' "$work/time.txt")
    # Keep only the last run's databases (for the snapshot step): disk space.
    if ((run < runs)); then drop_store "$engine" "bench_$run"; fi
    echo "$rate $cpu"
}

declare -A rates
printf '%-10s %4s %14s %12s %6s\n' engine run "events/s" "client CPU s" load
for run in $(seq 1 "$runs"); do
    for engine in sqlite postgresql; do
        load=$(cut -d' ' -f1 /proc/loadavg)
        read -r rate cpu < <(import_once "$engine" "$run")
        rates[$engine]+="$rate "
        printf '%-10s %4s %14s %12s %6s\n' "$engine" "$run" "$rate" "$cpu" "$load"
    done
done
echo "($partners partners, $events events, PostgreSQL 15 on loopback with fsync on)"
for engine in sqlite postgresql; do
    # shellcheck disable=SC2086
    echo "$engine: $(printf '%s\n' ${rates[$engine]} | sort -n | awk '{a[NR]=$1} END {printf "min %d, median %d, max %d events/s", a[1], a[int((NR+1)/2)], a[NR]}')"
done
for engine in sqlite postgresql; do
    db=$(store_of "$engine" "bench_$runs")
    /usr/bin/time -f "%e %U %S" -o "$work/time.txt" "$bin" export --db "$db" snapshots --as-of 2026-10-31 --format csv \
        --out "$work/snapshots-$engine.csv"
    echo "$engine: snapshots of every partner as of 2026-10-31: $(awk '{printf "%.1f s (client CPU %.1f s)", $1, $2 + $3}' "$work/time.txt")"
done
cmp -s "$work/snapshots-sqlite.csv" "$work/snapshots-postgresql.csv" && echo "snapshots: byte-identical" || echo "snapshots: DIFFER"
drop_store sqlite "bench_$runs"
