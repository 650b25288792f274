#!/usr/bin/env bash
# The fleet acceptance: two `partnerscore serve` instances on one throwaway
# PostgreSQL on loopback (Scripts/fleet-check.py says what is checked).
#
#   Scripts/fleet.sh [PARTNERS]    # default 100000; CONFIG=debug|release (default release)
#
# Prints each check with its figures; exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
partners=${1:-100000}
config=${CONFIG:-release}
if [[ $config == release ]]; then swift build -c release --product partnerscore >&2; else swift build --product partnerscore >&2; fi
bin=$PWD/.build/$config/partnerscore
cluster=$(Scripts/postgres.sh start)
eval "$cluster"
work=$(mktemp -d "${TMPDIR:-/tmp}/partnerscore-fleet.XXXXXX")
trap 'Scripts/postgres.sh stop "$PARTNERSCORE_PG_DIR"; rm -rf "$work"' EXIT
python3 Scripts/fleet-check.py --bin "$bin" --db "$PARTNERSCORE_PG_URL" --partners "$partners" --work "$work"
