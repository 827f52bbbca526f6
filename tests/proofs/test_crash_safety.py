"""Crash safety: a command killed with SIGKILL at any moment leaves the database sound, with all of
its change or none of it.

Each proof runs the real `crm` in a process of its own on a database of its own, kills it at a
moment spread across the command's measured run time (its last 15 %, where the commit is, gets a
quarter of the runs, and a few land just after the command would have finished), then checks:

- `crm db check` exits 0 (integrity, foreign keys, search index and copies all in order);
- the change is all there or not at all: the counts of every table the command writes are either
  the counts before it or those a run left alone to finish gives, and rows it wrote are spot-checked.

The proofs:
- `crm import contacts` of 50,000 rows into the demo database, 20 runs;
- `crm db copy` (SQLite to SQLite) of that database once imported: the target is either absent,
  empty (as `db copy` made it: another copy into it succeeds) or complete, and the source is
  untouched (its bytes), 20 runs;
- `crm privacy forget` of the demo's best-connected contact in that database: either she is all
  there or she is gone everywhere (and her email is not in the file's bytes), 20 runs;
- `crm import contacts` on PostgreSQL, killed twice: the server rolls the transaction back.

Of the 20 runs of the import and of the erasure, two are killed the moment SQLite first writes the
database file itself (`kill_all`), which in WAL mode is the checkpoint a big commit starts: the
transaction is committed in the WAL, the file half rewritten; what the next open makes of it must
be the whole change.

Two runs go at once (this machine has two cores), and the run time the moments are spread over is
measured so too: two whole runs at once, before the kills. The figures (runs, outcomes, failures, lost or
partial rows) are printed at the end of each proof, past pytest's capture, so that CI's log shows
them. CRMCLI_CRASH_SEED=N replays one set of kill moments.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import CRM, Run

ROWS = 50_000
RUNS = 20
AT_ONCE = 2
NOW = "2026-03-05T10:00:00+00:00"
SEED = int(os.environ.get("CRMCLI_CRASH_SEED") or time.time_ns() % 1_000_000)
ERASED = 236  # the demo's contact in the most interactions, deals and follow-ups (asserted below)


# -- the setting --------------------------------------------------------------------------------

def _env(home: Path) -> dict[str, str]:
    """The environment of every `crm` process: a home of its own, UTC, the clock pinned."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRMCLI_")}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"),
               TZ="UTC", NO_COLOR="1", CRMCLI_NOW=NOW)
    return env


@dataclass
class Setting:
    folder: Path
    env: dict[str, str]
    csv: Path             # 50,000 contacts
    base: Path            # the demo database
    imported: Path        # the demo database with the 50,000 contacts
    import_seconds: float  # a whole import's run time, measured


def _write_csv(path: Path) -> None:
    import csv

    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["name", "emails", "org", "title", "tags"])
        for n in range(ROWS):
            writer.writerow([f"Crash Person {n}", f"work:crash.{n}@crash-corp.example", f"Crash Org {n % 500}",
                             "Buyer" if n % 2 else "", "crash;batch" if n % 5 == 0 else "crash"])


def _demo(path: Path) -> None:
    from datetime import datetime

    from crmcli.core import sample
    from crmcli.storage.database import Database

    db = Database.open(str(path))
    try:
        with db.connect(write=True) as conn:
            sample.generate(conn, sample.DEMO, now=datetime.fromisoformat(NOW))
    finally:
        db.dispose()


def _crm(setting: Setting, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CRM), *args], capture_output=True, text=True, env=setting.env, timeout=timeout,
                          stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def setting(tmp_path_factory: pytest.TempPathFactory) -> Setting:
    folder = tmp_path_factory.mktemp("crash")
    (folder / "home").mkdir()
    made = Setting(folder, _env(folder / "home"), folder / "big.csv", folder / "base.db", folder / "imported.db", 0.0)
    _write_csv(made.csv)
    _demo(made.base)
    twin = folder / "imported-twin.db"
    for path in (made.imported, twin):
        shutil.copy2(made.base, path)
    made.import_seconds = whole_runs([["--db", str(path), "import", "contacts", str(made.csv)]
                                      for path in (made.imported, twin)], made.env)
    assert counts(made.imported) == counts(twin)
    twin.unlink()
    _checkpoint(made.imported)
    return made


def whole_runs(commands: list[list[str]], env: dict[str, str]) -> float:
    """Run the commands to their end, AT_ONCE at a time as the kills will, and return their mean run
    time: what the kill moments are spread over (two at once on two cores take longer than one alone)."""
    assert len(commands) == AT_ONCE
    began = time.perf_counter()
    procs = [subprocess.Popen([str(CRM), *args], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True) for args in commands]
    seconds = []
    for proc in procs:
        _, err = proc.communicate(timeout=600)
        seconds.append(time.perf_counter() - began)
        assert proc.returncode == 0, err
    return sum(seconds) / len(seconds)


# -- killing ------------------------------------------------------------------------------------

def moments(seconds: float, runs: int = RUNS, *, seed: int = SEED) -> list[float]:
    """When to kill, for a command that runs `seconds`: three quarters of the runs spread over its
    first 85 %, a quarter from there to a little past its end (the commit, and just after: a run
    may be slower or quicker than the one measured)."""
    rng = random.Random(seed)
    late = max(1, runs // 4)
    early = runs - late
    spread = [seconds * 0.85 * (i + rng.random()) / early for i in range(early)]
    spread += [seconds * (0.85 + 0.3 * (i + rng.random()) / late) for i in range(late)]
    return spread


@dataclass
class Killed:
    at: float        # seconds after the start it was killed (or ended)
    finished: bool   # the command ended by itself before the moment came
    returncode: int | None
    when: str = "time"  # time: at its moment; checkpoint: as the file itself was first written


Run_ = tuple[list[str], float, "Path | None"]  # the command, when to kill it, a file to watch


def kill_all(runs: list[Run_], env: dict[str, str]) -> list[Killed]:
    """Start each command and SIGKILL it `at` seconds later (unless it has ended), AT_ONCE at a time.
    A run with a file to watch is killed instead the moment that file's modification time changes:
    in WAL mode SQLite writes the database file itself only when it checkpoints, which a big
    transaction's commit starts at once (the WAL has grown past 1,000 pages); a kill then lands
    just after the commit, with the file half rewritten from the WAL."""
    out: list[Killed] = []
    for start in range(0, len(runs), AT_ONCE):
        batch = runs[start:start + AT_ONCE]
        stamps = [watch.stat().st_mtime_ns if watch is not None else None for _, _, watch in batch]
        began = time.perf_counter()
        procs = [subprocess.Popen([str(CRM), *args], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL) for args, _, _ in batch]
        results: list[Killed | None] = [None] * len(batch)
        while any(r is None for r in results):
            elapsed = time.perf_counter() - began
            for index, (proc, (_, at, watch)) in enumerate(zip(procs, batch)):
                if results[index] is not None:
                    continue
                if proc.poll() is not None:
                    results[index] = Killed(elapsed, True, proc.returncode)
                    continue
                written = watch is not None and watch.stat().st_mtime_ns != stamps[index]
                if written or elapsed >= at:
                    proc.send_signal(signal.SIGKILL)
                    proc.wait()
                    results[index] = Killed(elapsed, False, None, "checkpoint" if written else "time")
            time.sleep(0.002)
        out += [r for r in results if r is not None]
    return out


AT_CHECKPOINT = 2  # of the RUNS of a proof whose command commits a big transaction, killed as it checkpoints


# -- looking --------------------------------------------------------------------------------------

TABLES = ("contact", "contact_email", "contact_phone", "contact_tag", "contact_field", "tag", "organization",
          "interaction", "interaction_contact", "follow_up", "deal", "deal_contact", "stage_change",
          "audit_command", "audit_change")


def counts(path: Path) -> dict[str, int]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {t: int(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in TABLES}
    finally:
        con.close()


def _checkpoint(path: Path) -> None:
    """The WAL written into the file (what the next command's close does), so that its bytes can be read."""
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Tally:
    """What the runs of one proof came to."""

    name: str
    outcomes: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    lost_rows: int = 0   # rows of a change that is neither whole nor absent
    killed: int = 0
    finished: int = 0
    at_checkpoint: list[str] = field(default_factory=list)  # the outcomes of the runs killed as they checkpointed

    def ran(self, killed: Killed) -> None:
        self.finished += killed.finished
        self.killed += not killed.finished

    def add(self, outcome: str, killed: Killed | None = None) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1
        if killed is not None and killed.when == "checkpoint":
            self.at_checkpoint.append(outcome)

    def report(self, capsys: pytest.CaptureFixture[str], extra: str = "") -> None:
        runs = self.killed + self.finished
        line = (f"crash safety, {self.name}: {runs} runs ({self.killed} killed, {self.finished} ended first), "
                + ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items()))
                + (f" ({len(self.at_checkpoint)} of them killed as the commit's checkpoint began: "
                   f"{', '.join(self.at_checkpoint)})" if self.at_checkpoint else "")
                + f"; failures {len(self.failures)}, lost or partial rows {self.lost_rows}; seed {SEED}{extra}")
        with capsys.disabled():
            print(f"\n{line}", file=sys.stderr)
            for failure in self.failures:
                print(f"  {failure}", file=sys.stderr)


def _check(crm: Run, target: str) -> str | None:
    """`crm db check`'s complaint, or None when it is clean."""
    result = crm("--db", target, "db", "check")
    return None if result.exit_code == 0 else f"db check: {result.stdout.strip()} {result.stderr.strip()}"


def _versus(found: dict[str, int], before: dict[str, int], after: dict[str, int]) -> tuple[str | None, int]:
    """'absent', 'present', or None (partial) with how many rows differ from the nearer whole state."""
    if found == before:
        return "absent", 0
    if found == after:
        return "present", 0
    off = min(sum(abs(found[t] - before[t]) for t in TABLES), sum(abs(found[t] - after[t]) for t in TABLES))
    return None, off


# -- the proofs -----------------------------------------------------------------------------------

def _spot_check_import(path: Path) -> str | None:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        for n in (0, 12_345, ROWS - 1):
            row = con.execute(
                "SELECT c.name, e.address, o.name, (SELECT group_concat(t.name, ';') FROM (SELECT t.name FROM "
                "contact_tag ct JOIN tag t ON t.id = ct.tag_id WHERE ct.contact_id = c.id ORDER BY t.name) t) "
                "FROM contact c JOIN contact_email e ON e.contact_id = c.id LEFT JOIN organization o ON o.id = c.org_id "
                "WHERE c.name = ?", (f"Crash Person {n}",)).fetchall()
            expected = [(f"Crash Person {n}", f"crash.{n}@crash-corp.example", f"Crash Org {n % 500}",
                         "batch;crash" if n % 5 == 0 else "crash")]
            if row != expected:
                return f"row {n}: {row} instead of {expected}"
        found = con.execute("SELECT count(*) FROM entity_fts WHERE entity_fts MATCH 'crash AND person'").fetchone()[0]
        if found != ROWS:
            return f"the search index finds {found} of the {ROWS} imported contacts"
    finally:
        con.close()
    return None


def test_import_killed_at_random_moments_is_all_or_nothing(setting: Setting, crm: Run,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    before, after = counts(setting.base), counts(setting.imported)
    assert after["contact"] == before["contact"] + ROWS
    runs: list[Run_] = []
    timed = moments(setting.import_seconds, RUNS - AT_CHECKPOINT)
    for i, at in enumerate(timed + [setting.import_seconds * 3] * AT_CHECKPOINT):
        target = setting.folder / f"import-{i}.db"
        shutil.copy2(setting.base, target)
        runs.append((["--db", str(target), "import", "contacts", str(setting.csv)], at,
                     target if i >= len(timed) else None))
    tally = Tally(f"crm import contacts of {ROWS:,} rows (a whole run {setting.import_seconds:.1f} s)")
    for i, killed in enumerate(kill_all(runs, setting.env)):
        target = setting.folder / f"import-{i}.db"
        tally.ran(killed)
        if (complaint := _check(crm, str(target))) is not None:
            tally.failures.append(f"run {i} (killed at {killed.at:.2f} s): {complaint}")
        outcome, off = _versus(counts(target), before, after)
        if outcome is None:
            tally.failures.append(f"run {i} (killed at {killed.at:.2f} s): partial import, {off} rows off")
            tally.lost_rows += off
            outcome = "partial"
        elif outcome == "present" and (wrong := _spot_check_import(target)) is not None:
            tally.failures.append(f"run {i}: {wrong}")
        tally.add(outcome, killed)
        target.unlink()
        for suffix in ("-wal", "-shm"):
            target.with_name(target.name + suffix).unlink(missing_ok=True)
    tally.report(capsys)
    assert not tally.failures
    assert tally.outcomes.get("absent", 0) >= 1  # the kills did land inside the import


def test_db_copy_killed_at_random_moments_leaves_no_half_copy(setting: Setting, crm: Run,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    source = setting.imported
    untouched = _digest(source)
    whole = counts(source)
    wholes = [setting.folder / f"copy-whole-{n}.db" for n in range(AT_ONCE)]
    seconds = whole_runs([["--db", str(source), "db", "copy", str(path)] for path in wholes], setting.env)
    for path in wholes:
        assert counts(path) == whole
        path.unlink()
    runs: list[Run_] = [(["--db", str(source), "db", "copy", str(setting.folder / f"copy-{i}.db")], at, None)
                        for i, at in enumerate(moments(seconds))]
    tally = Tally(f"crm db copy of {sum(whole.values()):,} rows (a whole run {seconds:.1f} s)")
    copied_again = False
    for i, killed in enumerate(kill_all(runs, setting.env)):
        target = setting.folder / f"copy-{i}.db"
        tally.ran(killed)
        where = f"run {i} (killed at {killed.at:.2f} s)"
        if _digest(source) != untouched:
            tally.failures.append(f"{where}: the source changed")
        if not target.exists() or target.stat().st_size == 0:
            tally.add("absent")  # not made yet, or made and nothing written into it
        else:
            if (complaint := _check(crm, str(target))) is not None:
                tally.failures.append(f"{where}: {complaint}")
            found = counts(target)
            if found == whole:
                tally.add("complete")
            elif not any(found.values()):
                tally.add("empty")
                if not copied_again:  # an empty target is what db copy takes: a second copy completes it
                    again = _crm(setting, "--db", str(source), "db", "copy", str(target))
                    if again.returncode != 0 or counts(target) != whole:
                        tally.failures.append(f"{where}: copying again into the empty target failed: {again.stderr}")
                    copied_again = True
            else:
                tally.add("partial")
                tally.lost_rows += sum(abs(found[t] - whole[t]) for t in TABLES)
                tally.failures.append(f"{where}: a partial copy: {found}")
        for path in (target, target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
            path.unlink(missing_ok=True)
    if (complaint := _check(crm, str(source))) is not None:
        tally.failures.append(f"source: {complaint}")
    tally.report(capsys, "; the source's bytes unchanged" if not any("source" in f for f in tally.failures) else "")
    assert not tally.failures
    assert tally.outcomes.get("complete", 0) < RUNS  # the kills did land inside the copy


def _her(path: Path) -> tuple[str, str]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        name = con.execute("SELECT name FROM contact WHERE id = ?", (ERASED,)).fetchone()[0]
        address = con.execute("SELECT address FROM contact_email WHERE contact_id = ? ORDER BY position",
                              (ERASED,)).fetchone()[0]
        best = con.execute(
            "SELECT c.id FROM contact c ORDER BY (SELECT count(*) FROM interaction_contact WHERE contact_id = c.id) "
            "+ 10 * (SELECT count(*) FROM deal_contact WHERE contact_id = c.id) "
            "+ 5 * (SELECT count(*) FROM follow_up WHERE contact_id = c.id) DESC, c.id LIMIT 1").fetchone()[0]
    finally:
        con.close()
    assert best == ERASED, f"the best-connected demo contact is #{best} now: set ERASED"
    return name, address


def test_privacy_forget_killed_at_random_moments_erases_all_or_nothing(setting: Setting, crm: Run,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    name, address = _her(setting.imported)
    before = counts(setting.imported)
    references = [setting.folder / f"forget-whole-{n}.db" for n in range(AT_ONCE)]
    for path in references:
        shutil.copy2(setting.imported, path)
    seconds = whole_runs([["--db", str(path), "privacy", "forget", str(ERASED), "--yes"] for path in references],
                         setting.env)
    after = counts(references[0])
    assert after["contact"] == before["contact"] - 1 and counts(references[1]) == after
    for path in references:
        path.unlink()
    runs: list[Run_] = []
    timed = moments(seconds, RUNS - AT_CHECKPOINT)
    for i, at in enumerate(timed + [seconds * 3] * AT_CHECKPOINT):
        target = setting.folder / f"forget-{i}.db"
        shutil.copy2(setting.imported, target)
        runs.append((["--db", str(target), "privacy", "forget", str(ERASED), "--yes"], at,
                     target if i >= len(timed) else None))
    tally = Tally(f"crm privacy forget of contact #{ERASED} in a database of {before['contact']:,} contacts "
                  f"(a whole run {seconds:.1f} s)")
    for i, killed in enumerate(kill_all(runs, setting.env)):
        target = setting.folder / f"forget-{i}.db"
        where = f"run {i} (killed at {killed.at:.2f} s)"
        tally.ran(killed)
        if (complaint := _check(crm, str(target))) is not None:
            tally.failures.append(f"{where}: {complaint}")
        outcome, off = _versus(counts(target), before, after)
        if outcome is None:
            tally.failures.append(f"{where}: a partial erasure, {off} rows off")
            tally.lost_rows += off
            outcome = "partial"
        elif outcome == "absent" and _her(target) != (name, address):
            tally.failures.append(f"{where}: she is there, but changed")
        tally.add({"absent": "still there", "present": "erased", "partial": "partial"}[outcome], killed)
        if outcome == "present":  # erased: not even in the file's bytes
            _checkpoint(target)
            if address.encode() in target.read_bytes():
                tally.failures.append(f"{where}: erased, but her email is still in the file's bytes")
        for path in (target, target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
            path.unlink(missing_ok=True)
    tally.report(capsys)
    assert not tally.failures
    assert tally.outcomes.get("still there", 0) >= 1  # the kills did land inside the command


def test_import_killed_on_postgresql_is_rolled_back_by_the_server(setting: Setting, pg_url: str, crm: Run,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """The client killed mid-import: the server sees the connection drop and rolls the transaction back."""
    from crmcli.storage.database import Database

    Database.open(pg_url).dispose()  # migrated, empty
    tally = Tally(f"crm import contacts of {ROWS:,} rows on PostgreSQL")
    for i, at in enumerate((2.0, 5.0)):
        [killed] = kill_all([(["--db", pg_url, "import", "contacts", str(setting.csv)], at, None)], setting.env)
        tally.ran(killed)
        db = Database.open(pg_url)
        try:  # the server may take a moment to notice the dropped connection and end its transaction
            for _ in range(100):
                with db.connect() as conn:
                    busy = conn.exec_driver_sql("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                                                "current_database() AND pid <> pg_backend_pid() "
                                                "AND state <> 'idle'").scalar()
                if not busy:
                    break
                time.sleep(0.1)
            with db.connect() as conn:
                n = int(conn.exec_driver_sql("SELECT count(*) FROM contact").scalar() or 0)
        finally:
            db.dispose()
        if (complaint := _check(crm, pg_url)) is not None:
            tally.failures.append(f"run {i}: {complaint}")
        if n not in (0, ROWS):
            tally.failures.append(f"run {i} (killed at {at:.1f} s): {n} contacts, a partial import")
            tally.lost_rows += min(n, ROWS - n)
        tally.add("absent" if n == 0 else "present" if n == ROWS else "partial")
        if n == ROWS:
            break  # it finished before the kill: nothing more to learn from a second run
    tally.report(capsys)
    assert not tally.failures


def test_kill_moments_cover_the_run_and_its_end() -> None:
    at = moments(10.0, 20, seed=1)
    assert len(at) == 20 and at == sorted(at)
    assert sum(t < 8.5 for t in at) == 15 and sum(8.5 <= t for t in at) == 5 and max(at) <= 11.5
    assert sum(t > 10.0 for t in at) >= 1  # some just after the end
    assert all(t2 - t1 < 1.2 for t1, t2 in zip(at, at[1:]))  # no stretch of the run left out

