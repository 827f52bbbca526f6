"""Regenerate the README's TUI screenshot: the dashboard on the demo data, clock pinned, 120x40.

    python examples/tui_screenshot.py [OUT.svg]    # default: examples/tui-dashboard.svg
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().with_name("tui-dashboard.svg")
NOW = "2026-11-25T10:30:00Z"


async def shoot(db: Path, out: Path) -> None:
    from crmcli.context import open_context
    from crmcli.core import clock, sample
    from crmcli.tui.app import create_app
    from crmcli.tui.settle import settle

    context = open_context(str(db))
    with context.database.connect(write=True) as conn:
        sample.generate(conn, sample.DEMO, now=clock.utc_now())
    app = create_app(context, watch_seconds=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        app.save_screenshot(out.name, path=str(out.parent))
    context.close()


if __name__ == "__main__":
    os.environ.update({"CRMCLI_NOW": NOW, "TZ": "UTC"})
    for name in ("NO_COLOR", "COLUMNS", "LINES", "TEXTUAL"):  # the same picture whatever the shell has set
        os.environ.pop(name, None)
    out = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else OUT
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(shoot(Path(folder) / "demo.db", out))
    print(f"wrote {out}")
