"""Build the deterministic benchmark database: scale x (100,000 contacts, 10,000 organisations,
1,000,000 interactions, 20,000 open follow-ups and as many done, 10,000 keep-in-touch cadences),
2,000 of those interactions on contact #1 on top of its share (the timeline benchmark).

    python bench/generate.py [--scale 1.0] [--out PATH]

Same generator as `crm demo` (crmcli.core.sample), anchored at a fixed date so every run
produces the same file. Data lands in bench/data/ (git-ignored).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from crmcli.core.sample import BENCH, Scale, generate
from crmcli.storage.database import Database

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
DATASET_VERSION = 6


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
        with db.connect(write=True) as conn:
            # The interaction inserts land at random places in three indexes (uid, occurred_at,
            # interaction_contact's key): SQLite's 2 MiB default page cache thrashes on them
            # (about 20 s more at scale 1.0, mostly system time). 256 MiB for this build only.
            conn.exec_driver_sql(f"PRAGMA cache_size = -{CACHE_KIB}")
            counts = generate(conn, scale_of(factor), now=NOW)
        with db.engine.connect() as conn:  # fold the WAL into the file: a self-contained copy
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.dispose()
    return counts, time.perf_counter() - started


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
