#!/usr/bin/env bash
# Fuzz the scoring service with schemathesis against its own /openapi.json,
# on loopback: a small generated telecom program, one recorded run, a
# designer token (so every endpoint is reachable). Every check runs
# (--checks all): no 5xx, every response as documented (status, content
# type, headers, body schema), no endpoint answering without a token, 405
# for a wrong method, schema-invalid requests refused (4xx) and
# schema-valid ones accepted (ST202: 2xx, or 404/409 for data the schema
# cannot know of). One worker: two raced inside schemathesis (a Python
# "AST constructor recursion depth mismatch"), an error of the tool, not
# the service. Exits non-zero on any finding, on a crash in the server
# log, or when fewer than MIN_CASES test cases ran.
#   Scripts/schemathesis.sh [WORKDIR]
# MAX_EXAMPLES (250 per operation and phase), MIN_CASES (2000), SEED (7), PORT (18081),
# CONFIG (release), SCRATCH_PATH (.build).
set -euo pipefail
cd "$(dirname "$0")/.."
port="${PORT:-18081}"
work="${1:-$(mktemp -d)}"
config="${CONFIG:-release}"
scratch="${SCRATCH_PATH:-.build}"
min_cases="${MIN_CASES:-2000}"

if ! command -v schemathesis >/dev/null; then
    echo "schemathesis.sh: installing schemathesis" >&2
    python3 -m pip install -q schemathesis >&2
fi
Scripts/setup.sh -c "$config" --product partnerscore --scratch-path "$scratch" >&2
bin="$scratch/$config/partnerscore"
mkdir -p "$work"
db="$work/fuzz.sqlite"
rm -f "$db" "$db-wal" "$db-shm"
"$bin" generate --partners 300 --seed 7 --industry telecom --out "$work/program" > /dev/null
"$bin" init --db "$db" > /dev/null
"$bin" import --db "$db" "$work/program/partners.csv" "$work/program/events.csv" > /dev/null 2>&1
"$bin" evaluate --db "$db" --policies Policies/telecom --as-of 2026-09-30 --format csv > /dev/null
token=$("$bin" token create --db "$db" --role designer --name fuzz 2>/dev/null)

# The policies are copied: schemathesis reloads them, and nothing may touch the repository's.
rm -rf "$work/Policies" && cp -r Policies "$work/Policies"
"$bin" serve --db "$db" --policies "$work/Policies" --host 127.0.0.1 --port "$port" --max-body-mb 1 > "$work/serve.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$port/health" > /dev/null && break
    sleep 0.1
done

status=0
schemathesis run "http://127.0.0.1:$port/openapi.json" --url "http://127.0.0.1:$port" \
    -H "Authorization: Bearer $token" \
    --checks all --max-examples "${MAX_EXAMPLES:-250}" --seed "${SEED:-7}" --workers 1 --warnings off \
    --report junit,ndjson --report-dir "$work/report" | tee "$work/schemathesis.out" || status=$?
if grep -q "Fatal\|panicked" "$work/serve.log"; then
    echo "schemathesis.sh: the server log shows a crash:" >&2
    grep -n "Fatal\|panicked" "$work/serve.log" >&2
    status=1
fi
# Every generated case is one ScenarioFinished event in the NDJSON report... counted from the summary line instead.
cases=$(grep -oE '[0-9]+ generated' "$work/schemathesis.out" | tail -1 | grep -oE '[0-9]+' || echo 0)
if (( cases < min_cases )); then
    echo "schemathesis.sh: only $cases test cases ran (at least $min_cases wanted; raise MAX_EXAMPLES)" >&2
    status=1
fi
echo "schemathesis.sh: $cases test cases, exit $status (report in $work/report)"
exit "$status"
