"""Build the deterministic benchmark database: scale x (100,000 contacts, 10,000 organisations,
1,000,000 interactions, 20,000 open follow-ups and as many done, 10,000 keep-in-touch cadences,
5,000 open service cases), 2,000 of those interactions on contact #1 on top of its share (the
timeline benchmark).

    python bench/generate.py [--scale 1.0] [--out PATH]

Same generator as `crm demo` (crmcli.core.sample), anchored at a fixed date so every run
produces the same file. Data lands in bench/data/ (git-ignored).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from crmcli.core.sample import BENCH, Scale, generate
from crmcli.storage.database import Database

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

DATA_DIR = Path(__file__).resolve().parent / "data"
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)
CACHE_KIB = 256 * 1024


def scale_of(factor: float) -> Scale:
    """Every count times `factor`, except contact #1's extra interactions: 2,000 at any scale
    (the timeline benchmark pages through them), but never more than half of all interactions."""
    def scaled(n: int) -> int:
        return max(1, round(n * factor))

    interactions = scaled(BENCH.interactions)
    return Scale(contacts=scaled(BENCH.contacts), orgs=scaled(BENCH.orgs), interactions=interactions,
                 heavy_contact=min(BENCH.heavy_contact, interactions // 2), follow_ups=scaled(BENCH.follow_ups),
                 cadences=scaled(BENCH.cadences), deals=scaled(BENCH.deals),
                 stage_changes=scaled(BENCH.stage_changes))


# Bumped whenever the generator's output changes, so that an older dataset is never reused.
DATASET_VERSION = 7
OPEN_CASES = 5_000  # at scale 1.0: the cases `crm remind` reads (its Cases section)
CASE_MIX = {"status": (("new", 3), ("open", 11), ("waiting", 6)),
            "priority": (("low", 2), ("normal", 5), ("high", 2), ("urgent", 1)),
            "kind": (("request", 4), ("question", 3), ("complaint", 2), ("incident", 1))}


def default_path(factor: float) -> Path:
    return DATA_DIR / f"crm-{factor}-v{DATASET_VERSION}.db"


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def build(factor: float, out: Path) -> tuple[dict[str, int], float]:
    """Write a fresh dataset at `out` (replacing any file there); returns (counts, seconds)."""
    _remove(out)
    started = time.perf_counter()
    db = Database.open(str(out))
    try:
        # Not audited: the dataset is data, not a history of commands (1.2 million audit rows otherwise).
        with db.connect(write=True, audit=False) as conn:
            # The interaction inserts land at random places in three indexes (uid, occurred_at,
            # interaction_contact's key): SQLite's 2 MiB default page cache thrashes on them
            # (about 20 s more at scale 1.0, mostly system time). 256 MiB for this build only.
            conn.exec_driver_sql(f"PRAGMA cache_size = -{CACHE_KIB}")
            counts = generate(conn, scale_of(factor), now=NOW)
            counts["open cases"] = add_open_cases(conn, max(1, round(OPEN_CASES * factor)), NOW)
        with db.engine.connect() as conn:  # fold the WAL into the file: a self-contained copy
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.dispose()
    return counts, time.perf_counter() - started


def add_open_cases(conn: Connection, count: int, now: datetime, seed: int = 14) -> int:
    """`count` open service cases (new, open or waiting, CASE_MIX) on random contacts, opened a few
    days before `now` (exponentially: most within 3 days, a tail of weeks), their deadlines by the
    default policy with every hour counting: at `now` some are past a deadline, some near one, most
    not yet. Each has its opening and its move (open, waiting) in the status history."""
    import sqlalchemy as sa

    from crmcli.core.cases import CasePolicy
    from crmcli.core.models import CASE_STATUS_CHANGE, ServiceCase

    rng = random.Random(seed)
    policy = CasePolicy()
    contacts = int(conn.exec_driver_sql("SELECT max(id) FROM contact").scalar_one())

    def pick(mix: str) -> str:
        names, weights = zip(*CASE_MIX[mix])
        return rng.choices(names, weights)[0]

    first = int(conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM service_case").scalar_one()) + 1
    cases, changes = [], []
    for case_id in range(first, first + count):
        opened = now - timedelta(hours=min(rng.expovariate(1 / 72), 60 * 24), seconds=rng.randint(0, 3599))
        priority, status, kind = pick("priority"), pick("status"), pick("kind")
        response_due, resolve_due = policy.due(opened, priority)
        moved = opened + timedelta(minutes=rng.randint(5, max(6, int((now - opened).total_seconds() // 60))))
        cases.append({"id": case_id, "uid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                      "contact_id": rng.randint(1, contacts), "deal_id": None,
                      "title": f"{kind.capitalize()} about order {rng.randint(1000, 99999)}", "kind": kind, "priority": priority, "status": status, "owner": None,
                      "opened_at": opened, "first_response_at": None if status == "new" else moved,
                      "resolved_at": None, "closed_at": None, "waiting_since": moved if status == "waiting" else None,
                      "response_due_at": response_due, "resolve_due_at": resolve_due, "created_at": opened,
                      "updated_at": opened if status == "new" else moved, "version": 1})
        changes.append({"case_id": case_id, "from_status": None, "to_status": "new", "changed_at": opened})
        if status != "new":
            changes.append({"case_id": case_id, "from_status": "new", "to_status": status, "changed_at": moved})
    conn.execute(sa.insert(ServiceCase.__table__), cases)  # type: ignore[attr-defined]
    conn.execute(sa.insert(CASE_STATUS_CHANGE), changes)
    return count


def report(out: Path, counts: dict[str, int], seconds: float) -> None:
    summary = ", ".join(f"{n:,} {label}" for label, n in counts.items())
    print(f"{out}: {summary} in {seconds:.1f} s", file=sys.stderr)


def ensure_dataset(factor: float = 1.0) -> Path:
    """The dataset at the default path for `factor`, generated only if it is not there yet."""
    path = default_path(factor)
    if not path.exists():
        report(path, *build(factor, path))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiplier of 100,000 contacts (default 1.0)")
    parser.add_argument("--out", type=Path, help="database file (default bench/data/crm-<scale>.db)")
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be positive")
    out = args.out or default_path(args.scale)
    report(out, *build(args.scale, out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
