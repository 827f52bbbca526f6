"""Writers for the concurrency proofs: one process runs one loop of real `crm` commands (a new process
per command, as a user or a cron job runs them) until its time is up, and writes down every command,
its exit code and what it printed, for the test to check against the database afterwards.

    python tests/proofs/writers.py log|followups|import|backup --db TARGET --seconds S --out RESULT.json
        [--contacts 1,2,3] [--tag TAG] [--rows N] [--folder DIR] [--inline] [--stop FILE]

- log:       `crm log CONTACT "TAG log pN" -q`, N = 0, 1, ...: each body unique; every third names two
             contacts, in one order or the other.
- followups: `crm fu add CONTACT "TAG fu pN" -q`, and every second one added is marked `crm fu done ID`.
- import:    `crm import contacts FILE` of a new file of --rows contacts each time (emails TAG-K-I@...).
- backup:    `crm db backup FOLDER/backup-pK.db`, one after another.

--inline: beside the loop of processes, a second one in this process calls crm's
own entry point once per command (bodies "TAG log iN"): a fresh application context, engine and
connection each time, as a new process has, without the ~0.5 s of Python start-up and imports, so
that writes (or backups) come many times a second and meet the other loops' transactions. (A `crm` process per
command is what users run, and what the first loop does; the second adds the volume.)

--stop FILE: after the S seconds, go on until FILE exists (at most 30 s more), for a test that wants
the writes to go on until it has seen what it looks for.

Standalone (imports nothing from the tests): the tests start it with the same Python, so `crm` is the
venv's script beside that Python, else `python -m crmcli`.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def crm_command() -> list[str]:
    script = Path(sys.executable).with_name("crm")
    return [str(script)] if script.exists() else [sys.executable, "-m", "crmcli"]


class Loop:
    """One worker: runs commands until the deadline and keeps each one's record."""

    via = "p"  # a process per command

    def __init__(self, db: str, deadline: float, stop: Path | None = None) -> None:
        self.db = db
        self.deadline = deadline
        self.stop = stop
        self.commands: list[dict[str, Any]] = []

    def time_left(self) -> bool:
        now = time.monotonic()
        return now < self.deadline or (self.stop is not None and not self.stop.exists() and now < self.deadline + 30)

    def run(self, *args: str, **record: Any) -> dict[str, Any]:
        started, wall = time.monotonic(), time.time()
        rc, stdout, stderr = self.execute(["--db", self.db, *args])
        entry = {"args": list(args), "rc": rc, "stdout": stdout, "stderr": stderr, "via": self.via,
                 "seconds": round(time.monotonic() - started, 3), "began": wall, "ended": time.time(), **record}
        self.commands.append(entry)
        return entry

    def execute(self, argv: list[str]) -> tuple[int, str, str]:
        done = subprocess.run([*crm_command(), *argv], capture_output=True, text=True, encoding="utf-8",
                              stdin=subprocess.DEVNULL, timeout=120)
        return done.returncode, done.stdout, done.stderr


class InlineLoop(Loop):
    """Commands through crm's own entry point in this process (see the module's note on --inline)."""

    via = "i"

    def execute(self, argv: list[str]) -> tuple[int, str, str]:
        import io
        from contextlib import redirect_stderr, redirect_stdout

        from crmcli.cli.main import app

        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            try:
                rc = app(argv, prog_name="crm", standalone_mode=False)
            except SystemExit as exit_:
                rc = exit_.code
            except BaseException:  # noqa: BLE001 - what a user would see as a traceback
                import traceback

                traceback.print_exc()
                rc = 99
        time.sleep(0.05)  # leave the CPU to the processes and the TUI now and then
        return rc if isinstance(rc, int) else 1, out.getvalue(), err.getvalue()


def log_loop(loop: Loop, contacts: list[str], tag: str) -> None:
    n = 0
    while loop.time_left():
        body = f"{tag} log {loop.via}{n}"
        people = [contacts[n % len(contacts)]]
        if n % 3 == 2 and len(contacts) > 1:  # a meeting with two, named in either order
            people = [people[0], contacts[(n + 1) % len(contacts)]][:: 1 if n % 2 else -1]
        loop.run("log", *people, body, "--kind", "note", "-q", op="log", body=body, contacts=people)
        n += 1


def followups_loop(loop: Loop, contacts: list[str], tag: str) -> None:
    n = 0
    added = 0
    while loop.time_left():
        title = f"{tag} fu {loop.via}{n}"
        entry = loop.run("fu", "add", contacts[n % len(contacts)], title, "--due", "in 3 days", "-q",
                         op="add", title=title)
        n += 1
        if entry["rc"] != 0:
            continue
        added += 1
        if added % 2 == 0 and loop.time_left():
            ident = entry["stdout"].strip()
            loop.run("fu", "done", ident, op="done", id=ident, title=title)


def import_loop(loop: Loop, folder: Path, rows: int, tag: str) -> None:
    k = 0
    while k == 0 or loop.time_left():
        path = folder / f"{tag}-import-{k}.csv"
        with open(path, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["name", "emails", "org", "tags"])
            for i in range(rows):
                writer.writerow([f"{tag} Imported {k}-{i}", f"{tag}-{k}-{i}@import.example", f"{tag} Org {i % 40}",
                                 "imported"])
        loop.run("import", "contacts", str(path), op="import", prefix=f"{tag}-{k}-", rows=rows)
        k += 1


def backup_loop(loop: Loop, folder: Path) -> None:
    k = 0
    while k == 0 or loop.time_left():
        copy = folder / f"backup-{loop.via}{k}.db"
        loop.run("db", "backup", str(copy), op="backup", file=str(copy))
        k += 1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["log", "followups", "import", "backup"])
    parser.add_argument("--db", required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--contacts", default="1")
    parser.add_argument("--tag", default="w")
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--folder", default=".")
    parser.add_argument("--inline", action="store_true")
    parser.add_argument("--stop", type=Path)
    options = parser.parse_args()
    if options.inline:  # crm's modules loaded before the clock starts, as a process's would be
        InlineLoop(options.db, 0).execute(["--db", options.db, "fu", "list", "-q"])
    started = time.monotonic()
    deadline = started + options.seconds
    contacts = options.contacts.split(",")
    loops = [Loop(options.db, deadline, options.stop)]
    if options.kind == "log":
        body = lambda loop: log_loop(loop, contacts, options.tag)  # noqa: E731
    elif options.kind == "followups":
        body = lambda loop: followups_loop(loop, contacts, options.tag)  # noqa: E731
    elif options.kind == "import":
        body = lambda loop: import_loop(loop, Path(options.folder), options.rows, options.tag)  # noqa: E731
    else:
        body = lambda loop: backup_loop(loop, Path(options.folder))  # noqa: E731
    if options.inline:
        import threading

        loops.append(InlineLoop(options.db, deadline, options.stop))
        spawning = threading.Thread(target=body, args=(loops[0],))
        spawning.start()
        body(loops[1])  # crm in this process: the main thread, the only one printing
        spawning.join()
    else:
        body(loops[0])
    result = {"kind": options.kind, "seconds": round(time.monotonic() - started, 2),
              "commands": [c for loop in loops for c in loop.commands]}
    Path(options.out).write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    os.environ.setdefault("NO_COLOR", "1")
    main()
