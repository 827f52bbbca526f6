"""Wait until a running app shows what its workers brought: for the tests, the snapshots, the
README's screenshot and the benchmarks, which must all see the same settled screen."""

from __future__ import annotations

from typing import Any


async def settle(app: Any, pilot: Any) -> None:
    """The workers have answered, their results are drawn, and every table has sized its columns."""
    await pilot.pause(0.05)
    await app.workers.wait_for_complete()
    await pilot.pause(0.05)
    await app.workers.wait_for_complete()
    await pilot.pause()
    await measured(app, pilot)


async def measured(app: Any, pilot: Any) -> None:
    """A DataTable sizes its columns on its next idle after rows arrive; until then it draws them at
    the width of their headings. A picture taken in between is a coin toss, so wait (boundedly)."""
    from textual.widgets import DataTable

    for _ in range(50):
        if not any(t._require_update_dimensions or t._new_rows for t in app.screen.query(DataTable)):
            return
        await pilot.pause(0.01)
