#!/usr/bin/env bash
# Store benchmark (release build): generate a 100k-partner program (seed 7),
# create a database, import it (events/s and peak RSS), then compute the
# snapshots of all partners as of the end day.
#   Scripts/bench-store.sh [PARTNERS] [WORKDIR]
# EVENTS_PER_YEAR (default 100) sets the activity; SCRATCH_PATH the build folder.
set -euo pipefail
cd "$(dirname "$0")/.."
partners="${1:-100000}"
work="${2:-$(mktemp -d)}"
scratch="${SCRATCH_PATH:-.build}"
Scripts/setup.sh -c release --product partnerscore --scratch-path "$scratch" >&2
bin="$scratch/release/partnerscore"
mkdir -p "$work"
rm -f "$work/bench.sqlite" "$work/bench.sqlite-wal" "$work/bench.sqlite-shm"

measure() {  # label, command... → prints "seconds peakKB"
    local label=$1; shift
    /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" > "$work/$label.out"
    cat "$work/time.txt"
}

read -r gen_s gen_kb < <(measure generate "$bin" generate --partners "$partners" --seed 7 \
    --events-per-year "${EVENTS_PER_YEAR:-100}" --out "$work/program")
events=$(($(wc -l < "$work/program/events.csv") - 1))
"$bin" init --db "$work/bench.sqlite" > /dev/null
read -r imp_s imp_kb < <(measure import "$bin" import --db "$work/bench.sqlite" "$work/program/partners.csv" "$work/program/events.csv")
read -r snap_s snap_kb < <(measure snapshots "$bin" export --db "$work/bench.sqlite" snapshots --as-of 2026-10-31 --format csv --out "$work/snapshots.csv")
snapshots=$(($(wc -l < "$work/snapshots.csv") - 1))

printf '\n%-34s %12s %12s %14s\n' "step ($partners partners, $events events)" "seconds" "peak RSS MB" "rate"
printf '%-34s %12s %12s %14s\n' "generate (CSV)" "$gen_s" "$((gen_kb / 1024))" "$(awk "BEGIN{printf \"%d ev/s\", $events/$gen_s}")"
printf '%-34s %12s %12s %14s\n' "import (one transaction)" "$imp_s" "$((imp_kb / 1024))" "$(awk "BEGIN{printf \"%d ev/s\", $events/$imp_s}")"
printf '%-34s %12s %12s %14s\n' "snapshots as of 2026-10-31 ($snapshots)" "$snap_s" "$((snap_kb / 1024))" "$(awk "BEGIN{printf \"%d ev/s\", $events/$snap_s}")"
echo "files: $(du -sh "$work/program" | cut -f1) of CSV, database $(du -sh "$work/bench.sqlite" | cut -f1) (in $work)"
