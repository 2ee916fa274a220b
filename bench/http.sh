#!/usr/bin/env bash
# HTTP load: what a person waits for, through the real server, on the demo city with its year of
# history, side by side with the floor of the same stack and the flow engine's own rate, in one
# run on one machine.
#
# Usage: bench/http.sh            (BENCH_HTTP_SECS per measurement, default 10)
#
# Load generator: wrk (Debian's package: apt-get install wrk), closed loop, no think time, keep-
# alive connections; a Lua script (bench/http.lua) reports p50/p95/p99, throughput, and every
# answer that was not the expected status (an error page or a redirect to sign in would
# otherwise count as served).
#
# Measurements, each at 1, 50 and 200 concurrent clients (completions at 1, 64 and 200):
#   floor-get          a bare axum handler answering "ok" (the http_floor example of xn-web)
#   floor-commit       the same stack committing one row to SQLite (WAL, synchronous=FULL)
#   healthz            xiaoneng's /healthz: the server's own stack, no database
#   workbench          /, the 工作台 of the signed-in 主任 (zhuren), as a browser asks for it
#   case               /cases/{id}, a 发文's case page with its opinions, as the 主任
#   documents          /documents, the 发文 list, as the 主任
#   search             /documents/search?q=通知, 综合查询, as the 主任
#   api-start          POST /api/v1/cases: 秘书 mishu starts 内部事项 with an API token
#   api-complete       POST /api/v1/tasks/{id}/complete: 科长 kezhang approves those items,
#                      each task once, with an API token (the items api-start made)
#   engine-64          completions per second of the flow engine itself (the flow_bench
#                      example of xn-service, SQLite, 64 actors; bench/flow.sh's
#                      xiaoneng-sqlite-64), for the API's completions beside it
#
# The server is `xiaoneng serve --demo` (release build) on a fresh SQLite data directory; how long
# it took to be ready is printed too. Run data goes to a mktemp -d folder removed at the end.
#
# Environment:
#   BENCH_HTTP_SECS      seconds per measurement (default 10)
#   BENCH_HTTP_ITEMS     内部事项 started for the completions (default 30000): a tenth for the
#                        run with one client, the rest halved between 64 and 200 clients
#   BENCH_HTTP_COMPLETE_SECS  seconds per completion run (default 5; a run whose share of tasks
#                        ran out before the end is marked as a lower bound)
#   CARGO_TARGET_DIR     honoured when looking for the built binaries

set -euo pipefail
shopt -s inherit_errexit

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
SECS=${BENCH_HTTP_SECS:-10}
ITEMS=${BENCH_HTTP_ITEMS:-30000}
COMPLETE_SECS=${BENCH_HTTP_COMPLETE_SECS:-5}
LUA=$ROOT/bench/http.lua
PASSWORD=Xiaoneng@2026

log() { echo "[http] $*" >&2; }

command -v wrk >/dev/null || { log "wrk is not installed (apt-get install wrk)"; exit 1; }
command -v python3 >/dev/null || { log "python3 is needed"; exit 1; }

log "building (cargo build --release -p xn-web --bin xiaoneng --example http_floor; -p xn-service --example flow_bench)"
(cd "$ROOT" && cargo build --release -q -p xn-web --bin xiaoneng --example http_floor &&
  cargo build --release -q -p xn-service --example flow_bench)
XN=$TARGET_DIR/release/xiaoneng
FLOOR=$TARGET_DIR/release/examples/http_floor
FLOW=$TARGET_DIR/release/examples/flow_bench

RUN=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$RUN"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_up() { # URL
  for _ in $(seq 1 1200); do
    curl -sf -o /dev/null "$1" && return 0
    sleep 0.1
  done
  log "not up: $1"
  return 1
}

RESULTS=$RUN/results
: >"$RESULTS"

# measure NAME CLIENTS EXPECTED_STATUS URL [wrk args...]: one wrk run, one result line.
measure() {
  local name=$1 clients=$2 expect=$3 url=$4
  shift 4
  local threads=2
  ((clients == 1)) && threads=1
  local out
  out=$(EXPECT=$expect WRK_THREADS=$threads wrk -t"$threads" -c"$clients" -d"${SECS}s" --timeout 30s -s "$LUA" "$@" "$url" 2>&1) || true
  local line
  line=$(grep '^RESULT ' <<<"$out" || true)
  if [ -z "$line" ]; then
    log "$name c=$clients: wrk gave no result"
    echo "$out" | tail -5 >&2
    line="RESULT rps=0 p50=0 p95=0 p99=0 bad=-1 errors=-1 ran_out=0"
  fi
  echo "$name clients=$clients ${line#RESULT }" | tee -a "$RESULTS" >&2
}

# --- the floor -------------------------------------------------------------------------------
FP=$(free_port)
"$FLOOR" --addr "127.0.0.1:$FP" --db "$RUN/floor.db" >/dev/null 2>&1 &
PIDS+=($!)
wait_up "http://127.0.0.1:$FP/"
for c in 1 50 200; do measure floor-get "$c" 200 "http://127.0.0.1:$FP/"; done
for c in 1 64 200; do METHOD=POST measure floor-commit "$c" 201 "http://127.0.0.1:$FP/commit"; done
kill "${PIDS[0]}"

# --- xiaoneng on the demo city -----------------------------------------------------------------
XP=$(free_port)
BASE=http://127.0.0.1:$XP
started=$(date +%s.%N)
"$XN" serve --demo --data-dir "$RUN/xn" --addr "127.0.0.1:$XP" >"$RUN/serve.log" 2>&1 &
PIDS+=($!)
wait_up "$BASE/healthz"
ready=$(python3 -c "print(f'{$(date +%s.%N) - $started:.1f}')")
log "serve --demo ready in ${ready} s"

# sign_in LOGIN: prints "COOKIE CSRF" of a new session.
sign_in() {
  local jar=$RUN/jar-$1 csrf
  curl -s -c "$jar" -o /dev/null "$BASE/login"
  csrf=$(awk '$6 == "xn_csrf" { print $7 }' "$jar")
  curl -s -b "$jar" -c "$jar" -o /dev/null -d "_csrf=$csrf&login=$1&password=$PASSWORD" "$BASE/login"
  local cookie
  cookie=$(awk '$6 == "xn_session" { print $7 }' "$jar")
  [ -n "$cookie" ] || { log "could not sign in as $1"; return 1; }
  # A person with several posts chooses one (the first, as the page offers it).
  local choose post
  choose=$(curl -s -b "xn_session=$cookie" "$BASE/choose-post")
  post=$(grep -o 'name="post_id" value="[0-9]*"' <<<"$choose" | sed -n 1p | tr -dc 0-9 || true)
  if [ -n "$post" ]; then
    csrf=$(grep -o 'name="_csrf" value="[^"]*"' <<<"$choose" | sed -n 1p | sed 's/.*value="//; s/"$//')
    curl -s -b "xn_session=$cookie" -o /dev/null -d "_csrf=$csrf&post_id=$post" "$BASE/session/post"
  fi
  # The session's own token for requests that change something (the pages' forms carry it).
  csrf=$(curl -s -b "xn_session=$cookie" "$BASE/account" | grep -o 'name="_csrf" value="[^"]*"' | sed -n 1p | sed 's/.*value="//; s/"$//')
  echo "$cookie $csrf"
}

# token_for LOGIN: an API token with the scopes of daily work.
token_for() {
  local s cookie csrf
  s=$(sign_in "$1")
  cookie=${s% *}
  csrf=${s#* }
  curl -s -b "xn_session=$cookie" -H "x-csrf-token: $csrf" -H 'content-type: application/json' \
    -d '{"name":"压测","scopes":["org.read","flow.work"]}' "$BASE/api/v1/tokens" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

signed=$(sign_in zhuren)
read -r ZHUREN _ <<<"$signed"
COOKIE="Cookie: xn_session=$ZHUREN"
# The case page of the first item in the 主任's 待办 (a 发文 at 签发 in the demo).
CASE=$(curl -s -H "$COOKIE" "$BASE/" | grep -o 'href="/cases/[0-9]*"' | sed -n 1p | tr -dc 0-9 || true)
[ -n "$CASE" ] || { log "no case in the 主任's 工作台"; exit 1; }
log "as 主任 (zhuren); the case page is /cases/$CASE"

for c in 1 50 200; do measure healthz "$c" 200 "$BASE/healthz"; done
for c in 1 50 200; do measure workbench "$c" 200 "$BASE/" -H "$COOKIE"; done
for c in 1 50 200; do measure case "$c" 200 "$BASE/cases/$CASE" -H "$COOKIE"; done
for c in 1 50 200; do measure documents "$c" 200 "$BASE/documents" -H "$COOKIE"; done
for c in 1 50 200; do measure search "$c" 200 "$BASE/documents/search?q=%E9%80%9A%E7%9F%A5" -H "$COOKIE"; done

MISHU=$(token_for mishu)
KEZHANG=$(token_for kezhang)
# Items started through the API by 64 clients for the measurement, then more (not measured)
# until ITEMS are made; each a 内部事项 waiting at the 科长.
START_BODY='{"process":"internal_request","title":"压测请示","body":"请审批。"}'
METHOD=POST BODY=$START_BODY measure api-start 64 201 "$BASE/api/v1/cases" \
  -H "Authorization: Bearer $MISHU" -H 'content-type: application/json'
EXPECT=201 WRK_THREADS=2 METHOD=POST BODY=$START_BODY LIMIT=$(((ITEMS + 1) / 2)) \
  wrk -t2 -c64 -d600s --timeout 30s -s "$LUA" -H "Authorization: Bearer $MISHU" \
  -H 'content-type: application/json' "$BASE/api/v1/cases" >"$RUN/fill.out" 2>&1 &
FILL=$!
PIDS+=("$FILL")
# The fill stops itself once its LIMIT is sent; wrk then idles out its duration, so wait for
# the count instead.
while kill -0 "$FILL" 2>/dev/null; do
  # The ITEMS-th of the 科长's 压测 tasks exists once ITEMS are made.
  found=$(curl -s -H "Authorization: Bearer $KEZHANG" \
    "$BASE/api/v1/tasks?queue=todo&q=%E5%8E%8B%E6%B5%8B&limit=1&page=$ITEMS" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d) if isinstance(d, list) else -1)')
  [ "$found" = -1 ] && { log "the 科长's task list answered an error"; exit 1; }
  [ "$found" = 1 ] && break
  sleep 2
done
kill -INT "$FILL" 2>/dev/null || true
wait "$FILL" 2>/dev/null || true
# The fill's answers are checked too (wrk prints its result when interrupted).
fill=$(grep '^RESULT ' "$RUN/fill.out" || true)
echo "api-fill clients=64 ${fill#RESULT }" >&2
case $fill in
  *" bad=0 errors=0"*) ;;
  *) log "the fill had bad answers: $fill" ;;
esac
# The 科长's tasks of those items, in pages.
python3 - "$BASE" "$KEZHANG" "$RUN/tasks" <<'PY'
import json, sys, urllib.request
base, token, out = sys.argv[1:4]
ids, page = [], 1
while True:
    url = f"{base}/api/v1/tasks?queue=todo&sort=oldest&limit=200&page={page}&q=%E5%8E%8B%E6%B5%8B"
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    items = json.load(urllib.request.urlopen(req))
    ids += [t["id"] for t in items if t["kind"] == "task" and t["title"] == "压测请示"]
    if len(items) < 200:
        break
    page += 1
# Disjoint slices for the three runs: a tenth for one client, the rest halved.
n = len(ids)
cut1, cut2 = n // 10, n // 10 + (n - n // 10) // 2
for name, part in (("1", ids[:cut1]), ("64", ids[cut1:cut2]), ("200", ids[cut2:])):
    open(f"{out}-{name}", "w").write("\n".join(map(str, part)) + "\n")
print(f"{n} tasks of the 科长", file=sys.stderr)
PY
for c in 1 64 200; do
  SECS=$COMPLETE_SECS METHOD=POST BODY='{"decision":"同意","opinion":"同意。"}' IDS=$RUN/tasks-$c \
    measure api-complete "$c" 200 "$BASE" -H "Authorization: Bearer $KEZHANG" -H 'content-type: application/json'
done

# --- the engine's own rate ----------------------------------------------------------------------
engine=$("$FLOW" --engine sqlite --actors 64 --cases 2000 --data-dir "$RUN/engine" 2>/dev/null | grep '^engine=' | tail -1 || true)
rate=$(sed -n 's/.*completions_per_s=\([0-9.]*\).*/\1/p' <<<"$engine")
echo "engine-64 clients=64 rps=${rate:-0} p50=- p95=- p99=- bad=0 errors=0 ran_out=0" | tee -a "$RESULTS" >&2

echo
echo "serve --demo ready in ${ready} s"
printf '%-14s %7s %10s %9s %9s %9s %6s\n' measurement clients 'per s' 'p50 ms' 'p95 ms' 'p99 ms' 'bad'
while read -r name clients rest; do
  eval "$(tr ' ' '\n' <<<"$rest" | grep '=' | sed 's/^/local_/')"
  rps=$local_rps
  ((local_ran_out == 1)) && rps="≥$rps"
  printf '%-14s %7s %10s %9s %9s %9s %6s\n' "$name" "${clients#clients=}" "$rps" "$local_p50" \
    "$local_p95" "$local_p99" "$((local_bad + local_errors))"
done <"$RESULTS"
