"""`crm log` on a team's PostgreSQL server over loopback against the same command on SQLite
(the team-mode issue's target: ≤ 1.3), medians of interleaved runs.

A throwaway PostgreSQL server is started as in the tests (tests/pg.py: initdb as the `postgres`
system user when run as root, a free loopback port, stopped at the end). The SQLite side is a copy of
a generated dataset (default: a tenth of the full one, `--scale`), and `crm db copy` puts the same
rows on the server, so both answer the same command on the same data.

    python bench/pg_log.py [--scale 0.1] [--runs 15]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

from generate import DATA_DIR as DATA  # noqa: E402
from run import CRM, PYTHON, Figure, command, measure  # noqa: E402
from tests import pg  # noqa: E402


def dataset(scale: float) -> Path:
    place = DATA / f"pg-log-{scale}.db"
    if not place.exists():
        subprocess.run([PYTHON, str(BENCH / "generate.py"), "--scale", str(scale), "--out", str(place)], check=True)
        subprocess.run([CRM, "--db", str(place), "db", "migrate"], check=True, stdout=subprocess.DEVNULL)
    return place


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    source = dataset(args.scale)
    local = DATA / "pg-log-work.db"
    shutil.copy(source, local)
    servers = pg.server()
    url = next(servers)
    if url is None:
        raise SystemExit("PostgreSQL's server binaries are not installed (/usr/lib/postgresql/*/bin)")
    try:
        subprocess.run([CRM, "--db", str(local), "db", "copy", url], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)

        def log(target: str) -> list[str] | object:
            return lambda n: [CRM, "--db", target, "log", "1", f"Bench call {n} about the quote"]

        figure = Figure("crm log 1 ... (PostgreSQL over loopback / SQLite)", command(log(url)), 1.3,
                        floor=command(log(str(local))))
        result = measure(figure, args.runs)
        print(f"{figure.name}: {result.candidate * 1000:.0f} ms against {(result.floor or 0) * 1000:.0f} ms, "
              f"ratio {result.ratio:.2f} (target {figure.target}) {'ok' if result.ok else 'OVER'}")
        return 0 if result.ok else 1
    finally:
        for _ in servers:  # the generator's cleanup stops the server and removes its folder
            pass


if __name__ == "__main__":
    raise SystemExit(main())
