"""`crm db backup` while crm writes: each copy is a whole, consistent snapshot. Beside a `crm log`
loop and an import loop (tests/proofs/writers.py), a loop of `crm db backup` processes and one of
backups through crm's entry point (in its driver's process) make copy after copy. Every copy then
passes SQLite's integrity check and `crm db check`, every interaction in it has its links, every
import is in it whole or not at all, it holds every note logged before it began and none logged
after it ended, and a copy begun after another ended holds at least as much."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

WRITERS = Path(__file__).with_name("writers.py")
SECONDS = 6.0
IMPORT_ROWS = 2000


def _loop(kind: str, target: str, folder: Path, *options: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, str(WRITERS), kind, "--db", target, "--seconds", str(SECONDS),
                             "--out", str(folder / f"{kind}.json"), "--folder", str(folder), *options],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=os.environ.copy())


def _commands(folder: Path, kind: str) -> list[dict[str, Any]]:
    return list(json.loads((folder / f"{kind}.json").read_text(encoding="utf-8"))["commands"])


def _read(path: Path, sql: str) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_backups_taken_while_crm_writes_are_whole_consistent_snapshots(tmp_path: Path, ok: Any) -> None:
    from crmcli.core import clock, sample
    from crmcli.storage.database import Database

    path = tmp_path / "crm.db"
    db = Database.open(str(path))
    with db.connect(write=True) as conn:  # a few MB: a copy takes a while, and writes come meanwhile
        sample.generate(conn, sample.DEMO, now=clock.utc_now())
    db.dispose()
    folder = tmp_path / "run"
    folder.mkdir()
    loops = [_loop("log", str(path), folder, "--contacts", "1,2,3", "--inline"),
             _loop("import", str(path), folder, "--rows", str(IMPORT_ROWS)),
             _loop("backup", str(path), folder, "--inline")]
    try:
        for loop in loops:
            assert loop.wait(timeout=180) == 0, loop.stderr.read().decode() if loop.stderr else ""
    finally:
        for loop in loops:
            if loop.poll() is None:
                loop.kill()
                loop.wait()
    logs = [c for c in _commands(folder, "log") if c["rc"] == 0]
    imports = [c for c in _commands(folder, "import") if c["rc"] == 0]
    backups = _commands(folder, "backup")
    failed = [(c["args"], c["stderr"]) for kind in ("log", "import", "backup") for c in _commands(folder, kind)
              if c["rc"] != 0]
    assert not failed, failed

    counts: list[tuple[int, int]] = []
    for backup in sorted(backups, key=lambda c: c["began"]):
        copy = Path(backup["file"])
        assert _read(copy, "PRAGMA integrity_check") == [("ok",)], copy
        checked = ok("--db", str(copy), "db", "check")  # crm's own: foreign keys, search index, copies in step
        assert checked.stdout == "", checked.stdout
        assert _read(copy, "SELECT count(*) FROM interaction i WHERE NOT EXISTS "
                           "(SELECT 1 FROM interaction_contact ic WHERE ic.interaction_id = i.id)") == [(0,)]
        bodies = {body for (body,) in _read(copy, "SELECT body FROM interaction WHERE body LIKE 'w log %'")}
        # A snapshot of one moment inside the backup's run: what was done before it began is in it,
        # what began after it ended is not.
        before = {c["body"] for c in logs if c["ended"] < backup["began"]}
        after = {c["body"] for c in logs if c["began"] > backup["ended"]}
        assert before <= bodies and not bodies & after, (sorted(before - bodies), sorted(bodies & after))
        emails = _read(copy, "SELECT address FROM contact_email WHERE address LIKE 'w-%@import.example'")
        per_import: dict[str, int] = {}
        for (address,) in emails:
            prefix = address.rsplit("-", 1)[0] + "-"
            per_import[prefix] = per_import.get(prefix, 0) + 1
        assert set(per_import.values()) <= {IMPORT_ROWS}, per_import  # an import is all in or not at all
        for c in imports:
            if c["ended"] < backup["began"]:
                assert per_import.get(c["prefix"]) == IMPORT_ROWS
        counts.append((len(bodies), len(emails)))
    # Each copy begun after the one before ended holds at least as much: nothing goes missing.
    ordered = sorted(backups, key=lambda c: c["began"])
    for (earlier, was), (later, now) in zip(zip(ordered, counts), zip(ordered[1:], counts[1:])):
        if later["began"] > earlier["ended"]:
            assert now[0] >= was[0] and now[1] >= was[1], (earlier["file"], was, later["file"], now)
    assert len(backups) >= 2 and logs and imports
    print(f"\nbackups under writers: {len(backups)} copies (each {min(c['seconds'] for c in backups):.1f}-"
          f"{max(c['seconds'] for c in backups):.1f} s, {Path(backups[-1]['file']).stat().st_size / 1e6:.1f} MB) "
          f"while {len(logs)} logs and {len(imports)} imports of {IMPORT_ROWS} contacts landed; notes per copy "
          f"{[n for n, _ in counts]}, imported contacts per copy {[m for _, m in counts]}; all consistent")
