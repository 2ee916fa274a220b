#!/usr/bin/env python3
"""The machine's limit for bench/flow.sh: raw single-row SQLite commits per second.

One INSERT per transaction, WAL, synchronous=FULL, in the same kind of table the peers write
(case_id primary key, state text), with a small fixed payload. No workflow engine at all: any
engine that persists every task completion in its own transaction is bounded by this figure.

Prints one line: engine=sqlite-raw-commit completions_per_s=<commits/s> peak_rss_mb=<y>
"""

import argparse
import sqlite3
import sys
import time


def peak_rss_mb():
    """Peak resident set of this process (VmHWM), in MiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024)
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--commits", type=int, default=5000)
    ap.add_argument("--db", required=True)
    args = ap.parse_args()

    db = sqlite3.connect(args.db, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    mode = db.execute("PRAGMA journal_mode").fetchone()[0]
    sync = db.execute("PRAGMA synchronous").fetchone()[0]
    if mode != "wal" or sync != 2:
        sys.exit(f"sqlite settings not applied: journal_mode={mode} synchronous={sync}")
    db.execute("CREATE TABLE cases (case_id INTEGER PRIMARY KEY, state TEXT NOT NULL)")

    payload = '{"state":"' + "x" * 200 + '"}'
    t0 = time.perf_counter()
    for i in range(args.commits):
        db.execute("BEGIN")
        db.execute("INSERT INTO cases (case_id, state) VALUES (?, ?)", (i, payload))
        db.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    db.close()

    print(f"[sqlite-raw-commit] {args.commits} commits in {elapsed:.2f}s, sqlite {sqlite3.sqlite_version}",
          file=sys.stderr)
    rate = args.commits / elapsed if elapsed > 0 else 0.0
    print(f"engine=sqlite-raw-commit completions_per_s={rate:.1f} peak_rss_mb={peak_rss_mb()}", flush=True)


if __name__ == "__main__":
    main()
