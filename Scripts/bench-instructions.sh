#!/usr/bin/env bash
# Instructions per policy evaluation, counted by valgrind (callgrind) rather
# than timed: the count does not move with the machine's load, so two builds
# can be compared on a busy machine. Counts everything inside
# PartnerEvaluator.evaluate (the telecom policy over PARTNERS generated
# snapshots, 200,000 evaluations on a machine with more than one core).
#   Scripts/bench-instructions.sh [BINARY] [PARTNERS]
# BINARY defaults to a fresh release build of partnerscore-bench; give an
# older build's copy to compare. Needs valgrind (apt-get install valgrind).
#
# Valgrind's CPU has no SHA extensions, so the SHA-256 compression runs
# BoringSSL's AVX code there (~14,000 instructions per evaluation) instead of
# SHA-NI; the second figure leaves it out and is the one to compare.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "bench-instructions.sh: needs valgrind: apt-get install valgrind" >&2; exit 1; }
. Scripts/evaluate-case.sh
evaluate_case bench-instructions.sh "$@"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Valgrind 3.19 cannot read Swift's DWARF 5; the symbol table is enough.
objcopy --strip-debug "$binary" "$work/bench"
valgrind --tool=callgrind --callgrind-out-file="$work/out" --collect-atstart=no \
    --toggle-collect='$s12PolicyEngine16PartnerEvaluatorV8evaluate_5state*' \
    "$work/bench" "$iterations" Policies evaluate "$partners" > "$work/log" 2>&1 \
    || { cat "$work/log" >&2; exit 1; }
total=$(awk '/^(summary|totals):/ {print $2; exit}' "$work/out")
[ -n "$total" ] && [ "$total" -gt 0 ] || { echo "bench-instructions.sh: callgrind counted nothing inside evaluate" >&2; exit 1; }
sha=$(callgrind_annotate "$work/out" 2>/dev/null | awk '/sha256_block_data_order/ {gsub(",", "", $1); s += $1} END {printf "%.0f\n", s}')
echo "instructions per evaluation: $((total / evaluations)) in all, $(((total - sha) / evaluations)) without the SHA-256 compression"
echo "largest parts (inclusive, per evaluation):"
callgrind_annotate --inclusive=yes "$work/out" 2>/dev/null \
    | awk -v n="$evaluations" '/^ *[0-9,]+ \( *[0-9.]+%\)/ && !/PROGRAM TOTALS/ {
          ir = $1; gsub(",", "", ir)
          name = $0; sub(/^ *[0-9,]+ \( *[0-9.]+%\) +(\?\?\?:)?/, "", name); sub(/ \[.*$/, "", name)
          if (name ~ /[dD]ispatch|clone|start_thread|libc_start|below main|partnerscore_bench|^0x|PartnerEvaluatorV8evaluate|^\$sSi/) next
          printf "  %7d  %s\n", ir / n, name
          if (++shown == 25) exit }' \
    | (command -v swift-demangle >/dev/null && swift-demangle --simplified || cat)
