#!/usr/bin/env bash
# Search benchmark: 综合查询 over N generated documents, on SQLite and on PostgreSQL, with the
# naive LIKE '%…%' scan as the baseline in the same run, at each size of a sweep.
#
# Usage: bench/search.sh [--skip-largest] [N ...]
#        (sizes to sweep, default 100000 300000 1000000; --skip-largest drops the largest, for
#        a small disk)
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
#   4. finds its queries in the generated documents (examples/search_bench/probes.rs): every
#      substring of 2–4 Chinese characters of the vocabularies is counted in the documents
#      (without filters, within one office's scope and clearance, and that scope narrowed by
#      文种 and year), and per length and filter set it takes the most common, the middle (about
#      one document in a hundred), the rare, the absent, and for every threshold the search
#      uses (xn_store::search::THRESHOLDS) the query nearest below it and nearest above it;
#   5. runs every query once to warm the cache, then R times (default 5) each, asking
#      search_documents for the first page of 20 with its total, and checks the total against
#      the count in the documents (an exact total must equal it);
#   6. times the naive implementation for four of the queries: `title like '%q%' or body like
#      '%q%'`, first page of 20 by id and the exact count.
# It prints key=value lines; the summary lines give p50/p95/max per filter set, length and
# class, the overall lines per filter set, the check line the totals found wrong.
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

SIZES=()
SKIP_LARGEST=0
for arg in "$@"; do
    case "$arg" in
    --skip-largest) SKIP_LARGEST=1 ;;
    *)
        if ! [[ "$arg" =~ ^[1-9][0-9]*$ ]]; then
            echo "usage: $0 [--skip-largest] [N ...]   (N: number of documents, a positive integer)" >&2
            exit 2
        fi
        SIZES+=("$arg")
        ;;
    esac
done
if [[ ${#SIZES[@]} -eq 0 ]]; then
    SIZES=(100000 300000 1000000)
fi
if [[ "$SKIP_LARGEST" == 1 && ${#SIZES[@]} -gt 1 ]]; then
    mapfile -t SIZES < <(printf '%s\n' "${SIZES[@]}" | sort -n | head -n -1)
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

for N in "${SIZES[@]}"; do
for engine in $ENGINES; do
    case "$engine" in
    sqlite)
        log "sqlite: N=$N, data in $RUN_DIR/sqlite"
        sync
        "$BIN" --engine sqlite --docs "$N" --repeat "$REPEAT" --data-dir "$RUN_DIR/sqlite" | sed "s/^/docs=$N /" | tee -a "$OUT"
        rm -rf "$RUN_DIR/sqlite"
        ;;
    postgres)
        if ! psql -h 127.0.0.1 -U postgres -d postgres -qAtc 'SELECT 1' >/dev/null 2>&1; then
            log "postgres skipped: not reachable at 127.0.0.1:5432 as user postgres"
            echo "docs=$N engine=postgres skipped (not reachable)" >>"$OUT"
            continue
        fi
        PGOPTIONS="-c client_min_messages=warning" \
            psql -h 127.0.0.1 -U postgres -d postgres -qAtc "DROP DATABASE IF EXISTS $PG_DB" >/dev/null
        psql -h 127.0.0.1 -U postgres -d postgres -qAtc \
            "CREATE DATABASE $PG_DB TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C.UTF-8'" >/dev/null
        PG_CREATED=1
        log "postgres: N=$N, database $PG_DB ($(psql -h 127.0.0.1 -U postgres -d postgres -qAtc 'SHOW server_version'))"
        sync
        "$BIN" --engine postgres --docs "$N" --repeat "$REPEAT" --database-url "$PG_URL_BASE/$PG_DB" | sed "s/^/docs=$N /" | tee -a "$OUT"
        psql -h 127.0.0.1 -U postgres -d postgres -qAtc "DROP DATABASE IF EXISTS $PG_DB" >/dev/null
        PG_CREATED=0
        ;;
    *)
        echo "unknown engine $engine" >&2
        exit 2
        ;;
    esac
done
done

echo
echo "== summary: sizes ${SIZES[*]}, first page of 20 with its total, $REPEAT runs per query; load $(cut -d' ' -f1-3 /proc/loadavg)"
grep -E '^docs=[0-9]+ (phase=(load|index_total|index_rows|index_gin|probes)|size .*database_mb|overall |check |like )' "$OUT" || true
echo
echo "== per filter set, length and class"
grep -E '^docs=[0-9]+ summary ' "$OUT" || true
