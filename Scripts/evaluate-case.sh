# Sourced by the scripts that count what one policy evaluation does
# (bench-instructions.sh, bench-retains.sh); not run on its own.
#
#   evaluate_case NAME [BINARY] [PARTNERS]
# sets `binary` (BINARY, or a fresh release build of partnerscore-bench),
# `partners` (PARTNERS generated snapshots, 2,000 by default), and
# `iterations` and `evaluations`: the bench's evaluate case at 20,000
# iterations runs 100,000 evaluations on 1 worker, then (with more than one
# core) 100,000 more on all of them. Errors name the script NAME.
evaluate_case() {
    local name=$1
    binary=${2:-}
    if [ -z "$binary" ]; then
        Scripts/setup.sh -c release --product partnerscore-bench >&2
        binary=.build/release/partnerscore-bench
    fi
    [ -x "$binary" ] || { echo "$name: no partnerscore-bench executable at '$binary'" >&2; exit 2; }
    partners=${3:-2000}
    [[ $partners =~ ^[1-9][0-9]*$ ]] || { echo "$name: PARTNERS must be a positive whole number, not '$partners'" >&2; exit 2; }
    iterations=20000
    evaluations=$(( $(nproc) > 1 ? 200000 : 100000 ))
}
