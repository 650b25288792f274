#!/usr/bin/env bash
# What durable commits cost (release build): ITERATIONS write transactions of
# 10 events (an ingest batch's) and an import of a generated PARTNERS-partner
# program, into a file store in the current folder's file system, with
# synchronous=NORMAL (syncs only at checkpoints; the store's setting before)
# and FULL (a commit is on disk when it returns; the store's setting now).
#   Scripts/bench-durability.sh [ITERATIONS] [PARTNERS]
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh -c release --product partnerscore-bench >&2
.build/release/partnerscore-bench "${1:-2000}" Policies durability "${2:-10000}"
