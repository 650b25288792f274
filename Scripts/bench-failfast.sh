#!/usr/bin/env bash
# How fast a run fails when its policy fails for every partner (release build;
# docs/performance.md, "Failing fast"). Generates a telecom program (seed 7,
# 100,000 partners by default), imports it, then evaluates it with a copy of
# Policies/telecom whose health component's score loops forever. evaluate must
# fail, naming the first partner; prints the seconds it took to exit.
#   Scripts/bench-failfast.sh [PARTNERS] [WORKDIR]
# A WORKDIR kept from an earlier run skips generating and importing. Extra
# evaluate flags go in EVALUATE_FLAGS (e.g. "--instructions 0 --timeout-ms 500"
# to stop on the clock instead of the instruction budget).
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh -c release --product partnerscore >&2
bin=.build/release/partnerscore
partners="${1:-100000}" work="${2:-$(mktemp -d)}"
mkdir -p "$work"

if [ ! -f "$work/failfast.sqlite" ]; then
    "$bin" generate --partners "$partners" --seed 7 --industry telecom --out "$work/program" > /dev/null
    "$bin" init --db "$work/failfast.sqlite" > /dev/null
    "$bin" import --db "$work/failfast.sqlite" "$work/program/partners.csv" "$work/program/events.csv" > /dev/null
fi

# The copy keeps the shared lib beside it, as require "common" needs.
rm -rf "$work/Policies"
mkdir -p "$work/Policies"
cp -r Policies/lib Policies/telecom "$work/Policies/"
sed -i -E 's/health = common\.health\([0-9]+\),/health = { components = { ps.component "revenue" { weight = 1, score = function(p) while true do end end } } },/' \
    "$work/Policies/telecom/agents.lua"
grep -q 'while true do end' "$work/Policies/telecom/agents.lua" || { echo "bench-failfast: could not make the score loop" >&2; exit 2; }

load=$(cut -d' ' -f1 /proc/loadavg)
start=$(date +%s.%N)
# shellcheck disable=SC2086
if "$bin" evaluate --db "$work/failfast.sqlite" --policies "$work/Policies/telecom" --as-of 2026-10-31 \
        ${EVALUATE_FLAGS:-} > "$work/evaluate.out" 2> "$work/evaluate.err"; then
    echo "bench-failfast: evaluate succeeded, but the policy loops for every partner" >&2
    exit 1
fi
end=$(date +%s.%N)
printf 'evaluate of %s partners failed after %.2f s (load %s):\n' "$partners" "$(awk "BEGIN{print $end - $start}")" "$load"
head -1 "$work/evaluate.err"
echo "(in $work)"
