#!/usr/bin/env bash
# A full disk, for real: the store on a small tmpfs, the service holding it
# open, and an import too large for it. Checks that the import fails saying
# the disk is full and what to do, writes nothing, leaves no WAL behind (the
# volume has its space back), and that the service then still ingests.
# Needs root (it mounts a tmpfs, and unmounts it on the way out).
#   Scripts/full-disk.sh [WORKDIR]
# SIZE_MB (16), PARTNERS (5000), PORT (18082), CONFIG (release), SCRATCH_PATH (.build).
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-$(mktemp -d)}"
size="${SIZE_MB:-16}"
port="${PORT:-18082}"
config="${CONFIG:-release}"
scratch="${SCRATCH_PATH:-.build}"
Scripts/setup.sh -c "$config" --product partnerscore --scratch-path "$scratch" >&2
bin="$scratch/$config/partnerscore"

mkdir -p "$work/disk"
if ! mount -t tmpfs -o "size=${size}m" tmpfs "$work/disk" 2>"$work/mount.err"; then
    echo "full-disk.sh: cannot mount a tmpfs here ($(cat "$work/mount.err")); run it as root" >&2
    exit 2
fi
server=""
cleanup() {
    [[ -n "$server" ]] && { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
    umount "$work/disk" 2>/dev/null || true
}
trap cleanup EXIT
fail() { echo "full-disk.sh: FAIL: $*" >&2; exit 1; }

db="$work/disk/program.sqlite"
"$bin" generate --partners "${PARTNERS:-5000}" --seed 7 --industry telecom --out "$work/program" > /dev/null
"$bin" init --db "$db" > /dev/null
"$bin" import --db "$db" "$work/program/partners.csv" > /dev/null
token=$("$bin" token create --db "$db" --role operator --name full-disk 2>/dev/null)
"$bin" serve --db "$db" --policies Policies/telecom --host 127.0.0.1 --port "$port" > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/health" > /dev/null && break; sleep 0.1; done
events_before=$(curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/partners?limit=1" > /dev/null && echo ok)
[[ "$events_before" == ok ]] || fail "the service did not start"

echo "full-disk.sh: importing $(wc -c < "$work/program/events.csv") bytes of events onto a ${size} MB tmpfs ($(df -k --output=avail "$work/disk" | tail -1) KiB free)"
set +e
"$bin" import --db "$db" "$work/program/events.csv" > "$work/import.out" 2> "$work/import.err"
status=$?
set -e
cat "$work/import.err"
(( status == 1 )) || fail "the import should have failed with exit 1, not $status"
grep -q "is full" "$work/import.err" || fail "the message does not say the disk is full"
grep -q "free space" "$work/import.err" || fail "the message does not say what to do"
wal=$(stat -c %s "$db-wal" 2>/dev/null || echo 0)
free=$(df -k --output=avail "$work/disk" | tail -1)
echo "full-disk.sh: after the failure: WAL $wal bytes, $free KiB free"
(( wal < 1048576 )) || fail "the WAL stayed at $wal bytes"
(( free > size * 1024 / 2 )) || fail "the volume stayed full ($free KiB free)"
events=$(curl -sf -H "Authorization: Bearer $token" -H "Content-Type: application/json" \
    -d '{"events":[{"partner_id":"P0000001","date":"2026-10-01","kind":"login"}]}' "http://127.0.0.1:$port/v1/activity") \
    || fail "the service does not ingest after the failure"
echo "full-disk.sh: the service ingests again: $events"
echo "full-disk.sh: ok"
