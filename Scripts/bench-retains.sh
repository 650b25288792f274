#!/usr/bin/env bash
# Atomic reference counting per policy evaluation: calls to swift_retain and
# swift_release on heap objects made inside PartnerEvaluator.evaluate, and
# the functions that make them, counted with perf uprobes (not sampled).
# Calls on small strings and other tagged values are left out: they cost no
# atomic operation. The telecom policy over PARTNERS generated snapshots,
# 100,000 evaluations on 1 worker and 100,000 on all cores, as in
# Scripts/bench-instructions.sh.
#   Scripts/bench-retains.sh [BINARY] [PARTNERS]
# BINARY defaults to a fresh release build of partnerscore-bench. Needs perf
# (apt-get install linux-perf) and the right to add uprobes (root); ~5 min.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v perf >/dev/null || { echo "bench-retains.sh: needs perf: apt-get install linux-perf" >&2; exit 1; }
. Scripts/evaluate-case.sh
evaluate_case bench-retains.sh "$@"
core=$(ldd "$binary" | awk '/libswiftCore.so/ {print $3}')
[ -n "$core" ] || { echo "bench-retains.sh: '$binary' does not link libswiftCore.so" >&2; exit 1; }
work=$(mktemp -d)
cleanup() {
    perf probe -q -d 'probe_libswiftCore:swift_re*' 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
perf probe -q -d 'probe_libswiftCore:swift_re*' 2>/dev/null || true
perf probe -q -x "$core" 'swift_retain object=%di:x64' >&2
perf probe -q -x "$core" 'swift_release object=%di:x64' >&2
perf record -q -e probe_libswiftCore:swift_retain -e probe_libswiftCore:swift_release -g -o "$work/perf.data" \
    "$binary" "$iterations" Policies evaluate "$partners" > "$work/log" 2>&1 || { cat "$work/log" >&2; exit 1; }
perf script -i "$work/perf.data" -F event,trace,ip,sym 2>/dev/null | python3 -c '
import collections, re, sys
evaluations = int(sys.argv[1])
totals, callers = collections.Counter(), collections.Counter()
event, heap, stack = None, False, []
def done():
    # Only calls made inside an evaluation, on a heap pointer.
    if not stack or not heap or not any("PartnerEvaluator" in f and "evaluate" in f for f in stack):
        return
    totals[event] += 1
    i = 1
    while i < len(stack) - 1 and ("bridgeObject" in stack[i] or stack[i].startswith("swift_re")):
        i += 1
    callers[(event, stack[i])] += 1
for line in sys.stdin:
    line = line.rstrip()
    if not line:
        done()
        event, heap, stack = None, False, []
    elif event is None and "probe_libswiftCore:" in line:
        event = line.split("probe_libswiftCore:")[1].split(":")[0]
        found = re.search(r"object=0x([0-9a-f]+)", line)
        pointer = int(found.group(1), 16) if found else 0
        heap = 0x1000 < pointer < 0x800000000000
    else:
        parts = line.split(None, 1)
        stack.append(parts[1] if len(parts) > 1 else parts[0])
done()
if not totals:
    sys.exit("bench-retains.sh: no calls counted inside evaluate")
print("heap retains per evaluation: %.1f, releases: %.1f" % (totals["swift_retain"] / evaluations, totals["swift_release"] / evaluations))
print("by caller (per evaluation):")
for (name, caller), count in callers.most_common(20):
    print("  %6.2f  %-7s %s" % (count / evaluations, name[6:], caller))
' "$evaluations" | (command -v swift-demangle >/dev/null && swift-demangle --simplified || cat) | cut -c1-160
