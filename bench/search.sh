#!/usr/bin/env bash
# Search benchmark: 综合查询 over N generated documents, on SQLite and on PostgreSQL, with the
# naive LIKE '%…%' scan as the baseline in the same run.
#
# Usage: bench/search.sh [N]        (N documents, default 1000000)
#
# For each engine the search_bench example of xn-store (crates/xn-store/examples/search_bench.rs):
#   1. generates N documents (deterministic seed): titles such as 关于进一步加强安全生产工作的通知
#      or 关于印发《东州市防汛抗旱应急预案》的通知 from vocabularies of issuers, kinds, topics and
#      actions; bodies of 200–800 characters composed of sentences of government documents;
#      about one document in 10,000 names a rare place (白鹭湖湿地公园, 青龙峡水库 …);
#   2. loads them into `documents` (multi-row inserts, 20,000 per transaction)          [load]
#   3. indexes every document through xn_store::search::index_document in transactions of
#      20,000 (PostgreSQL: GIN indexes dropped before and built once after, then
#      VACUUM ANALYZE)                                                                   [index]
#   4. runs every query once to warm the cache, then R times (default 5) each: 20 queries of
#      2 characters, 20 of 3 and 20 of 4 characters that are common in the vocabularies, and
#      10 of each length that are rare or absent; each run asks search_documents for the first
#      page of 20 with the total (counted up to 10,000);
#   5. times the naive implementation for four of the queries: `title like '%q%' or body like
#      '%q%'`, first page of 20 by id and the exact count.
# It prints key=value lines; the summary lines at the end give p50/p95 per query length.
#
# PostgreSQL: database xn_search_bench on 127.0.0.1:5432 as user postgres, created afresh with
# the C.UTF-8 locale and dropped at the end (skipped when unreachable). SQLite: a file in a
# mktemp -d folder, removed at the end. Disk: about 10 GB at N = 1,000,000 while it runs.
#
# Environment:
#   BENCH_REPEAT            runs of each query (default 5)
#   BENCH_ENGINES           engines to run, space-separated (default "sqlite postgres")
#   CARGO_TARGET_DIR        honoured when looking for the built example

set -euo pipefail

N="${1:-1000000}"
if ! [[ "$N" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: $0 [N]   (N: number of documents, a positive integer)" >&2
    exit 2
fi

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
REPEAT="${BENCH_REPEAT:-5}"
ENGINES="${BENCH_ENGINES:-sqlite postgres}"
PG_URL_BASE="postgres://postgres@127.0.0.1:5432"
PG_DB="xn_search_bench"
PG_CREATED=0

RUN_DIR="$(mktemp -d -t xn-search-bench.XXXXXX)"
cleanup() {
    if [[ "$PG_CREATED" == 1 ]]; then
        psql -h 127.0.0.1 -U postgres -d postgres -qAtc "DROP DATABASE IF EXISTS $PG_DB" >/dev/null 2>&1 || true
    fi
    rm -rf "$RUN_DIR"
}
trap cleanup EXIT

log() { printf '\n== %s\n' "$*" >&2; }

log "building the search_bench example (cargo build --release -p xn-store --example search_bench)"
BIN="$TARGET_DIR/release/examples/search_bench"
(cd "$ROOT" && cargo build --release -p xn-store --example search_bench)

OUT="$RUN_DIR/out.txt"
: >"$OUT"

for engine in $ENGINES; do
    case "$engine" in
    sqlite)
        log "sqlite: N=$N, data in $RUN_DIR/sqlite"
        sync
        "$BIN" --engine sqlite --docs "$N" --repeat "$REPEAT" --data-dir "$RUN_DIR/sqlite" | tee -a "$OUT"
        rm -rf "$RUN_DIR/sqlite"
        ;;
    postgres)
        if ! psql -h 127.0.0.1 -U postgres -d postgres -qAtc 'SELECT 1' >/dev/null 2>&1; then
            log "postgres skipped: not reachable at 127.0.0.1:5432 as user postgres"
            echo "engine=postgres skipped (not reachable)" >>"$OUT"
            continue
        fi
        PGOPTIONS="-c client_min_messages=warning" \
            psql -h 127.0.0.1 -U postgres -d postgres -qAtc "DROP DATABASE IF EXISTS $PG_DB" >/dev/null
        psql -h 127.0.0.1 -U postgres -d postgres -qAtc \
            "CREATE DATABASE $PG_DB TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C.UTF-8'" >/dev/null
        PG_CREATED=1
        log "postgres: N=$N, database $PG_DB ($(psql -h 127.0.0.1 -U postgres -d postgres -qAtc 'SHOW server_version'))"
        sync
        "$BIN" --engine postgres --docs "$N" --repeat "$REPEAT" --database-url "$PG_URL_BASE/$PG_DB" | tee -a "$OUT"
        psql -h 127.0.0.1 -U postgres -d postgres -qAtc "DROP DATABASE IF EXISTS $PG_DB" >/dev/null
        PG_CREATED=0
        ;;
    *)
        echo "unknown engine $engine" >&2
        exit 2
        ;;
    esac
done

echo
echo "== summary: N=$N documents, first page of 20 with the total (counted up to 10,000), $REPEAT runs per query"
grep -E '^(phase=(load|index_total|index_rows|index_gin)|size .*database_mb|summary .*kind=all|like )' "$OUT" || true
