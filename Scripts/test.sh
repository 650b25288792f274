#!/usr/bin/env bash
# Set up, then run every test: the Swift test suites (LuaHost, CLI, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh --build-tests
swift test --skip-build "$@"
