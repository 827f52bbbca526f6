"""Text from the user for a log entry or a note: an argument, stdin (`-`), or $EDITOR on a TTY.

Never an editor without a terminal: under cron, with stdin closed, a missing text is a clear error
rather than a hang."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile

from crmcli.errors import CrmError, UsageProblem

COMMENT = "#"


def obtain(text: str | None, *, what: str, initial: str = "", use_editor: bool = False) -> str:
    if text == "-":
        from crmcli.core.text import decode_utf8

        return decode_utf8(sys.stdin.buffer.read(), "stdin")
    if text is not None and not use_editor:
        return text
    if not interactive():
        raise UsageProblem(f"no text for the {what}: give it as an argument, or '-' to read it from stdin "
                           "($EDITOR opens only on a terminal)")
    return edit(initial, header=f"Write the {what} above. Lines starting with '{COMMENT}' are ignored; "
                               "an empty text cancels.")


def interactive() -> bool:
    """A person at a terminal (both ends): the only case where an editor may open."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def editor_command() -> list[str]:
    chosen = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    return shlex.split(chosen)


def edit(initial: str, *, header: str) -> str:
    with tempfile.NamedTemporaryFile("w+", suffix=".txt", prefix="crm-", encoding="utf-8", delete=False) as fh:
        fh.write(f"{initial}\n\n{COMMENT} {header}\n")
        path = fh.name
    try:
        try:
            done = subprocess.run([*editor_command(), path])
        except OSError as err:
            raise CrmError(f"cannot start the editor {editor_command()[0]!r}: {err.strerror}; set $EDITOR") from None
        if done.returncode != 0:
            raise CrmError(f"the editor exited with status {done.returncode}; nothing saved")
        from crmcli.core.text import decode_utf8

        with open(path, "rb") as fh:
            text = decode_utf8(fh.read(), "the edited text")
        lines = [line for line in text.splitlines() if not line.startswith(COMMENT)]
    finally:
        os.unlink(path)
    return "\n".join(lines).strip()
