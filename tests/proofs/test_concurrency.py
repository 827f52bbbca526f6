"""Three writers at once, on SQLite and on PostgreSQL, with the TUI open beside them: a `crm log` loop
(some of its notes with two people, named in either order), a follow-ups add/done loop and an
import of thousands of contacts, each a process of its own (tests/proofs/writers.py) that runs a
new `crm` process per command; the log and follow-up loops also call crm's entry point in their own
process, command after command, for the volume (a `crm` process costs ~0.5 s of start-up, several
seconds on a loaded machine). Every command that said it succeeded must be in the database (no lost
writes), none may fail (a busy database waits; it does not fail), and no user may see "database is
locked" or a traceback. The TUI, polling for changes, keeps answering keys, shows the new rows where
it is and, back on the dashboard, what came meanwhile, with no error notification.

The figures (commands per loop, successes, failures, lost rows) are printed: `pytest -s` shows them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

WRITERS = Path(__file__).with_name("writers.py")
SECONDS = 7.0          # each loop starts commands for this long (a command started in time runs to its end)
IMPORT_ROWS = 3000     # contacts per imported file
WATCH_SECONDS = 0.5    # the TUI's polling, quicker than its 2 s default so that the test is short
NAME = "Qix Concurrency"  # the contact the loops write to and the TUI shows


@dataclass
class Loop:
    kind: str
    process: subprocess.Popen[bytes]
    out: Path
    commands: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    def finish(self, timeout: float = 180) -> None:
        rc = self.process.wait(timeout=timeout)
        stderr = self.process.stderr.read().decode() if self.process.stderr else ""
        assert rc == 0, f"the {self.kind} driver failed: {stderr}"
        result = json.loads(self.out.read_text(encoding="utf-8"))
        self.commands, self.seconds = result["commands"], result["seconds"]

    def succeeded(self, op: str) -> list[dict[str, Any]]:
        return [c for c in self.commands if c["op"] == op and c["rc"] == 0]

    @property
    def failures(self) -> list[dict[str, Any]]:
        return [c for c in self.commands if c["rc"] != 0]


def start(kind: str, target: str, folder: Path, *options: str) -> Loop:
    out = folder / f"{kind}.json"
    process = subprocess.Popen([sys.executable, str(WRITERS), kind, "--db", target, "--seconds", str(SECONDS),
                                "--out", str(out), "--folder", str(folder), "--stop", str(folder / "stop"),
                                *options],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=os.environ.copy())
    return Loop(kind, process, out)


def seed(target: str) -> tuple[int, list[int]]:
    """The demo data (a dashboard with something on it) and the contact the TUI will open; the ids of
    the contacts the loops write to (that one first)."""
    from crmcli.core import clock, sample
    from crmcli.storage.database import Database

    db = Database.open(target)
    try:
        with db.connect(write=True) as conn:
            sample.generate(conn, sample.DEMO, now=clock.utc_now())
        from sqlalchemy import text

        from crmcli.core import contacts

        with db.session(write=True) as session:
            watched = contacts.add(session, contacts.ContactChanges(name=NAME))[0].id
        with db.connect() as conn:
            others = conn.execute(text("SELECT id FROM contact WHERE id <> :watched ORDER BY id LIMIT 2"),
                                  {"watched": watched}).scalars().all()
    finally:
        db.dispose()
    return int(watched), [int(watched), *others]


def lost_writes(target: str, loops: dict[str, Loop]) -> dict[str, list[str]]:
    """What a command said it wrote and the database does not have, per loop; and rows no success
    accounts for (a command that failed yet wrote)."""
    from sqlalchemy import text

    from crmcli.storage.database import Database

    db = Database.open(target)
    try:
        with db.connect() as conn:
            bodies = dict(conn.execute(text("SELECT body, id FROM interaction WHERE body LIKE 'w log %'")).all())
            titles = {t: (i, done) for t, i, done in conn.execute(text(
                "SELECT title, id, done_at IS NOT NULL FROM follow_up WHERE title LIKE 'w fu %'")).all()}
            addresses = conn.execute(text("SELECT address FROM contact_email "
                                          "WHERE address LIKE 'w-%@import.example'")).scalars().all()
    finally:
        db.dispose()
    imported: dict[str, int] = {}
    for address in addresses:  # w-K-I@import.example: file K's row I
        prefix = address.rsplit("-", 1)[0] + "-"
        imported[prefix] = imported.get(prefix, 0) + 1
    lost: dict[str, list[str]] = {"log": [], "followups": [], "import": [], "unaccounted": []}
    for c in loops["log"].succeeded("log"):
        if bodies.get(c["body"]) != int(c["stdout"].strip()):
            lost["log"].append(c["body"])
    for c in loops["followups"].succeeded("add"):
        if c["title"] not in titles or titles[c["title"]][0] != int(c["stdout"].strip()):
            lost["followups"].append(c["title"])
    for c in loops["followups"].succeeded("done"):
        if not titles.get(c["title"], (0, False))[1]:
            lost["followups"].append(f"{c['title']} (done)")
    for c in loops["import"].succeeded("import"):
        if imported.get(c["prefix"], 0) != c["rows"]:
            lost["import"].append(f"{c['prefix']}* ({imported.get(c['prefix'], 0)} of {c['rows']})")
    reported = ({c["body"] for c in loops["log"].succeeded("log")}
                | {c["title"] for c in loops["followups"].succeeded("add")})
    done = {c["title"] for c in loops["followups"].succeeded("done")}
    lost["unaccounted"] += sorted(set(bodies) - reported) + sorted(set(titles) - reported)
    lost["unaccounted"] += sorted(t + " (done)" for t, (_, is_done) in titles.items() if is_done and t not in done)
    lost["unaccounted"] += sorted(set(imported) - {c["prefix"] for c in loops["import"].succeeded("import")})
    return lost


def figures(backend: str, loops: dict[str, Loop], lost: dict[str, list[str]], seen: dict[str, Any]) -> str:
    lines = [f"concurrency on {backend}: {SECONDS:g} s of commands per loop, the TUI open beside them"]
    for kind, loop in loops.items():
        parts = []
        for via, what in (("p", "processes"), ("i", "in-process")):
            ran = [c for c in loop.commands if c["via"] == via]
            if ran:
                ops = ", ".join(f"{op} {sum(c['rc'] == 0 for c in ran if c['op'] == op)}/"
                                f"{sum(c['op'] == op for c in ran)}" for op in sorted({c["op"] for c in ran}))
                parts.append(f"{what}: {ops} ok, longest {max(c['seconds'] for c in ran):.1f} s")
        lines.append(f"  {kind:<9} {len(loop.commands)} commands in {loop.seconds:.1f} s ({'; '.join(parts)}); "
                     f"failures {len(loop.failures)}, lost {len(lost[kind])}")
    lines.append(f"  rows no success accounts for: {len(lost['unaccounted'])}")
    counts = seen.get("timeline_counts") or [0]
    lines.append(f"  TUI: the contact opened {seen.get('opened_after')} s after the loops started; its timeline "
                 f"showed {counts[0]} to {counts[-1]} of the loops' notes while they ran "
                 f"({len(set(counts))} different counts in {len(counts)} looks), "
                 f"{len(seen.get('timeline_final', []))} of {len(seen.get('timeline_expected', []))} after; "
                 f"notifications {len(seen['notifications'])}")
    return "\n".join(lines)


def run_the_tui_beside(target: str, watched: int, loops_started: Any,
                       stop: Path) -> tuple[dict[str, Loop], dict[str, Any]]:
    """The TUI open while the loops run: the contacts screen answers typing, the loops' contact
    opens and its timeline fills as they write; back on the dashboard, its recent activity has the
    last note. Returns the finished loops and what the TUI saw."""
    import asyncio

    from crmcli.context import open_context
    from crmcli.tui.app import create_app
    from crmcli.tui.settle import settle
    from crmcli.tui.widgets.tables import RecordTable

    context = open_context(target)
    seen: dict[str, Any] = {"notifications": []}

    def texts(table: RecordTable, column: int) -> list[str]:
        return [str(table.get_row_at(i)[column]) for i in range(table.row_count)]

    async def steady(app: Any, pilot: Any) -> None:
        """settle(), through the live reloads: a reload that replaces a screen's load cancels the
        worker doing it, and waiting for that one says so; the newer one is then waited for."""
        from textual.worker import WorkerCancelled

        for _ in range(20):
            try:
                await settle(app, pilot)
                return
            except WorkerCancelled:
                await pilot.pause(0.05)

    async def scenario() -> dict[str, Loop]:
        app = create_app(context, watch_seconds=WATCH_SECONDS)
        notify = app.notify

        def recording(message: str, *args: Any, **kwargs: Any) -> None:
            seen["notifications"].append((kwargs.get("severity", "information"), str(message)))
            notify(message, *args, **kwargs)

        app.notify = recording  # type: ignore[method-assign]
        async with app.run_test(size=(120, 40)) as pilot:
            await steady(app, pilot)
            loops = loops_started()
            began = time.monotonic()
            # Keys work while the loops write: the contacts screen narrows as we type, and the loops'
            # contact opens.
            await pilot.press("c")
            await steady(app, pilot)
            await pilot.press("q", "i", "x")
            await steady(app, pilot)
            names = [n.strip() for n in texts(app.screen.query_one("#contacts", RecordTable), 0)]
            assert names == [NAME], names
            await pilot.press("tab", "enter")
            await steady(app, pilot)
            assert app.screen.name == "contact" and app.screen.contact_id == watched  # type: ignore[attr-defined]
            # Its timeline fills as the loops write, by the app's own polling. The loops go on at least
            # SECONDS, and until the timeline has moved (on a loaded machine the keys above take a while).
            timeline = app.screen.query_one("#timeline", RecordTable)
            seen["opened_after"] = round(time.monotonic() - began, 1)
            seen["timeline_counts"] = []
            while any(loop.process.poll() is None for loop in loops.values()):
                seen["timeline_counts"].append(sum(t.startswith("w log ") for t in texts(timeline, 2)))
                if len(set(seen["timeline_counts"])) > 1:
                    stop.touch()
                await pilot.pause(0.25)
            stop.touch()
            for loop in loops.values():
                loop.finish()
            # A look after the last write: the timeline shows every note the loops logged for that contact.
            expected = sorted(c["body"] for c in loops["log"].succeeded("log") if str(watched) in c["contacts"])
            seen["timeline_final"] = await shown_within(pilot, app, lambda: sorted(
                t for t in texts(timeline, 2) if t.startswith("w log ")), expected)
            seen["timeline_expected"] = expected
            # Back to the dashboard, under the other screens while the loops wrote: its recent
            # activity now has the last note written.
            await pilot.press("escape")
            await steady(app, pilot)
            seen["back_to"] = app.screen.name
            await pilot.press("escape")
            await steady(app, pilot)
            recent = app.screen.query_one("#recent", RecordTable)
            newest = max(loops["log"].succeeded("log"), key=lambda c: int(c["stdout"]))["body"]
            seen["dashboard_has_newest"] = await shown_within(pilot, app, lambda: newest in texts(recent, 3), True)
        return loops

    async def shown_within(pilot: Any, app: Any, shown: Any, expected: Any) -> Any:
        deadline = time.monotonic() + 3 * WATCH_SECONDS + 5
        while shown() != expected and time.monotonic() < deadline:
            await pilot.pause(0.1)
        return shown()

    try:
        loops = asyncio.run(scenario())
    finally:
        context.close()
    return loops, seen


def test_three_writers_and_the_tui_lose_nothing_and_never_see_a_locked_database(
        backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    target = str(tmp_path / "crm.db") if backend == "sqlite" else request.getfixturevalue("pg_url")
    watched, writes_to = seed(target)
    contacts = ",".join(map(str, writes_to))

    started: dict[str, Loop] = {}

    def loops_started() -> dict[str, Loop]:
        started.update({"log": start("log", target, tmp_path, "--contacts", contacts, "--inline"),
                        "followups": start("followups", target, tmp_path, "--contacts", contacts, "--inline"),
                        "import": start("import", target, tmp_path, "--rows", str(IMPORT_ROWS))})
        return started

    try:
        loops, seen = run_the_tui_beside(target, watched, loops_started, tmp_path / "stop")
    finally:
        for loop in started.values():  # a failed scenario leaves no writer behind
            if loop.process.poll() is None:
                loop.process.kill()
                loop.process.wait()
    lost = lost_writes(target, loops)
    print("\n" + figures(backend, loops, lost, seen))

    for loop in loops.values():
        assert loop.commands, f"the {loop.kind} loop ran nothing"
        for c in loop.commands:
            said = c["stderr"] + c["stdout"]
            assert "locked" not in said.lower() and "Traceback" not in said, (loop.kind, c["args"], said)
        assert not loop.failures, [(c["args"], c["rc"], c["stderr"]) for c in loop.failures]
    assert not any(lost.values()), lost
    # The TUI: no error or warning shown, the contact's timeline showed every note logged for it, and
    # the keys still answered at the end.
    assert not seen["notifications"], seen["notifications"]
    assert seen["timeline_final"] == seen["timeline_expected"] and seen["timeline_expected"]
    assert seen["back_to"] == "contacts"
    assert seen["dashboard_has_newest"], "the dashboard still showed what it had before the loops wrote"
    assert len(set(seen["timeline_counts"])) > 1, "the timeline did not change while the loops ran"
