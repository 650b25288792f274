#!/usr/bin/env bash
# Store benchmark (release build): generate a 100k-partner program (seed 7),
# create a database, import it (events/s and peak RSS), then compute the
# snapshots of all partners as of the end day.
#   Scripts/bench-store.sh [PARTNERS] [WORKDIR]
# EVENTS_PER_YEAR (default 100) sets the activity, INDUSTRY (default telecom, as
# docs/performance.md measures) the program; SCRATCH_PATH the build folder.
# The machine may be shared: each step prints the load average when it started
# and its CPU time (user + system), which varies less with load than seconds do.
set -euo pipefail
cd "$(dirname "$0")/.."
partners="${1:-100000}"
work="${2:-$(mktemp -d)}"
scratch="${SCRATCH_PATH:-.build}"
Scripts/setup.sh -c release --product partnerscore --scratch-path "$scratch" >&2
bin="$scratch/release/partnerscore"
mkdir -p "$work"
rm -f "$work/bench.sqlite" "$work/bench.sqlite-wal" "$work/bench.sqlite-shm"

measure() {  # label, command... → prints "seconds peakKB cpuSeconds load"
    local label=$1; shift
    local load; load=$(cut -d' ' -f1 /proc/loadavg)
    /usr/bin/time -f "%e %M %U %S" -o "$work/time.txt" "$@" > "$work/$label.out"
    awk -v load="$load" '{printf "%s %s %.1f %s\n", $1, $2, $3 + $4, load}' "$work/time.txt"
}

read -r gen_s gen_kb gen_cpu gen_load < <(measure generate "$bin" generate --partners "$partners" --seed 7 \
    --industry "${INDUSTRY:-telecom}" --events-per-year "${EVENTS_PER_YEAR:-100}" --out "$work/program")
events=$(($(wc -l < "$work/program/events.csv") - 1))
"$bin" init --db "$work/bench.sqlite" > /dev/null
read -r imp_s imp_kb imp_cpu imp_load < <(measure import "$bin" import --db "$work/bench.sqlite" "$work/program/partners.csv" "$work/program/events.csv")
read -r snap_s snap_kb snap_cpu snap_load < <(measure snapshots "$bin" export --db "$work/bench.sqlite" snapshots --as-of 2026-10-31 --format csv --out "$work/snapshots.csv")
snapshots=$(($(wc -l < "$work/snapshots.csv") - 1))

printf '\n%-34s %9s %12s %14s %9s %6s\n' "step ($partners partners, $events events)" "seconds" "peak RSS MB" "rate" "CPU s" "load"
printf '%-34s %9s %12s %14s %9s %6s\n' "generate (CSV)" "$gen_s" "$((gen_kb / 1024))" "$(awk "BEGIN{printf \"%d ev/s\", $events/$gen_s}")" "$gen_cpu" "$gen_load"
printf '%-34s %9s %12s %14s %9s %6s\n' "import (one transaction)" "$imp_s" "$((imp_kb / 1024))" "$(awk "BEGIN{printf \"%d ev/s\", $events/$imp_s}")" "$imp_cpu" "$imp_load"
printf '%-34s %9s %12s %14s %9s %6s\n' "snapshots as of 2026-10-31 ($snapshots)" "$snap_s" "$((snap_kb / 1024))" "$(awk "BEGIN{printf \"%d ev/s\", $events/$snap_s}")" "$snap_cpu" "$snap_load"
echo "files: $(du -sh "$work/program" | cut -f1) of CSV, database $(du -sh "$work/bench.sqlite" | cut -f1) (in $work)"
