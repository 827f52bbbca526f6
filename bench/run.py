"""Measure `crm` against floors taken in the same run, and print one table.

    python bench/run.py [--scale 1.0] [--runs 10]

Most figures are ratios of medians of wall times (subprocess start to exit) against a floor.
Candidate and floor run in the same loop iteration (alternating which goes first) so machine
noise hits both alike; each runs once as a warm-up first. A few figures have no floor and an
absolute target instead: in-process search calls (the service layer, no interpreter start-up)
and the full-text reindex. Always exits 0: this is a report, not a gate.
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
from itertools import count
from pathlib import Path
from typing import Callable

from sqlalchemy.engine import Connection

from crmcli.core.sample import TAGS
from crmcli.core.search import fts_query, parse_query, search
from crmcli.storage.database import Database
from generate import DATA_DIR, NOW, ensure_dataset

Command = list[str]
Timer = Callable[[], float]  # one timed run: wall seconds

# `crm remind` judges as of the generator's anchor day: follow-ups overdue and due, contacts cold.
REMIND_AS_OF = NOW.date().isoformat()

BENCH_DIR = Path(__file__).resolve().parent
PYTHON = sys.executable
CRM = str(Path(sys.executable).with_name("crm"))
FLOOR_APP = str(BENCH_DIR / "floor_app.py")



def contacts_sql(labelled: bool) -> str:
    """The same columns, joins and order as crmcli.core.contacts.rows(labelled=...) compiles to on
    SQLite: `contacts list` without labels, `export contacts` with them (`label:value`)."""
    def value(column: str) -> str:
        return f"CASE WHEN coalesce(label, '') != '' THEN label || ':' || {column} ELSE {column} END" \
            if labelled else column

    return f"""
SELECT c.id AS id, c.uid AS uid, c.name AS name, c.title AS title, o.name AS org,
  (SELECT group_concat(v, '; ') FROM
     (SELECT {value("address")} AS v FROM contact_email WHERE contact_id = c.id ORDER BY position)) AS emails,
  (SELECT group_concat(v, '; ') FROM
     (SELECT {value("number")} AS v FROM contact_phone WHERE contact_id = c.id ORDER BY position)) AS phones,
  (SELECT group_concat(v, '; ') FROM
     (SELECT t.name AS v FROM tag t JOIN contact_tag ct ON ct.tag_id = t.id
      WHERE ct.contact_id = c.id ORDER BY t.name)) AS tags,
  (SELECT json_group_object(f."key", f.value) FROM contact_field f
   WHERE f.contact_id = c.id HAVING count(*) > 0) AS fields,
  c.cadence_days AS cadence_days,
  strftime('%Y-%m-%dT%H:%M:%SZ', c.last_contact_at) AS last_contact,
  strftime('%Y-%m-%dT%H:%M:%SZ', c.created_at) AS created,
  strftime('%Y-%m-%dT%H:%M:%SZ', c.updated_at) AS updated,
  c.owner AS owner,
  strftime('%Y-%m-%dT%H:%M:%SZ', c.do_not_contact_at) AS do_not_contact_at,
  c.do_not_contact_reason AS do_not_contact_reason
FROM contact c LEFT OUTER JOIN organization o ON o.id = c.org_id
ORDER BY c.name_key, c.id
"""


LIST_SQL, EXPORT_SQL = contacts_sql(labelled=False), contacts_sql(labelled=True)
LIST_COMMAND, EXPORT_COMMAND = ["contacts", "list", "--format", "csv"], ["export", "contacts", "--format", "csv"]


@dataclass(frozen=True)
class Figure:
    """One row of the table. With a floor: ratio = (candidate - base) / floor, against `target`.
    Without one: the candidate's median in seconds, against `target` in seconds (absolute)."""

    name: str
    candidate: Timer
    target: float
    floor: Timer | None = None
    base: Timer | None = None
    max_runs: int | None = None  # slow figures (reindex) run fewer times than --runs ...
    warm_up: bool = True         # ... and may skip the warm-up

    @property
    def absolute(self) -> bool:
        return self.floor is None


@dataclass(frozen=True)
class Result:
    figure: Figure
    candidate: float  # medians, in seconds
    floor: float | None
    base: float | None
    runs: int

    @property
    def ratio(self) -> float | None:
        if self.floor is None:
            return None
        return (self.candidate - (self.base or 0.0)) / self.floor

    @property
    def ok(self) -> bool:
        return self.candidate <= self.figure.target if self.ratio is None else self.ratio <= self.figure.target


def time_command(command: Command) -> float:
    """Wall seconds for one run of `command`, output discarded; a failing command is an error."""
    started = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"benchmark command failed ({done.returncode}): {' '.join(command)}\n"
                         f"{done.stderr.decode(errors='replace')}")
    return elapsed


def time_call(function: Callable[[], object]) -> float:
    """Wall seconds for one in-process call of `function` (its result is built, then dropped)."""
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def command(make: Command | Callable[[int], Command]) -> Timer:
    """A timer running a fixed command, or `make(n)` on its n-th run (a command that must vary)."""
    calls = count(1)
    build = make if callable(make) else (lambda _n: make)
    return lambda: time_command(build(next(calls)))


def call(function: Callable[[], object]) -> Timer:
    return partial(time_call, function)


def measure(figure: Figure, runs: int) -> Result:
    """Warm up once, then `runs` interleaved iterations; medians of each timer."""
    runs = min(runs, figure.max_runs or runs)
    timers = [t for t in (figure.candidate, figure.floor, figure.base) if t is not None]
    if figure.warm_up:
        for timer in timers:
            timer()
    samples: list[list[float]] = [[] for _ in timers]
    for i in range(runs):
        order = list(range(len(timers)))
        if i % 2:
            order.reverse()  # neither side always runs first
        for k in order:
            samples[k].append(timers[k]())
    medians = iter(statistics.median(s) for s in samples)
    return Result(figure, next(medians), next(medians) if figure.floor else None,
                  next(medians) if figure.base else None, runs)


def add_command(db: Path) -> Callable[[int], Command]:
    """`crm contacts add` with a name and email unique per call (pid too, so reruns never collide)."""
    def make(number: int) -> Command:
        n = os.getpid() * 10_000 + number
        return [CRM, "--db", str(db), "contacts", "add", f"Bench Person {n}", "--email", f"bench{n}@bench.example",
                "--phone", f"+44 20 7946 0{number % 1000:03d}", "--org", "Acme Software Inc", "--tag", "vip"]
    return make


def python_c(code: str) -> Command:
    return [PYTHON, "-c", code]


def searching(conn: Connection, text: str, only: str | None = None) -> Callable[[], object]:
    """The service call `crm search [--type ONLY]` makes, its rows consumed."""
    return lambda: list(search(conn, text, limit=SEARCH_LIMIT, only=only).rows)


# The search benchmark's words: rare (~0.05 % of interactions), common (~5 %), and two words that
# co-occur in thousands of rows (each word frequent on its own).
SEARCHES = (("rare", "zeppelin", 0.020), ("common", "invoice", 0.100), ("two-word", "invoice deadline", 0.100))
SEARCH_LIMIT = 20
REINDEX_RUNS = 3


def figures(dataset: Path, work: Path, conn: Connection) -> list[Figure]:
    """Every row of the table. `conn`: an open connection to `dataset` for the in-process figures."""
    import_floor = command(python_c("import sqlmodel, typer"))
    crm, crm_work = [CRM, "--db", str(dataset)], [CRM, "--db", str(work)]
    return [
        Figure("crm --version", command([CRM, "--version"]), 1.2, floor=command(python_c("import typer"))),
        Figure("crm --help", command([CRM, "--help"]), 1.2, floor=command([PYTHON, FLOOR_APP, "--help"])),
        Figure("crm contacts --help", command([CRM, "contacts", "--help"]), 1.2,
               floor=command([PYTHON, FLOOR_APP, "contacts", "--help"])),
        Figure("crm contacts add (100k)", command(add_command(work)), 1.3, floor=import_floor),
        Figure("crm contacts list --format csv (100k)", command([*crm, *LIST_COMMAND]), 3.0,
               floor=command(sqlite_csv(dataset, LIST_SQL)), base=import_floor),
        Figure("crm export contacts --format csv (100k, labelled)", command([*crm, *EXPORT_COMMAND]), 3.0,
               floor=command(sqlite_csv(dataset, EXPORT_SQL)), base=import_floor),
        Figure("crm log 1 TEXT (1M interactions)",
               command(lambda n: [*crm_work, "log", "1", f"Bench call {n} about the quote"]), 1.3, floor=import_floor),
        Figure("crm timeline 1 (newest 20 of 2,000+)", command([*crm, "timeline", "1"]), 1.3, floor=import_floor),
        Figure("crm timeline 1 --all --format csv", command([*crm, "timeline", "1", "--all", "--format", "csv"]), 1.5,
               floor=import_floor),
        Figure(f"crm remind --as-of {REMIND_AS_OF}", command(remind_command(dataset)), 1.3, floor=import_floor),
        Figure("crm contacts list --cold --format csv", command(cold_command(dataset)), 1.5, floor=import_floor),
        Figure("crm pipeline (20k deals, 200k stage changes)", command([*crm, "pipeline", "--as-of", REMIND_AS_OF]),
               1.5, floor=import_floor),
        Figure("crm forecast (6 months)", command([*crm, "forecast", "--as-of", REMIND_AS_OF]), 1.5,
               floor=import_floor),
        # Issue 15: every figure of 100,000 contacts aggregated in SQL (1M interactions, 20k deals), the
        # page's 10 + 10 rows printed. Absolute (the target).
        Figure("crm report customers (100k contacts)", command([*crm, "report", "customers"]), 3.0),
        # Issue 15: a saved segment's listing against the plain listing of the same database (add_segments).
        *[Figure(f"crm contacts list --segment {label}", command([*crm_work, "contacts", "list", "--segment", name,
                                                                  "--format", "csv"]), 1.5,
                 floor=command([*crm_work, *LIST_COMMAND])) for label, name, _ in SEGMENTS],
        # The interaction figures search interactions alone: named records (20 follow-ups titled "Send the
        # invoice") would otherwise fill the page and leave the interaction search untimed.
        *[Figure(f"search {label}: {text!r} (in-process, interactions)", call(searching(conn, text, "interaction")),
                 target) for label, text, target in SEARCHES],
        Figure("search, every type: 'invoice' (in-process)", call(searching(conn, "invoice")), 0.100),
        Figure("crm contacts dupes --format csv (100k)", command(dupes_command(dataset)), 10.0),
        # The targets: 100,000 rows in 10 s, their re-import in 15 s (peak memory: the README's note).
        Figure(f"crm import contacts ({IMPORT_ROWS:,}-row CSV, empty database)",
               command(import_command(dataset, work, fresh=True)), 10.0, max_runs=1,
               warm_up=False),
        Figure("crm db copy (the whole dataset into an empty SQLite file)", command(copy_command(dataset, work)), 60.0,
               max_runs=1, warm_up=False),
        Figure(f"crm import contacts ({IMPORT_ROWS:,} rows again: all unchanged)",
               command(import_command(dataset, work, fresh=False)), 15.0, max_runs=1,
               warm_up=False),
        Figure("crm db reindex (1M interactions)", command([*crm_work, "db", "reindex"]), 10.0,
               max_runs=REINDEX_RUNS, warm_up=False),
        # Issue 14: mail (bench/mail.py writes it from the dataset's addresses).
        Figure("crm log --eml (a 200 KB multipart mail)", command(eml_command(dataset, work)), 1.3,
               floor=import_floor),
        Figure(f"crm import mail ({MAIL_COUNT:,}-message mbox)", command(import_mail_command(dataset, work)), 30.0,
               max_runs=1, warm_up=False),
    ]


MAIL_COUNT = 10_000
PEAK_FILES: dict[str, Path] = {}  # a figure's name -> where /usr/bin/time wrote its last run's peak memory (KiB)


def _addresses(dataset: Path, limit: int) -> list[str]:
    with sqlite3.connect(f"file:{dataset}?mode=ro", uri=True) as con:
        return [a for a, in con.execute("SELECT address FROM contact_email ORDER BY id LIMIT ?", (limit,))]


def eml_command(dataset: Path, work: Path) -> Callable[[int], Command]:
    """`crm log --eml FILE` on the work copy: the same 200 KB mail from contacts #1 to #3, a new
    Message-ID each run (else every run after the first would be a duplicate)."""
    import mail

    os.environ["CRMCLI_MY_EMAILS"] = mail.ME  # read by crm's settings: the user's own address
    addresses, path = _addresses(dataset, 3), work.with_name("bench-200k.eml")

    def make(number: int) -> Command:
        mail.eml(path, addresses, os.getpid() * 10_000 + number)
        return [CRM, "--db", str(work), "log", "--eml", str(path)]
    return make


def import_mail_command(dataset: Path, work: Path) -> Callable[[int], Command]:
    """`crm import mail` of a MAIL_COUNT-message mbox into a copy of the dataset (made and opened,
    so migrated, before the timing); peak memory by /usr/bin/time."""
    import mail

    os.environ["CRMCLI_MY_EMAILS"] = mail.ME
    source = work.with_name(f"mail-{MAIL_COUNT}.mbox")
    target, rss = work.with_name("mail-import.db"), work.with_name("mail-import.rss")
    PEAK_FILES[f"crm import mail ({MAIL_COUNT:,}-message mbox)"] = rss

    def make(_number: int) -> Command:
        mail.mbox(source, _addresses(dataset, 50_000), MAIL_COUNT)  # written once, then kept
        copy_dataset(dataset, target)
        subprocess.run([CRM, "--db", str(target), "contacts", "list", "-n", "1", "-q"], capture_output=True, check=True)
        rss.unlink(missing_ok=True)
        return ["/usr/bin/time", "-f", "%M", "-o", str(rss), CRM, "--db", str(target), "import", "mail", str(source)]
    return make


def copy_command(dataset: Path, work: Path) -> Callable[[int], Command]:
    """`crm db copy` of the dataset into a new file each run."""
    target = work.with_name("copied.db")

    def make(_number: int) -> Command:
        for path in (target, target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
            path.unlink(missing_ok=True)
        return [CRM, "--db", str(dataset), "db", "copy", str(target)]
    return make


IMPORT_ROWS = 100_000  # the whole dataset's contacts, as the targets say


def import_command(dataset: Path, work: Path, *, fresh: bool) -> Callable[[int], Command]:
    """`crm import contacts` of the first IMPORT_ROWS contacts of the dataset's export: into a new
    database each run (fresh), or into one that already holds them (every row unchanged)."""
    source = work.with_name(f"import-{IMPORT_ROWS}.csv")
    target = work.with_name("imported.db")
    if not source.exists():
        out = subprocess.run([CRM, "--db", str(dataset), "export", "contacts"], capture_output=True, text=True,
                             check=True).stdout
        source.write_text("".join(out.splitlines(keepends=True)[: IMPORT_ROWS + 1]), encoding="utf-8")

    def make(number: int) -> Command:
        if fresh or not target.exists():
            for path in (target, target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
                path.unlink(missing_ok=True)
        if not fresh and not target.exists():
            subprocess.run([CRM, "--db", str(target), "import", "contacts", str(source)], capture_output=True,
                           check=True)
        return [CRM, "--db", str(target), "import", "contacts", str(source)]
    return make


# Five-condition segments, added to the work copy before timing. "five": few of the 100k (a
# campaign's audience); "most rows": conditions that hold for every contact with a tag (about 5 in
# 6), so the listing prints nearly the plain one's rows and the ratio is mostly the conditions' cost.
SEGMENTS = (
    ("five (tags, field, owner, two last-contact days)", "Bench five",
     ["--any-tag", "vip", "--any-tag", "client", "--field", "source=referral", "--owner", "",
      "--last-contact-after", "2026-01-01", "--last-contact-before", "2026-10-01"]),
    ("most rows (five conditions, any tag at all)", "Bench most rows",
     ["--owner", "", "--last-contact-after", "2020-01-01", "--last-contact-before", "2030-01-01",
      *(arg for tag in TAGS for arg in ("--any-tag", tag))]),  # and not marked do not contact
)


def add_segments(work: Path) -> str:
    """Save SEGMENTS in the work copy (not timed); what each holds."""
    said = []
    for _label, name, conditions in SEGMENTS:
        done = subprocess.run([CRM, "--db", str(work), "segments", "add", name, *conditions], capture_output=True,
                              text=True, check=True)
        said.append(done.stderr.strip())
    return "\n".join(said)


def remind_command(dataset: Path) -> Command:
    return [CRM, "--db", str(dataset), "remind", "--as-of", REMIND_AS_OF]


def cold_command(dataset: Path) -> Command:
    return [CRM, "--db", str(dataset), "contacts", "list", "--cold", "--format", "csv"]


def dupes_command(dataset: Path) -> Command:
    return [CRM, "--db", str(dataset), "contacts", "dupes", "--format", "csv"]


def check_dupes_output(dataset: Path) -> str:
    """Not timed: how many pairs `crm contacts dupes` finds, by kind of reason."""
    done = subprocess.run(dupes_command(dataset), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True)
    pairs = list(csv.DictReader(io.StringIO(done.stdout.decode("utf-8"))))
    kinds = {kind: sum(said in pair["reasons"] for pair in pairs)
             for kind, said in (("email", "same email "), ("phone", "same phone "), ("name", " name in "))}
    detail = ", ".join(f"{n:,} by {kind}" for kind, n in kinds.items())
    return f"contacts dupes: {len(pairs):,} pairs at the default threshold ({detail})"


def sqlite_csv(dataset: Path, sql: str) -> Command:
    return ["sqlite3", "-batch", "-csv", "-header", str(dataset), sql]


def copy_dataset(dataset: Path, work: Path) -> None:
    """A fresh work copy, flushed to disk now: otherwise the first write's checkpoint fsyncs the
    whole copy (hundreds of MB, about 0.2 s at scale 1.0) and writeback runs under the timings."""
    for suffix in ("", "-wal", "-shm"):
        work.with_name(work.name + suffix).unlink(missing_ok=True)
    shutil.copyfile(dataset, work)
    with open(work, "rb+") as copy:
        os.fsync(copy.fileno())


def dataset_facts(conn: Connection) -> str:
    """Not timed: how many interactions contact #1 has and each search word matches."""
    def scalar(sql: str, *params: object) -> int:
        return int(conn.exec_driver_sql(sql, params).scalar() or 0)

    total = scalar("SELECT count(*) FROM interaction")
    mine = scalar("SELECT count(*) FROM interaction_contact WHERE contact_id = 1")
    matches = [(text, scalar("SELECT count(*) FROM interaction_fts WHERE interaction_fts MATCH ?",
                             fts_query(parse_query(text)))) for _label, text, _target in SEARCHES]
    words = ", ".join(f"{text!r} {n:,} ({100 * n / max(total, 1):.2f} %)" for text, n in matches)
    return f"{total:,} interactions, {mine:,} of them on contact #1; interactions matching: {words}"


def check_list_output(dataset: Path, args: Command, sql: str) -> str:
    """Not timed: do crm's CSV (`crm ARGS`) and the sqlite3 query agree (line count, then parsed cells)?"""
    def output(command: Command) -> str:
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True)
        return done.stdout.decode("utf-8")

    ours = output([CRM, "--db", str(dataset), *args])
    theirs = output(sqlite_csv(dataset, sql))
    a, b = ours.count("\n"), theirs.count("\n")
    return (f"{' '.join(args[:2])}: line-count check: crm {a:,} lines, sqlite3 {b:,} lines: "
            f"{'same' if a == b else 'DIFFERENT'}; {_compare_cells(ours, theirs)}")


def check_remind_output(dataset: Path) -> str:
    """Not timed: how much `crm remind` prints (lines, and items per section from its headings);
    it must not be empty, or the figure would time the silent path."""
    done = subprocess.run(remind_command(dataset), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True)
    text = done.stdout.decode("utf-8")
    sections = [line.rsplit(" (", 1) for line in text.splitlines() if line and not line.startswith(" ")]
    items = {name: int(n.rstrip(")")) for name, n in sections}
    detail = ", ".join(f"{name.lower()} {n:,}" for name, n in items.items())
    verdict = f"{sum(items.values()):,} items ({detail})" if text else "EMPTY: nothing due (check the dataset's dates)"
    lines = text.count("\n")
    return f"remind --as-of {REMIND_AS_OF}: {lines:,} lines, {len(text):,} bytes; {verdict}"


def check_cold(dataset: Path, conn: Connection) -> str:
    """Not timed: how many contacts `contacts list --cold` prints (judged now: crm has no --as-of
    there, so the count grows as the dataset ages), and the plan SQLite picks for the SQL that
    crmcli.core.contacts.rows(conn, cold=Cold(now)) compiles to, captured as it is sent."""
    from sqlalchemy import event

    from crmcli.core import clock
    from crmcli.core.contacts import Cold, rows

    done = subprocess.run(cold_command(dataset), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True)
    count = max(0, done.stdout.decode("utf-8").count("\n") - 1)
    sent: list[tuple[str, object]] = []

    def capture(_conn: object, _cursor: object, statement: str, parameters: object, *_args: object) -> None:
        sent.append((statement, parameters))

    now = clock.local_now()
    event.listen(conn, "before_cursor_execute", capture)
    try:
        rows(conn, cold=Cold(now)).rows.close()  # type: ignore[attr-defined]
    finally:
        event.remove(conn, "before_cursor_execute", capture)
    statement, parameters = sent[-1]
    plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()  # type: ignore[arg-type]
    depth = {0: 0}
    lines = []
    for node, parent, _unused, detail in plan:
        depth[node] = depth.get(parent, 0) + 1
        lines.append(f"  {'  ' * (depth[node] - 1)}{detail}")
    uses = "uses" if any("ix_interaction_contact_timeline" in line for line in lines) else "does NOT use"
    return (f"contacts list --cold: {count:,} contacts cold now ({now:%Y-%m-%d}); "
            f"its query plan ({uses} ix_interaction_contact_timeline):\n" + "\n".join(lines))


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


def _target(figure: Figure) -> str:
    if not figure.absolute:
        return f"<= {figure.target:g}"
    return f"<= {figure.target:g} s" if figure.target >= 1 else f"<= {figure.target * 1000:g} ms"


def table(results: list[Result]) -> str:
    header = ("benchmark", "median (ms)", "floor (ms)", "ratio", "target", "verdict")
    body = [(r.figure.name, f"{r.candidate * 1000:.1f}", "-" if r.floor is None else f"{r.floor * 1000:.1f}",
             "-" if r.ratio is None else f"{r.ratio:.2f}", _target(r.figure), "ok" if r.ok else "OVER")
            for r in results]
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
             for row in [header, *body]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def footnotes(results: list[Result]) -> list[str]:
    notes = ["floors: --version vs `python -c \"import typer\"`; help vs bench/floor_app.py; "
             "add, log, timeline, remind, contacts list --cold, pipeline and forecast vs "
             "`python -c \"import sqlmodel, typer\"`",
             f"search: crmcli.core.search.search(conn, QUERY, limit={SEARCH_LIMIT}) and its rows, in this "
             "process on an open connection (no start-up); absolute targets",
             "add and log write to the work copy; reindex rebuilds the work copy's index (absolute target)",
             f"remind, pipeline and forecast judge as of {REMIND_AS_OF} (the dataset's anchor); contacts list --cold judges now "
             "(it has no --as-of), its target is informational"]
    for r in results:
        if r.base is not None:
            notes.append(f"{r.figure.name}: floor = sqlite3 CLI running the same query; ratio = "
                         f"(median - {r.base * 1000:.1f} ms for `import sqlmodel, typer`) / floor")
        if r.figure.max_runs or not r.figure.warm_up:
            notes.append(f"{r.figure.name}: median of {r.runs} run(s)" + ("" if r.figure.warm_up else ", no warm-up"))
        if r.figure.name in PEAK_FILES and PEAK_FILES[r.figure.name].exists():
            kib = int(PEAK_FILES[r.figure.name].read_text().split()[-1])
            notes.append(f"{r.figure.name}: peak memory (max RSS, /usr/bin/time) {kib / 1024:.0f} MB (target 300 MB)")
    return notes


def compile_bytecode() -> str:
    """Write crmcli's bytecode first, as `pip install` does: with PYTHONDONTWRITEBYTECODE set (or a
    read-only tree) every timed run would otherwise compile the sources again (about 25 ms)."""
    import compileall

    import crmcli

    package = Path(crmcli.__file__).parent
    ok = compileall.compile_dir(str(package), quiet=1)
    return f"bytecode for {package}: {'written' if ok else 'FAILED to write'}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="dataset scale (1.0 = 100,000 contacts)")
    parser.add_argument("--runs", type=int, default=10, help="timed runs per command (default 10)")
    parser.add_argument("--only", metavar="TEXT", help="measure only the figures whose name contains TEXT")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if not Path(CRM).exists() or shutil.which("sqlite3") is None:
        parser.error(f"needs the crm script next to {PYTHON} and the sqlite3 command-line shell")

    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress on stderr stays in order
    print(machine_facts())
    print(compile_bytecode())
    dataset = ensure_dataset(args.scale)
    work = DATA_DIR / "work.db"
    copy_dataset(dataset, work)
    print(f"dataset {dataset} (add, log and reindex run on a copy: {work}); {args.runs} runs per command")
    print(check_list_output(dataset, LIST_COMMAND, LIST_SQL))
    print(check_list_output(dataset, EXPORT_COMMAND, EXPORT_SQL))
    print(check_remind_output(dataset))
    print(check_dupes_output(dataset))
    print(add_segments(work))

    results = []
    db = Database.open(str(dataset))  # for the in-process figures, opened once
    try:
        with db.connect() as conn:
            print(dataset_facts(conn))
            print(check_cold(dataset, conn))
            for figure in figures(dataset, work, conn):
                if args.only and args.only not in figure.name:
                    continue
                results.append(measure(figure, args.runs))
                print(f"  measured {figure.name}", file=sys.stderr, flush=True)
    finally:
        db.dispose()
    print()
    print(table(results))
    print()
    print("\n".join(footnotes(results)))
    print(f"{sum(r.ok for r in results)} of {len(results)} within target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
