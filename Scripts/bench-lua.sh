#!/usr/bin/env bash
# Micro-benchmark of the Lua host (release build): cost of one call into a
# small policy function that reads an 8-field table built per call.
#   Scripts/bench-lua.sh [ITERATIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh -c release --product partnerscore-bench >&2
.build/release/partnerscore-bench "${1:-2000000}"
