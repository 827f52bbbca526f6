"""The progress bar of long imports: on stderr while a person watches (stderr is a terminal), never
in a pipe, a file or cron. It measures the bytes of the file read so far against its size, so it
needs no first pass to count rows; from stdin or a folder there is no end to measure against, and it
shows the rows read so far. It is cleared when the import ends, leaving the summary line alone."""

from __future__ import annotations

import os
import sys
import time
from typing import IO, Any

EVERY_SECONDS = 0.1  # a redraw at most this often: a bar must not slow the import it shows


class ImportProgress:
    def __init__(self, stream: IO[str] | None, *, console: Any = None, unit: str = "rows") -> None:
        self._bar: Any = None
        self._last = 0.0
        if console is None and not sys.stderr.isatty():
            return
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

        self._buffer = getattr(stream, "buffer", None)
        total = self._size(stream)
        columns = [TextColumn("importing: {task.fields[rows]:,} " + unit)]  # rows, or messages of a mailbox
        if total is not None:
            columns += [BarColumn(), TaskProgressColumn(), TimeRemainingColumn()]
        self._bar = Progress(*columns, console=console or Console(stderr=True), transient=True)
        self._task = self._bar.add_task("import", total=total, rows=0)
        self._bar.start()

    def _size(self, stream: IO[str] | None) -> int | None:
        """The file's size in bytes, when it is a file (not stdin's pipe) and its position can be told."""
        try:
            if stream is None or self._buffer is None or stream is sys.stdin or not os.path.isfile(stream.name):
                return None
            self._buffer.tell()
            return os.fstat(stream.fileno()).st_size or None
        except (AttributeError, OSError, ValueError):
            return None

    def __call__(self, rows: int) -> None:
        if self._bar is None:
            return
        now = time.monotonic()
        if now - self._last < EVERY_SECONDS:
            return
        self._last = now
        done = self._buffer.tell() if self._bar.tasks[0].total is not None else None
        self._bar.update(self._task, completed=done, rows=rows)
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
