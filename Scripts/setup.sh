#!/usr/bin/env bash
# Install what Partnerscore needs on a fresh Debian machine, then build.
# Idempotent: apt runs only when a package is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(liblua5.4-dev libsqlite3-dev lua-check pkg-config)
missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
# PostgreSQL 15's server binaries, for the store's tests on its second engine
# (Scripts/postgres.sh starts a throwaway cluster from them).
if [[ ! -x /usr/lib/postgresql/15/bin/initdb ]]; then missing+=(postgresql-15); fi
if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}" >&2
    sudo_cmd=()
    if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
    export DEBIAN_FRONTEND=noninteractive
    if ! "${sudo_cmd[@]}" apt-get update -qq \
        || ! "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
        echo "setup: could not install ${missing[*]} with apt-get; install them by hand (Debian 12 packages) and run again" >&2
        exit 1
    fi
fi
if [[ ! -x /usr/lib/postgresql/15/bin/initdb ]]; then
    echo "setup: /usr/lib/postgresql/15/bin/initdb is still missing after installing postgresql-15" >&2
    exit 1
fi

if ! command -v swift >/dev/null; then
    echo "setup: swift is not on PATH (Swift 6 is required; see README.md)" >&2
    exit 1
fi

echo "setup: building" >&2
swift build "$@"
