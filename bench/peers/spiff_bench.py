#!/usr/bin/env python3
"""SpiffWorkflow peer for bench/flow.sh (see the protocol at the top of flow.sh).

Phase 1 starts N workflows from document_approval.bpmn and keeps every one of them in memory,
each left waiting at its first user task. Phase 2 completes the six user tasks of every case
round-robin over the open cases (one task per case per round), single-threaded: after each
completion the whole workflow is serialized with BpmnWorkflowSerializer and upserted into
SQLite (WAL, synchronous=FULL) in its own committed transaction.

Prints one line: engine=spiffworkflow completions_per_s=<x> peak_rss_mb=<y>
Progress and diagnostics go to stderr.
"""

import argparse
import os
import sqlite3
import sys
import time

from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from SpiffWorkflow.version import __version__ as spiff_version

TASKS_PER_CASE = 6
UPSERT = (
    "INSERT INTO cases (case_id, state) VALUES (?, ?) "
    "ON CONFLICT (case_id) DO UPDATE SET state = excluded.state"
)


def log(msg):
    print(f"[spiffworkflow] {msg}", file=sys.stderr, flush=True)


def peak_rss_mb():
    """Peak resident set of this process (VmHWM), in MiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024)
    return 0


def open_db(path):
    # isolation_level=None: no implicit transactions, every BEGIN/COMMIT below is explicit.
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    mode = db.execute("PRAGMA journal_mode").fetchone()[0]
    sync = db.execute("PRAGMA synchronous").fetchone()[0]
    if mode != "wal" or sync != 2:
        sys.exit(f"sqlite settings not applied: journal_mode={mode} synchronous={sync}")
    db.execute("CREATE TABLE IF NOT EXISTS cases (case_id INTEGER PRIMARY KEY, state TEXT NOT NULL)")
    return db


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=10000)
    ap.add_argument("--bpmn", required=True)
    ap.add_argument("--db", required=True)
    args = ap.parse_args()
    n = args.cases

    log(f"SpiffWorkflow {spiff_version}, python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}")

    parser = BpmnParser()
    parser.add_bpmn_file(args.bpmn)
    spec = parser.get_spec("document_approval")  # parsed once, shared by every workflow
    serializer = BpmnWorkflowSerializer()
    db = open_db(args.db)

    # Phase 1: start N cases, all left open in memory. The initial states are written in one
    # transaction: starting is not what is measured, only the rows must exist.
    t0 = time.perf_counter()
    workflows = []
    db.execute("BEGIN")
    for case_id in range(n):
        wf = BpmnWorkflow(spec)
        wf.do_engine_steps()
        workflows.append(wf)
        db.execute(UPSERT, (case_id, serializer.serialize_json(wf)))
    db.execute("COMMIT")
    state_bytes = len(serializer.serialize_json(workflows[0])) if n else 0
    log(f"phase 1: {n} cases started in {time.perf_counter() - t0:.1f}s "
        f"(serialized state {state_bytes} bytes at start)")

    # Phase 2: round-robin over open cases, one durable completion at a time.
    completions = 0
    open_cases = list(range(n))
    t0 = time.perf_counter()
    while open_cases:
        still_open = []
        for case_id in open_cases:
            wf = workflows[case_id]
            task = wf.get_next_task(state=TaskState.READY, manual=True)
            if task is None:
                sys.exit(f"case {case_id}: no ready user task")
            task.run()
            wf.do_engine_steps()
            state = serializer.serialize_json(wf)
            db.execute("BEGIN")
            db.execute(UPSERT, (case_id, state))
            db.execute("COMMIT")
            completions += 1
            if not wf.is_completed():
                still_open.append(case_id)
        open_cases = still_open
        elapsed = time.perf_counter() - t0
        log(f"phase 2: {completions} completions, {elapsed:.1f}s, {len(open_cases)} cases open")
    elapsed = time.perf_counter() - t0

    if completions != TASKS_PER_CASE * n:
        sys.exit(f"expected {TASKS_PER_CASE * n} completions, got {completions}")
    rows = db.execute("SELECT count(*) FROM cases").fetchone()[0]
    if rows != n:
        sys.exit(f"expected {n} rows, found {rows}")
    db.close()

    rate = completions / elapsed if elapsed > 0 else 0.0
    print(f"engine=spiffworkflow completions_per_s={rate:.1f} peak_rss_mb={peak_rss_mb()}", flush=True)


if __name__ == "__main__":
    main()
