#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for tests and benchmarks, from Debian's
# postgresql-15 (Scripts/setup.sh installs it).
#
#   eval "$(Scripts/postgres.sh start)"   # sets PARTNERSCORE_PG_DIR and PARTNERSCORE_PG_URL
#                                         # (a script: cluster=$(…start) && eval "$cluster", so a failure stops it)
#   Scripts/postgres.sh url [DIR]         # prints postgresql://USER@127.0.0.1:PORT/partnerscore
#   Scripts/postgres.sh stop [DIR]        # stops the cluster and removes its folder
#
# DIR defaults to $PARTNERSCORE_PG_DIR. The cluster lives in a new temporary
# folder (data, log, socket): it listens on 127.0.0.1 on a free port and on a
# socket in that folder, with trust authentication for loopback and that
# socket only (a throwaway cluster, never a server to keep). fsync stays on:
# a commit is durable as on a real server (the store's tests take about the
# same time either way, docs/performance.md).
#
# initdb refuses to run as root: as root the cluster runs as the `postgres`
# system user (Debian's package makes it), or as `partnerscore-pg`, made here.
set -euo pipefail

bin=/usr/lib/postgresql/15/bin
database=partnerscore

die() { echo "postgres.sh: $*" >&2; exit 1; }

# Run a command as the cluster's owner.
as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u "$owner" -- "$@"
    else
        "$@"
    fi
}

pick_owner() {
    if [[ $(id -u) -ne 0 ]]; then
        owner=$(id -un)
    elif id postgres >/dev/null 2>&1; then
        owner=postgres
    else
        id partnerscore-pg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin partnerscore-pg
        owner=partnerscore-pg
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

cluster_dir() {
    local dir=${1:-${PARTNERSCORE_PG_DIR:-}}
    [[ -n $dir ]] || die "no cluster folder: pass it, or set PARTNERSCORE_PG_DIR (eval \"\$(Scripts/postgres.sh start)\" does)"
    [[ -f $dir/url ]] || die "$dir is not a cluster folder made by Scripts/postgres.sh start"
    echo "$dir"
}

start() {
    [[ -x $bin/initdb && -x $bin/pg_ctl ]] || die "PostgreSQL 15 is not installed ($bin/initdb is missing) — run Scripts/setup.sh, which installs postgresql-15"
    pick_owner
    local dir
    dir=$(mktemp -d "${TMPDIR:-/tmp}/partnerscore-pg.XXXXXX")
    chmod 755 "$dir"
    mkdir "$dir/socket"
    chown -R "$owner" "$dir"
    if ! as_owner "$bin/initdb" -D "$dir/data" -U "$owner" --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
        >"$dir/initdb.log" 2>&1; then
        cat "$dir/initdb.log" >&2
        rm -rf "$dir"
        die "initdb failed (its output is above)"
    fi
    # Loopback and the private socket only.
    cat >"$dir/data/pg_hba.conf" <<EOF
local all all trust
host all all 127.0.0.1/32 trust
EOF
    local port attempt
    for attempt in 1 2 3 4 5; do
        port=$(free_port)
        if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start \
            -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir/socket -c fsync=on -c max_connections=200" \
            >/dev/null 2>&1; then
            break
        fi
        port=
    done
    if [[ -z $port ]]; then
        cat "$dir/server.log" >&2 || true
        rm -rf "$dir"
        die "the server did not start (its log is above)"
    fi
    as_owner "$bin/createdb" -h "$dir/socket" -p "$port" -U "$owner" "$database"
    local url="postgresql://$owner@127.0.0.1:$port/$database"
    echo "$url" >"$dir/url"
    echo "export PARTNERSCORE_PG_DIR=$dir"
    echo "export PARTNERSCORE_PG_URL=$url"
}

stop() {
    local dir
    dir=$(cluster_dir "${1:-}")
    owner=$(stat -c %U "$dir/data")
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}

case "${1:-}" in
    start) start ;;
    stop) stop "${2:-}" ;;
    url) cat "$(cluster_dir "${2:-}")/url" ;;
    *) die "usage: Scripts/postgres.sh start | url [DIR] | stop [DIR]" ;;
esac
