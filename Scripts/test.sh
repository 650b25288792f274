#!/usr/bin/env bash
# Set up, then run every test: the Swift test suites (host, store, engine,
# toolchain, CLI) and every policy set's fixtures (partnerscore test).
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh --build-tests
swift test --skip-build "$@"
echo "== policy fixtures (partnerscore test Policies docs/examples/measures docs/examples/incentives)"
.build/debug/partnerscore test Policies docs/examples/measures docs/examples/incentives --junit .build/policy-tests.xml
echo "== editor files match the host (partnerscore policy editor-files --check)"
.build/debug/partnerscore policy editor-files --check Policies
