"""Measure `crm` against floors taken in the same run, and print one table.

    python bench/run.py [--scale 1.0] [--runs 10]

Every figure is a ratio of medians of wall times (subprocess start to exit). Candidate and floor
run in the same loop iteration (alternating which goes first) so machine noise hits both alike;
each command runs once as a warm-up first. Always exits 0: this is a report, not a gate.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable

from generate import DATA_DIR, ensure_dataset

Command = list[str]

BENCH_DIR = Path(__file__).resolve().parent
PYTHON = sys.executable
CRM = str(Path(sys.executable).with_name("crm"))
FLOOR_APP = str(BENCH_DIR / "floor_app.py")

# The same columns, joins and order as crmcli.core.contacts.rows() compiles to on SQLite.
LIST_SQL = """
SELECT c.id AS id, c.uid AS uid, c.name AS name, c.title AS title, o.name AS org,
  (SELECT group_concat(v, '; ') FROM
     (SELECT address AS v FROM contact_email WHERE contact_id = c.id ORDER BY position)) AS emails,
  (SELECT group_concat(v, '; ') FROM
     (SELECT number AS v FROM contact_phone WHERE contact_id = c.id ORDER BY position)) AS phones,
  (SELECT group_concat(v, '; ') FROM
     (SELECT t.name AS v FROM tag t JOIN contact_tag ct ON ct.tag_id = t.id
      WHERE ct.contact_id = c.id ORDER BY t.name)) AS tags,
  (SELECT json_group_object(f."key", f.value) FROM contact_field f
   WHERE f.contact_id = c.id HAVING count(*) > 0) AS fields,
  strftime('%Y-%m-%dT%H:%M:%SZ', c.created_at) AS created,
  strftime('%Y-%m-%dT%H:%M:%SZ', c.updated_at) AS updated
FROM contact c LEFT OUTER JOIN organization o ON o.id = c.org_id
ORDER BY c.name_key, c.id
"""


@dataclass(frozen=True)
class Figure:
    """One row of the table: ratio = (candidate - base) / floor, base optional."""

    name: str
    candidate: Callable[[int], Command]  # call number -> command (lets a command vary per run)
    floor: Command
    target: float
    base: Command | None = None

    def ratio(self, candidate: float, floor: float, base: float | None) -> float:
        return (candidate - (base or 0.0)) / floor


@dataclass(frozen=True)
class Result:
    figure: Figure
    candidate: float  # medians, in seconds
    floor: float
    base: float | None

    @property
    def ratio(self) -> float:
        return self.figure.ratio(self.candidate, self.floor, self.base)

    @property
    def ok(self) -> bool:
        return self.ratio <= self.figure.target


def time_command(command: Command) -> float:
    """Wall seconds for one run of `command`, output discarded; a failing command is an error."""
    started = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"benchmark command failed ({done.returncode}): {' '.join(command)}\n"
                         f"{done.stderr.decode(errors='replace')}")
    return elapsed


def measure(figure: Figure, runs: int) -> Result:
    """Warm up once, then `runs` interleaved iterations; medians of each command."""
    others: list[Command] = [figure.floor] + ([figure.base] if figure.base else [])
    calls = 0

    def candidate() -> float:
        nonlocal calls
        calls += 1
        return time_command(figure.candidate(calls))

    timers: list[Callable[[], float]] = [candidate] + [partial(time_command, c) for c in others]
    for timer in timers:
        timer()
    samples: list[list[float]] = [[] for _ in timers]
    for i in range(runs):
        order = list(range(len(timers)))
        if i % 2:
            order.reverse()  # neither side always runs first
        for k in order:
            samples[k].append(timers[k]())
    medians = [statistics.median(s) for s in samples]
    return Result(figure, medians[0], medians[1], medians[2] if figure.base else None)


def add_command(db: Path) -> Callable[[int], Command]:
    """`crm contacts add` with a name and email unique per call (pid too, so reruns never collide)."""
    def command(call: int) -> Command:
        n = os.getpid() * 10_000 + call
        return [CRM, "--db", str(db), "contacts", "add", f"Bench Person {n}", "--email", f"bench{n}@bench.example",
                "--phone", f"+44 20 7946 0{call % 1000:03d}", "--org", "Acme Software Inc", "--tag", "vip"]
    return command


def fixed(command: Command) -> Callable[[int], Command]:
    return lambda _call: command


def python_c(code: str) -> Command:
    return [PYTHON, "-c", code]


def figures(dataset: Path, work: Path) -> list[Figure]:
    import_floor = python_c("import sqlmodel, typer")
    list_csv = [CRM, "--db", str(dataset), "contacts", "list", "--format", "csv"]
    return [
        Figure("crm --version", fixed([CRM, "--version"]), python_c("import typer"), 1.2),
        Figure("crm --help", fixed([CRM, "--help"]), [PYTHON, FLOOR_APP, "--help"], 1.2),
        Figure("crm contacts --help", fixed([CRM, "contacts", "--help"]),
               [PYTHON, FLOOR_APP, "contacts", "--help"], 1.2),
        Figure("crm contacts add (100k)", add_command(work), import_floor, 1.3),
        Figure("crm contacts list --format csv (100k)", fixed(list_csv), sqlite_csv(dataset), 3.0,
               base=import_floor),
    ]


def sqlite_csv(dataset: Path) -> Command:
    return ["sqlite3", "-batch", "-csv", "-header", str(dataset), LIST_SQL]


def copy_dataset(dataset: Path, work: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        work.with_name(work.name + suffix).unlink(missing_ok=True)
    shutil.copyfile(dataset, work)


def check_list_output(dataset: Path) -> str:
    """Not timed: do crm's CSV and the sqlite3 query agree (line count, then parsed cells)?"""
    def output(command: Command) -> str:
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True)
        return done.stdout.decode("utf-8")

    ours = output([CRM, "--db", str(dataset), "contacts", "list", "--format", "csv"])
    theirs = output(sqlite_csv(dataset))
    a, b = ours.count("\n"), theirs.count("\n")
    return (f"line-count check: crm {a:,} lines, sqlite3 {b:,} lines: {'same' if a == b else 'DIFFERENT'}; "
            f"{_compare_cells(ours, theirs)}")


def _compare_cells(ours: str, theirs: str) -> str:
    """The two CSVs quote differently (sqlite3 quotes any text with a space); compare parsed cells."""
    mine, other = list(csv.reader(io.StringIO(ours))), list(csv.reader(io.StringIO(theirs)))
    for number, (x, y) in enumerate(zip(mine, other), start=1):
        if x != y:
            return f"cells DIFFER, first at row {number}: crm {x} / sqlite3 {y}"
    return "cells identical" if len(mine) == len(other) else "cells identical up to the shorter output"


def machine_facts() -> str:
    cli = subprocess.run(["sqlite3", "--version"], capture_output=True, text=True).stdout.split()[:1]
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (f"python {platform.python_version()} ({PYTHON}), sqlite {sqlite3.sqlite_version} "
            f"(sqlite3 CLI {cli[0] if cli else '?'}), nproc {cpus}, {platform.platform()}")


def table(results: list[Result]) -> str:
    header = ("benchmark", "median (ms)", "floor (ms)", "ratio", "target", "verdict")
    body = [(r.figure.name, f"{r.candidate * 1000:.1f}", f"{r.floor * 1000:.1f}", f"{r.ratio:.2f}",
             f"<= {r.figure.target:g}", "ok" if r.ok else "OVER") for r in results]
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
             for row in [header, *body]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def footnotes(results: list[Result]) -> list[str]:
    notes = ["floors: --version vs `python -c \"import typer\"`; help vs bench/floor_app.py; "
             "add vs `python -c \"import sqlmodel, typer\"`"]
    for r in results:
        if r.base is not None:
            notes.append(f"{r.figure.name}: floor = sqlite3 CLI running the same query; ratio = "
                         f"(median - {r.base * 1000:.1f} ms for `import sqlmodel, typer`) / floor")
    return notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="dataset scale (1.0 = 100,000 contacts)")
    parser.add_argument("--runs", type=int, default=10, help="timed runs per command (default 10)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if not Path(CRM).exists() or shutil.which("sqlite3") is None:
        parser.error(f"needs the crm script next to {PYTHON} and the sqlite3 command-line shell")

    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress on stderr stays in order
    print(machine_facts())
    dataset = ensure_dataset(args.scale)
    work = DATA_DIR / "work.db"
    copy_dataset(dataset, work)
    print(f"dataset {dataset} (contacts add runs on a copy: {work}); {args.runs} runs per command")
    print(check_list_output(dataset))

    results = []
    for figure in figures(dataset, work):
        results.append(measure(figure, args.runs))
        print(f"  measured {figure.name}", file=sys.stderr, flush=True)
    print()
    print(table(results))
    print()
    print("\n".join(footnotes(results)))
    print(f"{sum(r.ok for r in results)} of {len(results)} within target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
