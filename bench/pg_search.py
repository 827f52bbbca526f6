"""`crm search` on a team's PostgreSQL server over loopback, in-process (the issue's targets on
1,000,000 interactions: a rare word ≤ 20 ms, a common word ≤ 100 ms), beside the same calls on SQLite.

A throwaway PostgreSQL server is started as in the tests (tests/pg.py: initdb as the `postgres`
system user when run as root, a free loopback port, stopped at the end), with `shared_buffers` set
(`--shared-buffers`, default 1GB, as a server given a few GB of memory would have: a common word's
search reads ~23,000 pages of the ~250 MB index table, which PostgreSQL's default of 128MB cannot
hold, so each search copies them in from the OS cache again; pass 128MB to see it). The data: the
generated dataset (run.py's, `--scale`), copied to a file of its own and migrated there once, then
`crm db copy` onto the server (at scale 1.0 about 3 minutes: the rows, then the search index made
once), then VACUUM ANALYZE, as autovacuum (off on the tests' server) would do.

The figures are run.py's search figures: the call `crm search` makes (`crmcli.core.search.search(conn,
QUERY, limit=20)`, its rows consumed) on one connection, one warm-up, the median of `--runs`.

    python bench/pg_search.py [--scale 1.0] [--runs 15] [--shared-buffers 1GB]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

import sqlalchemy as sa  # noqa: E402

from crmcli.storage.database import Database  # noqa: E402
from generate import DATA_DIR, DATASET_VERSION, ensure_dataset  # noqa: E402
from run import CRM, SEARCHES, Figure, call, measure, searching  # noqa: E402
from tests import pg  # noqa: E402

FIGURES = (*((label, text, "interaction", target) for label, text, target in SEARCHES),
           ("every type", "invoice", None, 0.100))


def source(scale: float) -> Path:
    """The dataset copied to a file of its own and migrated (once per dataset version)."""
    place = DATA_DIR / f"pg-search-{scale}-v{DATASET_VERSION}.db"
    if not place.exists():
        shutil.copy(ensure_dataset(scale), place)  # its mode too: 0600
    subprocess.run([CRM, "--db", str(place), "db", "migrate"], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    for backup in place.parent.glob(place.name + ".bak-v*"):
        backup.unlink()
    return place


def load(local: Path, url: str) -> str:
    started = time.perf_counter()
    subprocess.run([CRM, "--db", str(local), "db", "copy", url], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    copied = time.perf_counter() - started
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
        facts = conn.exec_driver_sql(
            "SELECT (SELECT count(*) FROM interaction), pg_size_pretty(pg_total_relation_size('interaction_fts')), "
            "current_setting('shared_buffers'), current_setting('server_version')").one()
        counting = sa.text("SELECT count(*) FROM interaction_fts WHERE doc @@ plainto_tsquery('simple', "
                           "crm_search_text(:t))")
        matching = [(text, conn.execute(counting, {"t": text}).scalar()) for _label, text, _target in SEARCHES]
    engine.dispose()
    words = ", ".join(f"{text!r} {n:,}" for text, n in matching)
    return (f"PostgreSQL {facts[3]}, shared_buffers {facts[2]}: {facts[0]:,} interactions copied in {copied:.0f} s "
            f"(with the index); interaction_fts {facts[1]}; interactions matching: {words}")


def timings(target: str, runs: int) -> list[float]:
    """Each figure's median in seconds, on the database at `target`."""
    db = Database.open(target)
    try:
        with db.connect() as conn:
            return [measure(Figure(label, call(searching(conn, text, only)), limit), runs).candidate
                    for label, text, only, limit in FIGURES]
    finally:
        db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--shared-buffers", default="1GB")
    args = parser.parse_args(argv)
    local = source(args.scale)
    servers = pg.server({"shared_buffers": args.shared_buffers})
    url = next(servers)
    if url is None:
        raise SystemExit("PostgreSQL's server binaries are not installed (/usr/lib/postgresql/*/bin)")
    try:
        print(load(local, url))
        on_postgres = timings(url, args.runs)
    finally:
        for _ in servers:  # the generator's cleanup stops the server and removes its folder
            pass
    on_sqlite = timings(str(local), args.runs)
    print(f"{'search (in-process, limit 20)':50} {'PostgreSQL':>10} {'SQLite':>8} {'target':>8}")
    within = 0
    for (label, text, only, limit), pg_s, sqlite_s in zip(FIGURES, on_postgres, on_sqlite):
        name = f"{label}: {text!r}" + (f" (--type {only})" if only else "")
        verdict = "ok" if pg_s <= limit else "OVER"
        within += pg_s <= limit
        print(f"{name:50} {pg_s * 1000:8.1f} ms {sqlite_s * 1000:5.1f} ms {limit * 1000:5.0f} ms  {verdict}")
    print(f"{within} of {len(FIGURES)} PostgreSQL figures within target ({args.runs} runs each, medians)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
