#!/usr/bin/env bash
# Renderer benchmark: how long GB/T 9704 layout + PDF writing takes for a 10-page document once
# the process has started and found its fonts.
#
# Usage: bench/render.sh [RUNS] [RENDERS]     (default 5 processes, 20 renders each)
#
# It builds the render_doc example of xn-render in release mode, writes a 10-page 文件-format
# document (a heading every few paragraphs, attachments, seal space, 版记) into a temporary
# folder, and starts RUNS processes. Each process reports:
#   startup_ms        finding and loading the fonts (FontSet::discover: scan the font folders,
#                     read the chosen files)
#   render_ms_median  the median of RENDERS renderings of the same document: validation, layout,
#                     font subsetting, PDF writing (the PDF is kept in memory)
#   check_ms          one run of the conformance checker on the result
# and the script prints the median of each figure over the processes. Process start-up itself
# (exec, dynamic linking) is not included in either figure; `wall_ms` is the whole process.
#
# Environment: CARGO_TARGET_DIR is honoured.
set -euo pipefail

RUNS="${1:-5}"
RENDERS="${2:-20}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"

echo "building render_doc (release)…" >&2
(cd "$ROOT" && cargo build -q --release -p xn-render --example render_doc)
BIN="$TARGET/release/examples/render_doc"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
DOC="$WORK/ten_pages.toml"
{
  cat <<'HEAD'
format = "文件"
kind = "通知"
issuer = "东川市人民政府办公室"
number = "东政办发〔2026〕7号"
copy_no = "000123"
urgency = "特急"
title = "东川市人民政府办公室关于印发东川市2026年冬季安全生产工作方案的通知"
main_recipients = ["各县（区）人民政府", "市政府各部门", "各直属机构"]
attachments = ["东川市冬季安全生产重点任务分工表", "冬季安全生产隐患排查情况统计表"]
date = 2026-11-26
seal = true
note = "联系人：张明，电话：0871-12345678"
cc = ["市委各部门", "市人大常委会办公室", "市政协办公室"]
printer = "东川市人民政府办公室"
print_date = 2026-11-27
body = """
HEAD
  n=0
  for h in 一 二 三 四 五 六 七 八 九; do
    echo "${h}、第${h}部分工作要求"
    echo
    for i in 1 2 3 4; do
      n=$((n + 1))
      echo "（${h}）各地各部门要切实加强组织领导，认真落实安全生产责任制，确保第${n}项任务按期完成。要加强对道路交通、燃气、消防、建筑施工等重点行业领域的隐患排查，做到排查不留死角、整改不留后患，坚决遏制重特大事故发生，保障人民群众生命财产安全。"
      echo
    done
  done
  echo '"""'
} >"$DOC"

pages=""
startup=()
render=()
check=()
wall=()
for r in $(seq 1 "$RUNS"); do
  t0=$(date +%s%N)
  line=$("$BIN" "$DOC" "$WORK/out.pdf" "$RENDERS" 2>/dev/null | head -n 1)
  t1=$(date +%s%N)
  echo "run $r: $line wall_ms=$(((t1 - t0) / 1000000))"
  pages=$(sed -E 's/.*pages=([0-9]+).*/\1/' <<<"$line")
  startup+=("$(sed -E 's/.*startup_ms=([0-9.]+).*/\1/' <<<"$line")")
  render+=("$(sed -E 's/.*render_ms_median=([0-9.]+).*/\1/' <<<"$line")")
  check+=("$(sed -E 's/.*check_ms=([0-9.]+).*/\1/' <<<"$line")")
  wall+=("$(((t1 - t0) / 1000000))")
done

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
echo "pages=$pages runs=$RUNS renders_per_run=$RENDERS startup_ms_median=$(median "${startup[@]}") render_ms_median=$(median "${render[@]}") check_ms_median=$(median "${check[@]}") wall_ms_median=$(median "${wall[@]}")"
