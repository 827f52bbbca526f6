"""Start-up without the cyclic garbage collector.

Starting a command imports SQLAlchemy, pydantic, SQLModel and the tables: hundreds of thousands of
objects, every one of which lives until the process ends. The collector keeps walking them all
(each full collection more of them) and finds nothing to free: a fifth of `crm remind`'s own time.
So it is off from the console script's first line until the database is open, by when the imports
are done; then what exists is frozen (never walked again) and the collector is back on, for the
long runs (an import of 10,000 mails, the TUI) that do make cyclic garbage.
"""

from __future__ import annotations

import gc

_paused = False


def pause_collector() -> None:
    """Called first by the console script; nowhere else (a test process keeps its own settings)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume_collector() -> None:
    """Start-up is over: freeze what it made, collect again. Only undoes pause_collector."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
