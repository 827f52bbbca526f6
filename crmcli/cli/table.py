"""Plain terminal rendering for the table view and record cards: aligned columns, a bold header
when colour is on, nothing else. Hand-made rather than rich: the widths are fitted here anyway,
and importing rich costs ~45 ms on every listing (measured on `crm timeline`)."""

from __future__ import annotations

import os
import re
import shutil
import sys
import unicodedata
from typing import Sequence

from crmcli.core.text import printable

GAP = "  "
ELLIPSIS = "…"
_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"
_HIGHLIGHT = re.compile(r"\*\*(.+?)\*\*")


def colour() -> bool:
    """Colour only for a person at a terminal: never with NO_COLOR, TERM=dumb, or into a pipe."""
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def width() -> int:
    """The terminal's width; in a pipe or a file a table is not squeezed (COLUMNS still wins)."""
    if os.environ.get("COLUMNS", "").isdigit():
        return int(os.environ["COLUMNS"])
    return shutil.get_terminal_size((160, 24)).columns if sys.stdout.isatty() else 160


def cell_width(text: str) -> int:
    """Columns a text takes on screen: wide East Asian characters take two, combining marks none."""
    total = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        total += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    return total


def fit(text: str, size: int, *, right: bool = False) -> str:
    """Pad to exactly `size` columns, cutting with an ellipsis when too long."""
    if cell_width(text) > size:
        cut, used = [], 0
        for ch in text:
            w = cell_width(ch)
            if used + w > size - 1:
                break
            cut.append(ch)
            used += w
        text = "".join(cut) + ELLIPSIS
    pad = " " * (size - cell_width(text))
    return pad + text if right else text + pad


# The text people read most: the other columns give way to these first.
READING = frozenset({"body", "snippet", "name", "title"})


def fit_widths(headers: Sequence[str], cells: list[list[str]], available: int, keep: set[str]) -> list[int]:
    """Column widths that fit `available`: the widest columns give way first, the reading columns
    (body, snippet...) only once the others are narrow, and `keep` columns never."""
    widths = [max([cell_width(h)] + [cell_width(line[i]) for line in cells]) for i, h in enumerate(headers)]
    for floor, spared in ((16, READING), (8, frozenset())):
        while sum(widths) > available:
            candidates = [i for i, h in enumerate(headers)
                          if h not in keep and h not in spared and widths[i] > max(floor, cell_width(h))]
            if not candidates:
                break
            widest = max(candidates, key=lambda i: widths[i])
            widths[widest] -= 1
    return widths


def _emphasise(line: str, on: bool) -> str:
    """`**word**` (search snippets) becomes bold on a colour terminal; plain text keeps the stars."""
    return _HIGHLIGHT.sub(lambda m: f"{_BOLD}{m.group(1)}{_RESET}", line) if on else line


def render_table(headers: Sequence[str], cells: list[list[str]], *, right: frozenset[str] = frozenset({"id"}),
                 keep: set[str] | frozenset[str] = frozenset({"id"})) -> str:
    on = colour()
    cells = [[printable(c) for c in row] for row in cells]
    widths = fit_widths(headers, cells, width() - len(GAP) * (len(headers) - 1), keep=set(keep))
    head = GAP.join(fit(h, w, right=h in right) for h, w in zip(headers, widths)).rstrip()
    lines = [f"{_BOLD}{head}{_RESET}" if on else head]
    for row in cells:
        line = GAP.join(fit(c, w, right=h in right) for h, c, w in zip(headers, row, widths)).rstrip()
        lines.append(_emphasise(line, on))
    return "\n".join(lines) + "\n"


def render_card(title: str, fields: Sequence[tuple[str, str]], sections: Sequence[tuple[str, list[str]]]) -> str:
    on = colour()
    bold = (lambda s: f"{_BOLD}{s}{_RESET}") if on else (lambda s: s)
    dim = (lambda s: f"{_DIM}{s}{_RESET}") if on else (lambda s: s)
    lines = [bold(printable(title))]
    shown = [(k, v) for k, v in fields if v not in (None, "")]
    key_width = max((cell_width(k) for k, _ in shown), default=0)
    lines += [f"{dim(fit(k, key_width))}  {printable(v)}" for k, v in shown]
    for heading, items in sections:
        if items:
            lines.append(bold(heading))
            lines += [f"  {printable(item)}" for item in items]
    return "\n".join(lines) + "\n"


_EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(value: float, maximum: float, size: int) -> str:
    """A plain text bar of `value` against `maximum` in `size` columns, to an eighth of a column
    (`████▌`): a bar chart inside a table, no graphics needed."""
    if maximum <= 0 or value <= 0:
        return ""
    eighths = max(1, round(8 * size * min(value, maximum) / maximum))
    whole, part = divmod(eighths, 8)
    return "█" * whole + (_EIGHTHS[part] if part else "")
