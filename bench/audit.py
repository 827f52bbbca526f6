"""What the audit history costs (the team-mode issue's targets), medians of interleaved runs:

- `crm log` and `crm contacts add` on the 100k-contact, 1M-interaction dataset, against the same
  command on a copy whose audit triggers are dropped (the trigger work alone; the two statements a
  write transaction spends naming its command stay on both sides): ≤ 1.10.
- `crm import contacts` of 100,000 rows into an empty database, against the same import by crmcli
  as it was before the audit history (`--baseline-rev`, checked out with `git worktree` into
  bench/data/): ≤ 1.15.
- `crm history --since` over a year of audit rows for 100,000 contacts (one recorded change per
  contact, spread over the year, written straight into a copy), against `import sqlmodel, typer`: ≤ 1.5.

    python bench/audit.py [--runs 10] [--import-runs 3] [--only TEXT]
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import DATA_DIR as DATA  # noqa: E402
from run import CRM, PYTHON, Figure, Result, add_command, command, measure, python_c, time_command  # noqa: E402

BASELINE_REV = "31d6cfe^"  # the commit before the audit history landed
ROOT = Path(__file__).resolve().parent.parent


def prepared(dataset: Path, work: Path) -> tuple[Path, Path]:
    """Two migrated copies of the dataset: with the audit triggers, and without them."""
    with_audit, without = work / "audited.db", work / "unaudited.db"
    if not with_audit.exists():
        shutil.copy(dataset, with_audit)
        subprocess.run([CRM, "--db", str(with_audit), "db", "migrate"], check=True, stdout=subprocess.DEVNULL)
    shutil.copy(with_audit, without)
    con = sqlite3.connect(without)
    triggers = con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'audit_%'").fetchall()
    for (name,) in triggers:
        con.execute(f"DROP TRIGGER {name}")
    con.commit()
    con.close()
    return with_audit, without


def baseline_source(work: Path, rev: str) -> Path:
    """crmcli as it was at `rev`, checked out beside the data (once)."""
    place = work / f"baseline-{rev.replace('^', '-parent')}"
    if not place.exists():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(place), rev], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return place


def import_into_fresh(source: Path | None, csv: Path, work: Path, label: str) -> Callable[[], float]:
    """One timed import of `csv` into a new, empty database, by this crmcli or the one at `source`."""
    import os

    def run() -> float:
        target = work / f"import-{label}.db"
        for leftover in work.glob(f"import-{label}.db*"):
            leftover.unlink()
        env = dict(os.environ, PYTHONPATH=str(source)) if source else None
        cmd = [PYTHON, "-m", "crmcli", "--db", str(target), "import", "contacts", str(csv)]
        return time_command(cmd) if env is None else _timed_with_env(cmd, env)
    return run


def _timed_with_env(cmd: list[str], env: dict[str, str]) -> float:
    import time

    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise SystemExit(f"baseline import failed: {done.stderr.decode(errors='replace')}")
    return time.perf_counter() - started


def a_year_of_history(audited: Path, work: Path) -> Path:
    """A copy of the dataset with one recorded change per contact spread over the past year."""
    place = work / "history.db"
    if place.exists():
        return place
    shutil.copy(audited, place)
    con = sqlite3.connect(place)
    con.execute("INSERT INTO audit_command (id, at, actor, command) SELECT id, "
                "strftime('%Y-%m-%d %H:%M:%f000', '2026-11-01', '-' || (id * 315) || ' seconds'), "
                "CASE id % 3 WHEN 0 THEN 'sam' WHEN 1 THEN 'kim' ELSE 'ann' END, "
                "'crm contacts edit ' || id || ' --title Lead' FROM contact")
    con.execute("INSERT INTO audit_change (command_id, table_name, row_key, action, contact_id, before, after) "
                "SELECT id, 'contact', id, 'update', id, json_object('title', NULL, 'name', name), "
                "json_object('title', 'Lead', 'name', name) FROM contact")
    con.commit()
    con.close()
    return place


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--import-runs", type=int, default=3)
    parser.add_argument("--baseline-rev", default=BASELINE_REV)
    parser.add_argument("--only", metavar="TEXT", help="only the figures whose name contains TEXT")
    args = parser.parse_args(argv)
    dataset = DATA / "crm-1.0-v6.db"
    if not dataset.exists():
        subprocess.run([PYTHON, str(Path(__file__).with_name("generate.py"))], check=True)
    work = DATA / "audit"
    work.mkdir(exist_ok=True)
    audited, unaudited = prepared(dataset, work)
    csv = DATA / "import-100000.csv"
    if not csv.exists():
        subprocess.run([CRM, "--db", str(dataset), "export", "contacts", "-o", str(csv)], check=True)
    history = a_year_of_history(audited, work)
    import_floor = command(python_c("import sqlmodel, typer"))

    def log(db: Path) -> Callable[[int], list[str]]:
        return lambda n: [CRM, "--db", str(db), "log", "1", f"Bench call {n} about the quote"]

    baseline = baseline_source(work, args.baseline_rev)
    figures = [
        (Figure("crm log 1 ... (audit triggers / none)", command(log(audited)), 1.10, floor=command(log(unaudited))),
         args.runs),
        (Figure("crm contacts add ... (audit triggers / none)", command(add_command(audited)), 1.10,
                floor=command(add_command(unaudited))), args.runs),
        (Figure("crm import contacts 100,000 rows (now / before the audit)",
                import_into_fresh(None, csv, work, "now"), 1.15,
                floor=import_into_fresh(baseline, csv, work, "before")), args.import_runs),
        (Figure("crm history --since '1 year ago' (a year of changes to 100k contacts)",
                command([CRM, "--db", str(history), "history", "--since", "2025-11-01"]), 1.5, floor=import_floor),
         args.runs),
    ]
    print(f"{'benchmark':<72} {'median':>9} {'floor':>9} {'ratio':>6} {'target':>6}")
    failed = 0
    for figure, runs in figures:
        if args.only and args.only not in figure.name:
            continue
        result: Result = measure(figure, runs)
        failed += not result.ok
        print(f"{figure.name:<72} {result.candidate:>8.3f}s {result.floor or 0:>8.3f}s {result.ratio or 0:>6.2f} "
              f"{figure.target:>6.2f} {'ok' if result.ok else 'OVER'}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
