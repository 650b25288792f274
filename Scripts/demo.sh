#!/usr/bin/env bash
# Set up, then run the main job. Until the policy engine lands this runs a
# sample policy snippet through the sandbox.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh >&2
.build/debug/partnerscore lua Policies/examples/tier_sketch.lua --pretty
