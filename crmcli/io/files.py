"""Writing a file whole or not at all: a temp file beside the target, renamed over it when complete,
so a reader (a calendar app, crm itself) never sees half a file, and a failure leaves the old one."""

from __future__ import annotations

import os
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Iterator


@contextmanager
def replacing(path: Path, *, keep_mode: bool = True) -> Iterator[Path]:
    """A temp file beside `path` to fill in the block; renamed over `path` when the block ends, removed
    when it raises. The result is private (0600, as crm's data is), or keeps an existing file's mode
    with `keep_mode`. Raises OSError as the system gives it."""
    mode = stat.S_IMODE(path.stat().st_mode) if keep_mode and path.exists() else None
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # mode 0600
    os.close(fd)
    temp = Path(name)
    try:
        yield temp
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_atomically(path: Path, data: bytes) -> None:
    """`data` as the whole of `path` (flushed to disk before the rename); one line if it cannot be."""
    with writing(path) as out:
        out.write(data)


@contextmanager
def writing(path: Path, *, text: bool = False, private: bool = False) -> Iterator[IO[Any]]:
    """An open file that becomes the whole of `path` when the block ends (flushed to disk, then
    renamed over it), so a large export streams to disk yet never leaves half a file. `text`: UTF-8,
    line ends exactly as written (CSV's CRLF stays CRLF). `private`: 0600 even where an existing
    file had another mode (one person's data). One line (CrmError) when the system refuses."""
    from crmcli.errors import CrmError

    how: dict[str, Any] = {"mode": "w", "encoding": "utf-8", "newline": ""} if text else {"mode": "wb"}
    try:
        with replacing(path, keep_mode=not private) as temp, open(temp, **how) as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
    except OSError as err:
        raise CrmError(f"cannot write {path}: {err.strerror or err}") from None
