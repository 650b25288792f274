#!/usr/bin/env bash
# Set up, then run every test: the Swift test suites (host, store, engine,
# toolchain, CLI) and every policy set's fixtures (partnerscore test).
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh --build-tests
# The store's tests on PostgreSQL run against a throwaway cluster, removed on
# exit whatever happens; REQUIRE makes them fail, not skip, without its URL.
cluster=$(Scripts/postgres.sh start)   # a failure here stops the script (set -e)
eval "$cluster"
trap 'Scripts/postgres.sh stop "$PARTNERSCORE_PG_DIR"' EXIT
export PARTNERSCORE_TEST_DATABASE_URL=$PARTNERSCORE_PG_URL PARTNERSCORE_REQUIRE_POSTGRES=1
echo "== PostgreSQL 15 for the tests at $PARTNERSCORE_TEST_DATABASE_URL"
swift test --skip-build "$@"
echo "== policy fixtures (partnerscore test Policies docs/examples/measures docs/examples/incentives)"
.build/debug/partnerscore test Policies docs/examples/measures docs/examples/incentives --junit .build/policy-tests.xml
echo "== editor files match the host (partnerscore policy editor-files --check)"
.build/debug/partnerscore policy editor-files --check Policies
echo "== a fleet: two serve instances on one PostgreSQL (Scripts/fleet.sh 5000, debug; about 2.5 min)"
CONFIG=debug Scripts/fleet.sh 5000
