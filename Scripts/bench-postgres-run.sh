#!/usr/bin/env bash
# A program end to end on PostgreSQL against SQLite, in one run (release
# build): generate a seeded telecom program (as bench.sh), then RUNS times,
# alternating the engines, into a fresh SQLite file and a fresh database on
# a throwaway PostgreSQL 15 cluster (Scripts/postgres.sh, removed on exit):
# init, import, and a recorded evaluation of Policies/telecom as of the
# generator's end day. Prints each run's seconds (import, evaluation, end to
# end), the median of each engine and PostgreSQL's end to end over SQLite's
# (issue 23 asks at most 2).
#   Scripts/bench-postgres-run.sh [PARTNERS] [WORKDIR]     default: 100000
#   RUNS=N (default 3), JOBS=N (evaluation workers), SCRATCH_PATH (build folder)
set -euo pipefail
cd "$(dirname "$0")/.."
partners="${1:-100000}"
work="${2:-$(mktemp -d)}"
runs="${RUNS:-3}"
scratch="${SCRATCH_PATH:-.build}"
Scripts/setup.sh -c release --product partnerscore --scratch-path "$scratch" >&2
bin="$scratch/release/partnerscore"
jobs=()
if [[ -n "${JOBS:-}" ]]; then jobs=(--jobs "$JOBS"); fi
mkdir -p "$work"
source Scripts/bench-engines.sh

"$bin" generate --partners "$partners" --seed 7 --industry telecom --out "$work/program" > /dev/null
files=("$work/program/partners.csv" "$work/program/events.csv")

seconds() {  # seconds COMMAND... → the wall seconds it took
    /usr/bin/time -f "%e" -o "$work/time.txt" "$@" > "$work/out.txt" 2> "$work/err.txt" || { cat "$work/err.txt" >&2; exit 1; }
    cat "$work/time.txt"
}

once() {  # engine run → prints "import evaluation total"
    local engine=$1 run=$2 db
    db=$(fresh_store "$engine" "run_$run")
    local start=$EPOCHREALTIME import evaluate
    "$bin" init --db "$db" > /dev/null
    import=$(seconds "$bin" import --db "$db" "${files[@]}")
    evaluate=$(seconds "$bin" evaluate --db "$db" --policies Policies/telecom --as-of 2026-10-31 --format csv "${jobs[@]}")
    local total
    total=$(python3 -c "print(f'{$EPOCHREALTIME - $start:.1f}')")
    # Disk space: keep nothing.
    drop_store "$engine" "run_$run"
    echo "$import $evaluate $total"
}

declare -A totals
printf '%-10s %4s %10s %12s %12s %6s\n' engine run "import s" "evaluate s" "end to end" load
for run in $(seq 1 "$runs"); do
    for engine in sqlite postgresql; do
        load=$(cut -d' ' -f1 /proc/loadavg)
        read -r import evaluate total < <(once "$engine" "$run")
        totals[$engine]+="$total "
        printf '%-10s %4s %10s %12s %12s %6s\n' "$engine" "$run" "$import" "$evaluate" "$total" "$load"
    done
done
python3 - "${totals[sqlite]}" "${totals[postgresql]}" <<'PY'
import statistics, sys
sqlite, postgres = ([float(x) for x in arg.split()] for arg in sys.argv[1:])
s, p = statistics.median(sqlite), statistics.median(postgres)
print(f"median end to end: SQLite {s:.1f} s, PostgreSQL {p:.1f} s, PostgreSQL / SQLite {p / s:.2f}")
PY
