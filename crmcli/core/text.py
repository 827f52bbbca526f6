"""Text folding for lookups: case- and accent-insensitive, so `zoe oster` finds "Zoë Øster"."""

from __future__ import annotations

import re

from crmcli.storage.keys import fold  # noqa: F401 - the stored keys' form, owned by storage, re-exported


def like_pattern(fragment: str) -> str:
    """A LIKE pattern matching `fragment` anywhere, with LIKE's wildcards escaped (ESCAPE '\\')."""
    escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def decode_utf8(data: bytes, source: str) -> str:
    """Text read from a file or stdin, refused with the place of the first bad byte when it is not
    UTF-8. NUL is refused too: PostgreSQL cannot store it in text and many tools stop reading at it."""
    from crmcli.errors import Invalid

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line, column = _position(data, err.start)
        raise Invalid(f"{source} line {line}, column {column}: not valid UTF-8 (byte 0x{data[err.start]:02x}); "
                      "save it as UTF-8") from None
    if "\0" in text:
        line, column = _position(data, data.index(b"\0"))
        raise Invalid(f"{source} line {line}, column {column}: a NUL character, which crm does not store")
    return text


def _position(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of a byte offset."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", errors="replace")) + 1
    return data.count(b"\n", 0, offset) + 1, column


def check_argument(text: str, position: int) -> None:
    """A command-line argument must be UTF-8 (Python keeps undecodable bytes as lone surrogates)."""
    from crmcli.errors import Invalid

    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raw = text.encode("utf-8", errors="surrogateescape")
        raise Invalid(f"argument {position} ({raw!r}) is not valid UTF-8; check the terminal's or "
                      "the script's encoding") from None


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """`1 person`, `2 people`, `3 days`: a count with its noun in the right number."""
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


# Stored text is shown, never obeyed: an escape sequence in a logged email (`\033[31m`, a cursor move,
# a terminal title change) must not reach the terminal. Control characters become their visible
# Unicode "control pictures" (ESC -> ␛), a tab one space; C1 controls and bidirectional overrides,
# which can hide or reorder text, become U+FFFD, and so do the line and paragraph separators U+2028 and
# U+2029, which many readers (Python's splitlines, JavaScript) take as a line break: a message stays one
# line. Machine formats keep the stored text exactly.
_VISIBLE = {code: 0x2400 + code for code in range(0x20)} | {0x7F: 0x2421, 0x09: 0x20}
_VISIBLE |= {code: 0xFFFD for code in (*range(0x80, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A),
                                       0x2028, 0x2029)}
# Almost no stored text holds one: a search in C first spares translate's per-character lookups
# (a cron run's thousands of lines: 20 ms -> 2 ms).
_UNSAFE = re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(_VISIBLE)) + "]")


def quoted(text: str, limit: int = 60) -> str:
    """A value in a message, quoted as Python does (`'Ann'`); one longer than `limit` cut to its start
    (`'xxxx…'…`): a hostile file's 1 MB cell stays a short line."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + "…"


MESSAGE_LIMIT = 1_000  # characters of one message line; past it, the middle is left out


def shortened(line: str, limit: int = MESSAGE_LIMIT) -> str:
    """One line of a message cut in the middle when longer than `limit`: a hostile file's 1 MB value
    quoted in an error stays one line a person can read, its start and its end (what to do) kept."""
    if len(line) <= limit:
        return line
    head, tail = limit * 2 // 3, limit // 4
    return f"{line[:head]} … ({len(line) - head - tail:,} characters left out) … {line[-tail:]}"


def printable(text: str) -> str:
    """`text` safe to print on one line of a terminal (see _VISIBLE)."""
    return text.translate(_VISIBLE) if _UNSAFE.search(text) else text


def one_line(text: str) -> str:
    """A text with several lines on one line, each break shown as ⏎ (tables and lists)."""
    return " ⏎ ".join(line for line in text.splitlines() if line.strip()) if "\n" in text or "\r" in text else text

