#!/usr/bin/env bash
# The program report of a generated 10k-partner program, opened in headless
# Chromium (Debian's `chromium`): saves a full-page PNG screenshot and a PDF
# print, and fails if Chromium logs any console message (the report has no
# scripts and fetches nothing, so any console output is an error).
#   Scripts/report-screenshot.sh [OUTDIR] [PARTNERS]
# OUTDIR defaults to .build/report-screenshot; PARTNERS to 10000.
# The window is as tall as the page: a copy of the report with one script
# added reports its height through --dump-dom (the report itself has none).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-.build/report-screenshot}"
partners="${2:-10000}"

if ! command -v chromium >/dev/null; then
    echo "report-screenshot: installing chromium" >&2
    sudo_cmd=()
    if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo_cmd[@]}" apt-get update -qq
    "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

Scripts/setup.sh --product partnerscore >&2
bin=.build/debug/partnerscore
mkdir -p "$out"
out="$(cd "$out" && pwd)"
db="$out/program.sqlite"
rm -rf "$out/data" "$db" "$db-wal" "$db-shm"

"$bin" generate --partners "$partners" --seed 7 --out "$out/data" >&2
"$bin" init --db "$db" >&2
"$bin" import --db "$db" "$out/data/partners.csv" "$out/data/events.csv" >&2
for day in 2026-07-31 2026-08-31 2026-09-30 2026-10-31; do
    echo "report-screenshot: evaluating as of $day" >&2
    "$bin" evaluate --db "$db" --policies Policies --as-of "$day" --format json > /dev/null
done
"$bin" report --db "$db" --out "$out/report.html" >&2

# Headless Chromium: no network is needed, so none is allowed.
chrome=(chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run
        --disable-extensions --disable-background-networking --enable-logging=stderr --v=0
        --virtual-time-budget=5000)
sed 's|</body>|<script>document.title = "height:" + document.documentElement.scrollHeight</script></body>|' \
    "$out/report.html" > "$out/measure.html"
height=$("${chrome[@]}" --window-size=1280,900 --dump-dom "file://$out/measure.html" 2> "$out/chromium-measure.log" \
    | sed -n 's|.*<title>height:\([0-9]*\)</title>.*|\1|p')
[[ -n "$height" ]] || { echo "report-screenshot: could not measure the page height" >&2; exit 1; }
echo "report-screenshot: page height ${height}px" >&2
"${chrome[@]}" --window-size="1280,$height" --screenshot="$out/report.png" "file://$out/report.html" \
    2> "$out/chromium-screenshot.log" >&2
"${chrome[@]}" --no-pdf-header-footer --print-to-pdf="$out/report.pdf" "file://$out/report.html" \
    2> "$out/chromium-pdf.log" >&2

# Console messages (console.*, uncaught errors, failed loads) are logged as CONSOLE lines.
if grep -hE 'CONSOLE|Uncaught|Failed to load resource|net::ERR_' "$out"/chromium-*.log; then
    echo "report-screenshot: Chromium logged console errors (above)" >&2
    exit 1
fi
[[ -s "$out/report.png" && -s "$out/report.pdf" ]] || { echo "report-screenshot: no screenshot or PDF written" >&2; exit 1; }
echo "screenshot: $out/report.png"
echo "pdf:        $out/report.pdf"
