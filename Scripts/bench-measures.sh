#!/usr/bin/env bash
# What declared measures cost, end to end (release build). One generated
# telecom program (seed 7, 100k partners by default) is imported once (the
# import's events/s printed); then it is evaluated as of 2026-10-31 with
# today's Policies/telecom (catalogue metrics and four declared measures) and
# with the catalogue-only baseline Scripts/baseline/telecom-catalogue, in
# turn, RUNS times each — every recorded run on a fresh copy of the imported
# database (the copy is not timed) — and the medians and their ratio printed.
# Finally every partner's four measures, as `export snapshots --policies
# Policies/telecom` writes them, are checked against an independent
# computation from the generated CSV (Scripts/check-telecom-measures.py).
#   Scripts/bench-measures.sh [PARTNERS] [RUNS]     default: 100000 3
#   BENCH_DIR=DIR                                    default: /tmp/partnerscore-measures
set -euo pipefail
cd "$(dirname "$0")/.."
partners="${1:-100000}"
runs="${2:-3}"
Scripts/setup.sh -c release --product partnerscore >&2
B="$PWD/.build/release/partnerscore"
DIR="${BENCH_DIR:-/tmp/partnerscore-measures}"
AS_OF=2026-10-31
rm -rf "$DIR"
mkdir -p "$DIR"

seconds() {   # seconds COMMAND... -> prints the wall seconds of one run (output to DIR/last.out)
    /usr/bin/time -f "%e" -o "$DIR/time.txt" "$@" > "$DIR/last.out" 2> "$DIR/last.err" || { cat "$DIR/last.err" >&2; exit 1; }
    cat "$DIR/time.txt"
}

"$B" generate --partners "$partners" --seed 7 --industry telecom --out "$DIR/data" > /dev/null
events=$(($(wc -l < "$DIR/data/events.csv") - 1))
"$B" init --db "$DIR/base.sqlite" > /dev/null
import_s=$(seconds "$B" import --db "$DIR/base.sqlite" "$DIR/data/partners.csv" "$DIR/data/events.csv")
echo "import: $events events in $import_s s ($(awk "BEGIN{printf \"%d\", $events/$import_s}") events/s)"

new=() base=()
for run in $(seq "$runs"); do
    for policy in Policies/telecom Scripts/baseline/telecom-catalogue; do
        rm -f "$DIR"/run.sqlite*
        cp "$DIR/base.sqlite" "$DIR/run.sqlite"
        [[ -f "$DIR/base.sqlite-wal" ]] && cp "$DIR/base.sqlite-wal" "$DIR/run.sqlite-wal"
        sync
        s=$(seconds "$B" evaluate --db "$DIR/run.sqlite" --policies "$policy" --as-of "$AS_OF" --format csv)
        if [[ $policy == Policies/telecom ]]; then new+=("$s"); else base+=("$s"); fi
        echo "run $run $policy: $s s"
    done
done
python3 - "${new[*]}" "${base[*]}" <<'PY'
import statistics, sys
new, base = ([float(x) for x in arg.split()] for arg in sys.argv[1:])
n, b = statistics.median(new), statistics.median(base)
print(f"evaluate {len(new)} runs each, medians: Policies/telecom {n:.2f} s, catalogue-only baseline {b:.2f} s, ratio {n / b:.3f}")
PY

"$B" export --db "$DIR/base.sqlite" snapshots --as-of "$AS_OF" --policies Policies/telecom --out "$DIR/snapshots.csv"
python3 Scripts/check-telecom-measures.py "$DIR/data" "$DIR/snapshots.csv" "$AS_OF"
