#!/usr/bin/env bash
# 办会 benchmark: booking-conflict checks and the office's week page with a year of meetings,
# on SQLite and on PostgreSQL, each beside a naive baseline in the same run.
#
# Usage: bench/meetings.sh [MEETINGS] [RUNS]      (default 10000 200)
#
# For each engine the meetings_bench example of xn-service
# (crates/xn-service/examples/meetings_bench.rs, which says what it builds and measures):
#   1. the demo city; the city office's 秘书 books MEETINGS meetings over the coming year in
#      eight rooms through the booking service;
#   2. RUNS refused bookings of a taken room and of a busy leader (the clash check), beside the
#      naive check reading every meeting of the room and of the leader;
#   3. RUNS readings of the office's week page (Meetings::week), beside reading every meeting
#      of the office and keeping the week's.
# It prints key=value lines (p50/p95/max in milliseconds).
#
# PostgreSQL: database xn_meetings_bench on 127.0.0.1:5432 as user postgres, created afresh and
# dropped at the end (skipped when unreachable). SQLite: a file in a mktemp -d folder, removed
# at the end.
#
# Environment:
#   BENCH_ENGINES           engines to run, space-separated (default "sqlite postgres")
#   CARGO_TARGET_DIR        honoured when looking for the built example

set -euo pipefail

MEETINGS="${1:-10000}"
RUNS="${2:-200}"
for v in "$MEETINGS" "$RUNS"; do
    if ! [[ "$v" =~ ^[1-9][0-9]*$ ]]; then
        echo "usage: $0 [MEETINGS] [RUNS]   (positive integers)" >&2
        exit 2
    fi
done
ENGINES="${BENCH_ENGINES:-sqlite postgres}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
cargo build --release --locked -p xn-service --example meetings_bench
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/examples/meetings_bench"

for engine in $ENGINES; do
    echo "engine=$engine"
    case "$engine" in
        sqlite)
            dir="$(mktemp -d)"
            "$BIN" --engine sqlite --data-dir "$dir" --meetings "$MEETINGS" --runs "$RUNS"
            rm -rf "$dir"
            ;;
        postgres)
            base="postgres://postgres@127.0.0.1:5432"
            if ! psql "$base/postgres" -qc 'select 1' >/dev/null 2>&1; then
                echo "postgres skipped: no server at $base"
                continue
            fi
            psql "$base/postgres" -qc 'drop database if exists xn_meetings_bench' >/dev/null
            psql "$base/postgres" -qc "create database xn_meetings_bench encoding 'UTF8' template template0" >/dev/null
            "$BIN" --engine postgres --database-url "$base/xn_meetings_bench" \
                --meetings "$MEETINGS" --runs "$RUNS"
            psql "$base/postgres" -qc 'drop database xn_meetings_bench' >/dev/null
            ;;
        *)
            echo "unknown engine $engine" >&2
            exit 2
            ;;
    esac
done
