#!/usr/bin/env bash
# Webhooks' cost and speed (release build):
#  1. a recorded run of a PARTNERS telecom program with a webhook subscription
#     (its events written to the outbox) against the same run without one,
#     interleaved pair by pair, each run on a fresh copy of the imported
#     database; prints each pair's seconds and ratio, then the median ratio;
#  2. `serve` delivering the events of a recorded 10,000-partner run to a
#     receiver on loopback (Scripts/webhook-receiver.py, which checks every
#     signature): events per second.
#   Scripts/bench-webhooks.sh [PARTNERS] [PAIRS]      default: 100000 5
#   BENCH_DIR=DIR    where the programs go (default: /tmp/partnerscore-webhooks)
set -euo pipefail
cd "$(dirname "$0")/.."
partners="${1:-100000}"
pairs="${2:-5}"
dir="${BENCH_DIR:-/tmp/partnerscore-webhooks}"
Scripts/setup.sh -c release --product partnerscore >&2
B="$PWD/.build/release/partnerscore"
secret="bench-webhooks-secret"
mkdir -p "$dir"

program() {   # program N DB: a generated telecom program of N partners, imported into DB
    rm -rf "$dir/data" "$2" "$2-wal" "$2-shm"
    "$B" generate --partners "$1" --seed 7 --industry telecom --out "$dir/data" > /dev/null
    "$B" init --db "$2" > /dev/null
    "$B" import --db "$2" "$dir/data/partners.csv" "$dir/data/events.csv" > /dev/null 2>&1
}

echo "1. a recorded run of $partners partners, without and with a webhook subscription"
program "$partners" "$dir/base.sqlite"
cp "$dir/base.sqlite" "$dir/subscribed.sqlite"
"$B" webhooks add --db "$dir/subscribed.sqlite" http://127.0.0.1:9/unused --secret "$secret" > /dev/null 2>&1
run() {   # run SOURCE -> seconds of a recorded run on a fresh copy of SOURCE
    rm -f "$dir/run.sqlite"*
    cp "$1" "$dir/run.sqlite"
    sync
    /usr/bin/time -f "%e" -o "$dir/time.txt" "$B" evaluate --db "$dir/run.sqlite" --policies Policies/telecom --as-of 2026-10-31 \
        --format csv > /dev/null
    cat "$dir/time.txt"
}
ratios=()
for i in $(seq 1 "$pairs"); do
    without=$(run "$dir/base.sqlite")
    with=$(run "$dir/subscribed.sqlite")
    events=$("$B" webhooks events --db "$dir/run.sqlite" --limit 100000000 | wc -l)
    ratio=$(python3 -c "print(f'{$with / $without:.3f}')")
    ratios+=("$ratio")
    echo "  pair $i: without ${without} s, with ${with} s (${events} events): ${ratio}x"
done
python3 -c "import statistics, sys; print(f'  median ratio {statistics.median(map(float, sys.argv[1:])):.3f}x')" "${ratios[@]}"

echo "2. serve delivering a recorded 10,000-partner run's events to a receiver on loopback"
program 10000 "$dir/deliver.sqlite"
port=$((20000 + RANDOM % 20000))
"$B" webhooks add --db "$dir/deliver.sqlite" "http://127.0.0.1:$port/hook" --secret "$secret" > /dev/null 2>&1
"$B" evaluate --db "$dir/deliver.sqlite" --policies Policies/telecom --as-of 2026-10-31 --format csv > /dev/null
count=$("$B" webhooks events --db "$dir/deliver.sqlite" --limit 100000000 | wc -l)
python3 Scripts/webhook-receiver.py "$port" "$secret" "$count" &
receiver=$!
sleep 0.5
"$B" serve --db "$dir/deliver.sqlite" --policies Policies/telecom --port $((port + 1)) --watch-ms 0 > "$dir/serve.log" 2>&1 &
server=$!
trap 'kill $server $receiver 2>/dev/null || true' EXIT
status=0
wait "$receiver" || status=$?
kill "$server" 2>/dev/null || true
exit "$status"
