"""The `crm` console script. `crm --version` answers here without loading the CLI framework:
scripts and monitoring call it often, and it needs nothing but the version string."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] in (["--version"], ["-V"]):
        from crmcli import __version__

        sys.stdout.write(f"crm {__version__}\n")
        return
    from crmcli.startup import pause_collector

    pause_collector()  # until the database is open: see crmcli.startup
    from crmcli.cli.main import run

    run()
