#!/usr/bin/env bash
# Set up, then run the main job: generate a sample partner program into a
# temporary SQLite file, evaluate it with the bundled policy sets over six
# month-ends, and print a summary. Extra arguments go to `partnerscore demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh >&2
.build/debug/partnerscore demo "$@"
