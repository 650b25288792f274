#!/usr/bin/env bash
# What incentives cost, end to end (release build). One generated telecom
# program (seed 7, 100k partners by default) is imported once; then it is
# evaluated as of 2026-10-31, recorded, with Policies/telecom (its monthly
# commission writes the incentive ledger) and with
# Scripts/baseline/telecom-no-incentives (the same set without incentives),
# in turn, RUNS times each; the medians and the median of the pairwise ratios
# are printed. Every run records a history of its own on the same database
# (--set-name a1, b1, a2, ...: a first run, nothing remembered, for both),
# so no copy of the database is timed.
#   Scripts/bench-incentives.sh [PARTNERS] [RUNS]   default: 100000 3
#   BENCH_DIR=DIR                                  default: /tmp/partnerscore-incentives
set -euo pipefail
cd "$(dirname "$0")/.."
partners="${1:-100000}"
runs="${2:-3}"
Scripts/setup.sh -c release --product partnerscore >&2
B="$PWD/.build/release/partnerscore"
DIR="${BENCH_DIR:-/tmp/partnerscore-incentives}"
rm -rf "$DIR"
mkdir -p "$DIR"

seconds() {   # seconds COMMAND... -> prints the wall seconds of one run (output to DIR/last.out)
    /usr/bin/time -f "%e" -o "$DIR/time.txt" "$@" > "$DIR/last.out" 2> "$DIR/last.err" || { cat "$DIR/last.err" >&2; exit 1; }
    cat "$DIR/time.txt"
}

"$B" generate --partners "$partners" --seed 7 --industry telecom --out "$DIR/data" > /dev/null
"$B" init --db "$DIR/db.sqlite" > /dev/null
"$B" import --db "$DIR/db.sqlite" "$DIR/data/partners.csv" "$DIR/data/events.csv"
with=() without=()
for run in $(seq "$runs"); do
    a=$(seconds "$B" evaluate --db "$DIR/db.sqlite" --policies Policies/telecom --lib Policies/lib --set-name "a$run" \
        --as-of 2026-10-31 --format csv)
    b=$(seconds "$B" evaluate --db "$DIR/db.sqlite" --policies Scripts/baseline/telecom-no-incentives --lib Policies/lib \
        --set-name "b$run" --as-of 2026-10-31 --format csv)
    with+=("$a") without+=("$b")
    echo "run $run: with incentives $a s, without $b s"
done
python3 - "${with[*]}" "${without[*]}" <<'PY'
import statistics, sys
a, b = ([float(x) for x in arg.split()] for arg in sys.argv[1:])
print(f"evaluate {len(a)} runs each, medians: with incentives {statistics.median(a):.2f} s, "
      f"without {statistics.median(b):.2f} s; median pairwise ratio {statistics.median(x / y for x, y in zip(a, b)):.3f}")
PY
echo "incentive lines written by run a$runs (count, total):"
sqlite3 "$DIR/db.sqlite" "SELECT COUNT(*), SUM(amountCents) / 100.0 FROM incentive_line WHERE policySet = 'a$runs'"
