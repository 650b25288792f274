# Sourced by the benchmarks that compare the two engines
# (bench-postgres-import.sh, bench-postgres-run.sh), after `cd` to the
# repository and `mkdir -p "$work"`: starts a throwaway PostgreSQL 15
# cluster (Scripts/postgres.sh, removed on exit) and names a fresh store
# per engine and run.

cluster=$(Scripts/postgres.sh start)
eval "$cluster"
trap 'Scripts/postgres.sh stop "$PARTNERSCORE_PG_DIR"' EXIT

# fresh_store ENGINE NAME → prints the --db of an empty store called NAME:
# a SQLite file in $work (removed first) or a new database of the cluster.
fresh_store() {
    if [[ $1 == sqlite ]]; then
        rm -f "$work/$2.sqlite" "$work/$2.sqlite-wal" "$work/$2.sqlite-shm"
        echo "$work/$2.sqlite"
    else
        psql "$PARTNERSCORE_PG_URL" -qc "CREATE DATABASE $2"
        echo "${PARTNERSCORE_PG_URL%/*}/$2"
    fi
}

# store_of ENGINE NAME → prints the --db of the store fresh_store made.
store_of() {
    if [[ $1 == sqlite ]]; then echo "$work/$2.sqlite"; else echo "${PARTNERSCORE_PG_URL%/*}/$2"; fi
}

# drop_store ENGINE NAME: removes the store fresh_store made (disk space).
drop_store() {
    if [[ $1 == sqlite ]]; then
        rm -f "$work/$2.sqlite" "$work/$2.sqlite-wal" "$work/$2.sqlite-shm"
    else
        psql "$PARTNERSCORE_PG_URL" -qc "DROP DATABASE $2"
    fi
}
