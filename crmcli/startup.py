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

_depth = 0  # pauses not yet resumed: the TUI's launch pauses again around textual's import
_ours = False  # the outermost pause turned the collector off (not someone before it)


def pause_collector() -> None:
    """The console script's first step, and the TUI's launch around its imports."""
    global _depth, _ours
    if _depth == 0:
        _ours = gc.isenabled()
        gc.disable()
    _depth += 1


def resume_collector() -> None:
    """One pause is over (a no-op where none was made); at the last, start-up is: what it made is
    frozen and the collector is on again, unless it was off before."""
    global _depth
    if _depth == 0:
        return
    _depth -= 1
    if _depth == 0 and _ours:
        gc.freeze()
        gc.enable()
