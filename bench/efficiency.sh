#!/usr/bin/env bash
# Efficiency monitor benchmark: the leader's picture and a unit's backlog on a large city with
# years of history, on SQLite and on PostgreSQL, with the same numbers computed by plain SQL
# over the recorded facts as the baseline in the same run.
#
# Usage: bench/efficiency.sh [POSTS] [ITEMS] [YEARS]      (default 2000 2000000 5)
#
# For each engine the efficiency_bench example of xn-service
# (crates/xn-service/examples/efficiency_bench.rs, which says what it builds and measures):
#   1. the demo city grown to POSTS posts;
#   2. YEARS of history: ITEMS items of the real processes, each passed along 3–4 posts, with
#      the task rows, events, timers and cards the flow writes (about five events an item);
#   3. the catch-up a server does at its first start: every day, week, month and year stored;
#   4. the leader's picture of the city's 主任 and a county office's backlog page, each
#      BENCH_RUNS times (default 30) after one warm-up, p50/p95/max; the baseline (plain SQL,
#      minutes a reading at this size) BENCH_BASELINE_RUNS times (default 3).
# It prints key=value lines.
#
# PostgreSQL: database xn_efficiency_bench on 127.0.0.1:5432 as user postgres, created afresh
# and dropped at the end (skipped when unreachable). SQLite: a file in a mktemp -d folder,
# removed at the end. Disk: about 6 GB per engine at the default size while it runs.
#
# Environment:
#   BENCH_RUNS              readings of each page (default 30)
#   BENCH_BASELINE_RUNS     readings of the baseline (default 3)
#   BENCH_ENGINES           engines to run, space-separated (default "sqlite postgres")
#   CARGO_TARGET_DIR        honoured when looking for the built example

set -euo pipefail

POSTS="${1:-2000}"
ITEMS="${2:-2000000}"
YEARS="${3:-5}"
for v in "$POSTS" "$ITEMS" "$YEARS"; do
    if ! [[ "$v" =~ ^[1-9][0-9]*$ ]]; then
        echo "usage: $0 [POSTS] [ITEMS] [YEARS]   (positive integers)" >&2
        exit 2
    fi
done

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
RUNS="${BENCH_RUNS:-30}"
BASELINE_RUNS="${BENCH_BASELINE_RUNS:-3}"
ENGINES="${BENCH_ENGINES:-sqlite postgres}"
PG_DB="xn_efficiency_bench"
PG_CREATED=0
RUN_DIR="$(mktemp -d -t xn-efficiency-bench.XXXXXX)"
cleanup() {
    if [[ "$PG_CREATED" == 1 ]]; then
        psql -h 127.0.0.1 -U postgres -d postgres -qAtc "DROP DATABASE IF EXISTS $PG_DB" >/dev/null 2>&1 || true
    fi
    rm -rf "$RUN_DIR"
}
trap cleanup EXIT

echo "# building the efficiency_bench example (cargo build --release -p xn-service --example efficiency_bench)" >&2
(cd "$ROOT" && cargo build --release --locked -p xn-service --example efficiency_bench) >&2
BIN="$TARGET_DIR/release/examples/efficiency_bench"

echo "machine cores=$(nproc) mem_gib=$(( $(grep MemTotal /proc/meminfo | awk '{print $2}') / 1048576 )) cpu=\"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)\""
echo "size posts=$POSTS items=$ITEMS years=$YEARS runs=$RUNS baseline_runs=$BASELINE_RUNS"
for engine in $ENGINES; do
    echo "engine=$engine"
    case "$engine" in
    sqlite)
        "$BIN" --engine sqlite --data-dir "$RUN_DIR/sqlite" --posts "$POSTS" --items "$ITEMS" \
            --years "$YEARS" --runs "$RUNS" --baseline-runs "$BASELINE_RUNS"
        echo "sqlite_file_mb=$(( $(du -sk "$RUN_DIR/sqlite" | cut -f1) / 1024 ))"
        rm -rf "$RUN_DIR/sqlite"
        ;;
    postgres)
        if ! psql -h 127.0.0.1 -U postgres -d postgres -qAtc 'SELECT 1' >/dev/null 2>&1; then
            echo "skipped=postgres reason=\"PostgreSQL not reachable on 127.0.0.1:5432\""
            continue
        fi
        psql -h 127.0.0.1 -U postgres -d postgres -qAtc "DROP DATABASE IF EXISTS $PG_DB" >/dev/null
        createdb -h 127.0.0.1 -U postgres "$PG_DB"
        PG_CREATED=1
        "$BIN" --engine postgres --database-url "postgres://postgres@127.0.0.1:5432/$PG_DB" \
            --posts "$POSTS" --items "$ITEMS" --years "$YEARS" --runs "$RUNS" --baseline-runs "$BASELINE_RUNS"
        echo "postgres_db_mb=$(psql -h 127.0.0.1 -U postgres -d postgres -qAtc "SELECT pg_database_size('$PG_DB') / 1048576")"
        psql -h 127.0.0.1 -U postgres -d postgres -qAtc "DROP DATABASE IF EXISTS $PG_DB" >/dev/null
        PG_CREATED=0
        ;;
    *)
        echo "unknown engine $engine" >&2
        exit 2
        ;;
    esac
done
