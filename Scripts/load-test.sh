#!/usr/bin/env bash
# Load test of the scoring service (release build) on loopback, bounded:
# generate a 100k-partner telecom program (seed 7), import it, evaluate it
# once, serve it on 127.0.0.1, create a viewer token, then run wrk for
# DURATION seconds against GET /v1/partners/{id}/evaluation with random
# partner ids, and print requests/s and the latency percentiles.
#   Scripts/load-test.sh [WORKDIR]
# PARTNERS (100000), DURATION (30 s), CONNECTIONS (4), THREADS (1),
# RATE_LIMIT (empty: closed loop), PORT (18080), SCRATCH_PATH (.build).
set -euo pipefail
cd "$(dirname "$0")/.."
partners="${PARTNERS:-100000}"
duration="${DURATION:-30}"
connections="${CONNECTIONS:-4}"
threads="${THREADS:-1}"
port="${PORT:-18080}"
work="${1:-$(mktemp -d)}"
scratch="${SCRATCH_PATH:-.build}"

if ! command -v wrk >/dev/null; then
    echo "load-test: installing wrk" >&2
    sudo_cmd=(); if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq wrk >/dev/null \
        || { "${sudo_cmd[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq wrk >/dev/null; }
fi
Scripts/setup.sh -c release --product partnerscore --scratch-path "$scratch" >&2
bin="$scratch/release/partnerscore"
mkdir -p "$work"
db="$work/load.sqlite"

if [[ ! -f "$db" ]]; then
    echo "load-test: generating $partners partners" >&2
    "$bin" generate --partners "$partners" --seed 7 --industry telecom --out "$work/program" >&2
    "$bin" init --db "$db" >&2
    "$bin" import --db "$db" "$work/program/partners.csv" "$work/program/events.csv" >&2
    "$bin" evaluate --db "$db" --policies Policies/telecom --as-of 2026-09-30 --format csv > /dev/null
fi
token=$("$bin" token create --db "$db" --role viewer 2>/dev/null)

"$bin" serve --db "$db" --policies Policies --host 127.0.0.1 --port "$port" > "$work/serve.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/health" > /dev/null && break
    sleep 0.1
done
curl -sf "http://127.0.0.1:$port/health" > /dev/null || { echo "load-test: the server did not start:" >&2; cat "$work/serve.log" >&2; exit 1; }

# One request, to show what is measured.
curl -sf -H "Authorization: Bearer $token" \
    "http://127.0.0.1:$port/v1/partners/P0000001/evaluation?as_of=2026-10-31" | head -c 200 >&2; echo >&2

cat > "$work/random-partner.lua" <<LUA
math.randomseed(7)
local partners = $partners
request = function()
  local id = string.format("P%07d", math.random(1, partners))
  return wrk.format("GET", "/v1/partners/" .. id .. "/evaluation?as_of=2026-10-31", { ["Authorization"] = "Bearer $token" })
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_s=%.2f rps=%.0f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f errors_status=%d errors_socket=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA

echo "load-test: wrk -t$threads -c$connections -d${duration}s against GET /v1/partners/{random id}/evaluation (127.0.0.1)" >&2
wrk -t"$threads" -c"$connections" -d"${duration}s" --latency -s "$work/random-partner.lua" "http://127.0.0.1:$port" | tee "$work/wrk.txt"
result=$(grep '^RESULT' "$work/wrk.txt")
echo
echo "$result" | tr ' ' '\n' | tail -n +2 | column -t -s=
curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$port/metrics" \
    | grep -E '^partnerscore_evaluations_total|^http_requests_total\{route="/v1/partners/\{id\}/evaluation"' || true
