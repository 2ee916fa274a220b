#!/usr/bin/env bash
# Flow benchmark: durable task completions per second of one workflow process, on xiaoneng and
# on peer engines, in the same run on the same machine.
#
# Usage: bench/flow.sh [N]        (N cases, default 10000)
#
# The process (公文审批, bench/peers/document_approval.bpmn for the peers):
#   start -> 核稿 (check) -> parallel split -> 会签 by units A, B, C (countersign)
#         -> parallel join -> 签发 (sign-off) -> 编号 (numbering) -> end
# Six user tasks per case.
#
# Protocol, the same for every engine:
#   Phase 1: start N cases and leave them all open, so that peak memory reflects N open cases.
#            Not timed.
#   Phase 2: complete every user task of every case, interleaving many cases (round-robin over
#            the open cases, or K concurrent actors taking cases from a shared queue). After
#            EVERY completion the engine's state for that case is persisted to SQLite with
#            PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; and committed before the next
#            completion counts (xiaoneng-postgres-64: committed to PostgreSQL instead).
#   completions_per_s = task completions in phase 2 / phase 2 wall time.
#   peak_rss_mb       = peak resident set of the engine's process, in MiB: measured outside the
#                       process with /usr/bin/time -f %M when it exists (that figure replaces the
#                       one the engine prints), otherwise VmHWM read by the process itself.
#   Every engine prints one final line:
#     engine=<name> completions_per_s=<x> peak_rss_mb=<y>
#
# Engines, summarised at the end in this order:
#   xiaoneng-sqlite-1     the flow_bench example of xn-service, SQLite, 1 actor
#   xiaoneng-sqlite-64    the same, 64 concurrent actors
#   xiaoneng-postgres-64  the same on PostgreSQL (database xn_bench on 127.0.0.1:5432, created
#                         afresh and dropped at the end; skipped when PostgreSQL is unreachable)
#   xiaoneng-documents-1  not this process but the one users take for a 发文: the documents_bench
#                         example of xn-service, SQLite, 1 actor. The shipped outgoing_document
#                         process in the demo city, N documents drafted and submitted (phase 1),
#                         then 核稿, 签发, 复核 and 登记 (the 文号) of each: four tasks per document,
#                         no 会签, through the documents service and Services::act
#   xiaoneng-documents-64 the same, 64 concurrent actors
#   spiffworkflow         SpiffWorkflow (PyPI, latest 3.x), single-threaded, all N workflows in
#                         memory, BpmnWorkflowSerializer JSON upserted after each completion
#   bpmn-engine           bpmn-engine (npm, latest), all N engines running in memory,
#                         engine.getState() JSON upserted with better-sqlite3 after each completion
#   sqlite-raw-commit     the machine's limit: one single-row INSERT per committed transaction
#
# Peers are installed by this script into bench/.peers/ (ignored by git): a Python venv with
# SpiffWorkflow and a node_modules with bpmn-engine and better-sqlite3 (built from source).
# Run data goes to a mktemp -d folder that is removed at the end.
#
# Environment:
#   BENCH_SKIP_XIAONENG=1   do not build or run the xiaoneng engines (no cargo at all)
#   BENCH_RAW_COMMITS       commits of sqlite-raw-commit (default 5000)
#   BENCH_NODE_HEAP_MB      V8 old-space limit for bpmn-engine (default 14336, i.e. 14 GiB). The
#                           peer keeps every engine in memory, about 1.1-1.3 MiB each: at 10000
#                           cases it peaks near 13 GB, close to the cap, and its phase 2 is then
#                           dominated by garbage collection. The cap keeps it inside a 24 GiB
#                           machine; past it the peer fails, and the summary says so.
#   CARGO_TARGET_DIR        honoured when looking for the built example

set -euo pipefail

N="${1:-10000}"
if ! [[ "$N" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: $0 [N]   (N: number of cases, a positive integer)" >&2
    exit 2
fi

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
PEERS_SRC="$BENCH_DIR/peers"
PEERS_DIR="$BENCH_DIR/.peers"
BPMN="$PEERS_SRC/document_approval.bpmn"
RAW_COMMITS="${BENCH_RAW_COMMITS:-5000}"
NODE_HEAP_MB="${BENCH_NODE_HEAP_MB:-14336}"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
PG_URL_BASE="postgres://postgres@127.0.0.1:5432"
PG_DB="xn_bench"

ORDER=(xiaoneng-sqlite-1 xiaoneng-sqlite-64 xiaoneng-postgres-64 xiaoneng-documents-1 xiaoneng-documents-64
    spiffworkflow bpmn-engine sqlite-raw-commit)
declare -A RESULT=()
PG_CREATED=0

RUN_DIR="$(mktemp -d -t xn-flow-bench.XXXXXX)"
cleanup() {
    if [[ "$PG_CREATED" == 1 ]]; then
        psql -h 127.0.0.1 -U postgres -d postgres -qAtc "DROP DATABASE IF EXISTS $PG_DB" >/dev/null 2>&1 || true
    fi
    rm -rf "$RUN_DIR"
}
trap cleanup EXIT

log() { printf '\n== %s\n' "$*" >&2; }

# /usr/bin/time measures peak RSS from outside the process when it is present and GNU.
HAVE_TIME=0
if [[ -x /usr/bin/time ]] && /usr/bin/time -f '%M' -o /dev/null true 2>/dev/null; then
    HAVE_TIME=1
fi

# run_engine NAME CMD...: run one engine, keep its final engine= line in RESULT[NAME].
# A failure of the engine is recorded as a message, never aborts the run. The engine's stderr
# (progress, diagnostics) goes straight to the terminal.
run_engine() {
    local name="$1"
    shift
    local out="$RUN_DIR/$name.out" rss="$RUN_DIR/$name.rss" rc=0
    log "$name: $*"
    # Write back what earlier steps left dirty (the cargo build, the previous engine's files), so
    # that it does not slow this engine's fsyncs.
    sync
    if [[ "$HAVE_TIME" == 1 ]]; then
        /usr/bin/time -f '%M' -o "$rss" "$@" >"$out" || rc=$?
    else
        "$@" >"$out" || rc=$?
    fi
    cat "$out"
    local line
    line="$(grep -E '^engine=' "$out" | tail -n 1 || true)"
    if [[ "$rc" != 0 || -z "$line" ]]; then
        RESULT[$name]="engine=$name failed (exit status $rc; see its output above)"
        return 0
    fi
    if [[ "$HAVE_TIME" == 1 && -s "$rss" ]]; then
        local kib
        kib="$(tail -n 1 "$rss")"
        if [[ "$kib" =~ ^[0-9]+$ ]]; then
            line="$(sed -E "s/peak_rss_mb=[0-9]+/peak_rss_mb=$(((kib + 512) / 1024))/" <<<"$line")"
        fi
    fi
    RESULT[$name]="$line"
}

skip_engine() {
    RESULT[$1]="engine=$1 skipped ($2)"
    log "${RESULT[$1]}"
}

# ---------------------------------------------------------------------------------------------
# xiaoneng: the flow_bench and documents_bench examples of xn-service.

run_xiaoneng() {
    local names=(xiaoneng-sqlite-1 xiaoneng-sqlite-64 xiaoneng-documents-1 xiaoneng-documents-64
        xiaoneng-postgres-64) name
    if [[ "${BENCH_SKIP_XIAONENG:-0}" == 1 ]]; then
        for name in "${names[@]}"; do skip_engine "$name" "BENCH_SKIP_XIAONENG=1"; done
        return 0
    fi
    log "building the flow_bench and documents_bench examples (cargo build --release -p xn-service --example flow_bench --example documents_bench)"
    local bin="$TARGET_DIR/release/examples/flow_bench"
    local docs_bin="$TARGET_DIR/release/examples/documents_bench"
    if ! (cd "$ROOT" && cargo build --release -p xn-service --example flow_bench --example documents_bench) \
        || [[ ! -x "$bin" || ! -x "$docs_bin" ]]; then
        for name in "${names[@]}"; do skip_engine "$name" "flow_bench or documents_bench example not built"; done
        return 0
    fi

    mkdir -p "$RUN_DIR/xn-sqlite-1" "$RUN_DIR/xn-sqlite-64" "$RUN_DIR/xn-documents-1" "$RUN_DIR/xn-documents-64"
    run_engine xiaoneng-sqlite-1 "$bin" --engine sqlite --actors 1 --cases "$N" --data-dir "$RUN_DIR/xn-sqlite-1"
    run_engine xiaoneng-sqlite-64 "$bin" --engine sqlite --actors 64 --cases "$N" --data-dir "$RUN_DIR/xn-sqlite-64"
    run_engine xiaoneng-documents-1 "$docs_bin" --engine sqlite --actors 1 --documents "$N" \
        --data-dir "$RUN_DIR/xn-documents-1"
    run_engine xiaoneng-documents-64 "$docs_bin" --engine sqlite --actors 64 --documents "$N" \
        --data-dir "$RUN_DIR/xn-documents-64"

    if ! command -v psql >/dev/null 2>&1; then
        skip_engine xiaoneng-postgres-64 "psql not found"
        return 0
    fi
    if ! psql -h 127.0.0.1 -U postgres -d postgres -qAtc 'SELECT 1' >/dev/null 2>&1; then
        skip_engine xiaoneng-postgres-64 "PostgreSQL not reachable at 127.0.0.1:5432 as user postgres"
        return 0
    fi
    if ! PGOPTIONS="-c client_min_messages=warning" \
        psql -h 127.0.0.1 -U postgres -d postgres -qAtc "DROP DATABASE IF EXISTS $PG_DB" >/dev/null \
        || ! createdb -h 127.0.0.1 -U postgres "$PG_DB"; then
        skip_engine xiaoneng-postgres-64 "could not create database $PG_DB"
        return 0
    fi
    PG_CREATED=1
    run_engine xiaoneng-postgres-64 "$bin" --engine postgres --actors 64 --cases "$N" \
        --database-url "$PG_URL_BASE/$PG_DB"
}

# ---------------------------------------------------------------------------------------------
# spiffworkflow: Python venv in bench/.peers/venv.

run_spiffworkflow() {
    local venv="$PEERS_DIR/venv"
    if ! command -v python3 >/dev/null 2>&1; then
        skip_engine spiffworkflow "python3 not found"
        return 0
    fi
    if ! "$venv/bin/python" -c 'import SpiffWorkflow' >/dev/null 2>&1; then
        log "installing SpiffWorkflow into $venv"
        if ! { python3 -m venv "$venv" && "$venv/bin/pip" install --quiet 'SpiffWorkflow>=3,<4'; }; then
            skip_engine spiffworkflow "could not install SpiffWorkflow into $venv"
            return 0
        fi
    fi
    run_engine spiffworkflow "$venv/bin/python" "$PEERS_SRC/spiff_bench.py" \
        --cases "$N" --bpmn "$BPMN" --db "$RUN_DIR/spiffworkflow.db"
}

# ---------------------------------------------------------------------------------------------
# bpmn-engine: node_modules in bench/.peers/node (package.json from bench/peers). better-sqlite3
# stays on 12.x, which builds from source on node 20 and later (13.x needs node 22); npm runs its
# build script because package.json lists it under allowScripts.

run_bpmn_engine() {
    local prefix="$PEERS_DIR/node"
    # Loads both packages and runs one query, so that a native module built for another node
    # version fails here rather than in the run.
    local NODE_CHECK="require('bpmn-engine'); new (require('better-sqlite3'))(':memory:').prepare('SELECT 1').get()"
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        skip_engine bpmn-engine "node or npm not found"
        return 0
    fi
    if ! cmp -s "$PEERS_SRC/package.json" "$prefix/package.json" \
        || ! NODE_PATH="$prefix/node_modules" node -e "$NODE_CHECK" >/dev/null 2>&1; then
        log "installing bpmn-engine and better-sqlite3 into $prefix (better-sqlite3 compiles SQLite: a few minutes)"
        mkdir -p "$prefix"
        cp "$PEERS_SRC/package.json" "$prefix/package.json"
        if ! npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error \
            || ! NODE_PATH="$prefix/node_modules" node -e "$NODE_CHECK"; then
            skip_engine bpmn-engine "could not install bpmn-engine and better-sqlite3 into $prefix"
            return 0
        fi
    fi
    run_engine bpmn-engine env NODE_PATH="$prefix/node_modules" \
        node --max-old-space-size="$NODE_HEAP_MB" "$PEERS_SRC/bpmn_engine_bench.cjs" \
        --cases "$N" --bpmn "$BPMN" --db "$RUN_DIR/bpmn-engine.db"
}

# ---------------------------------------------------------------------------------------------
# sqlite-raw-commit: the machine's limit.

run_sqlite_raw_commit() {
    if ! command -v python3 >/dev/null 2>&1; then
        skip_engine sqlite-raw-commit "python3 not found"
        return 0
    fi
    run_engine sqlite-raw-commit python3 "$PEERS_SRC/sqlite_raw_commit.py" \
        --commits "$RAW_COMMITS" --db "$RUN_DIR/sqlite-raw-commit.db"
}

# ---------------------------------------------------------------------------------------------

log "flow benchmark: N=$N cases, $(nproc) cores, run data in $RUN_DIR"
[[ "$HAVE_TIME" == 1 ]] || log "no GNU /usr/bin/time: peak_rss_mb is each process's own VmHWM"

run_xiaoneng
run_spiffworkflow
run_bpmn_engine
run_sqlite_raw_commit

echo
echo "== summary: N=$N cases, 6 tasks each (xiaoneng-documents: N documents, 4 tasks each), durable completions per second"
for name in "${ORDER[@]}"; do
    echo "${RESULT[$name]:-engine=$name not run}"
done
