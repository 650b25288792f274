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
if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}" >&2
    sudo_cmd=()
    if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo_cmd[@]}" apt-get update -qq
    "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null; then
    echo "setup: swift is not on PATH (Swift 6 is required; see README.md)" >&2
    exit 1
fi

echo "setup: building" >&2
swift build "$@"
