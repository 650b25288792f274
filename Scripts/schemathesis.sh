#!/usr/bin/env bash
# Fuzz the scoring service with schemathesis against its own /openapi.json,
# on loopback: a small generated telecom program, one recorded run, a
# designer token (so every endpoint is reachable). Exits non-zero on any
# 5xx, any response the document does not describe (status, content type,
# headers, body schema), an endpoint answering without a token, or a wrong
# method not answered with 405.
#   Scripts/schemathesis.sh [WORKDIR]
# MAX_EXAMPLES (50 per operation), PORT (18081), CONFIG (release), SCRATCH_PATH (.build).
set -euo pipefail
cd "$(dirname "$0")/.."
port="${PORT:-18081}"
work="${1:-$(mktemp -d)}"
config="${CONFIG:-release}"
scratch="${SCRATCH_PATH:-.build}"

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
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/health" > /dev/null && break
    sleep 0.1
done

status=0
schemathesis run "http://127.0.0.1:$port/openapi.json" --url "http://127.0.0.1:$port" \
    -H "Authorization: Bearer $token" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,ignored_auth,unsupported_method \
    --max-examples "${MAX_EXAMPLES:-50}" --seed 7 --workers 2 --warnings off \
    --report junit --report-dir "$work/report" || status=$?
if grep -q "Fatal\|panicked" "$work/serve.log"; then
    echo "schemathesis.sh: the server log shows a crash:" >&2
    grep -n "Fatal\|panicked" "$work/serve.log" >&2
    status=1
fi
echo "schemathesis.sh: exit $status (report in $work/report)"
exit "$status"
