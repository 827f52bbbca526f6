"""`crm remind`: for cron, every morning. Silent (and exit 0) when nothing is due."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from enum import Enum
from typing import Annotated

import typer

from crmcli.cli import state

app = typer.Typer(add_completion=False)


class RemindFormat(str, Enum):
    text = "text"
    csv = "csv"
    tsv = "tsv"
    json = "json"
    ndjson = "ndjson"


@app.command("remind")
def remind(
    as_of: Annotated[str | None, typer.Option("--as-of", metavar="WHEN", help="Judge as of this day or time "
                                                                              "(default: now).")] = None,
    within: Annotated[str, typer.Option("--within", metavar="TIME", help="Also what falls due this long after "
                                                                         "today ('1d' = tomorrow too).")] = "0d",
    fmt: Annotated[RemindFormat, typer.Option("--format", "-f", metavar="FORMAT",
                                              help="text (default, short and grouped), csv, tsv, json, ndjson.")]
    = RemindFormat.text,
    notify: Annotated[bool, typer.Option("--notify", help="Also a desktop notification (notify-send), when "
                                                          "there is a display.")] = False,
) -> None:
    """What to do today: overdue and due follow-ups, and contacts due on their cadence."""
    from crmcli.core import clock, dates, followups, reminders

    now = clock.local_now()
    moment = dates.parse(as_of, now=now, lean="past") if as_of else None
    if moment is not None:
        # A bare day means the start of that day, as when cron runs in the morning.
        now = moment.to_utc(now.tzinfo).astimezone(now.tzinfo)  # type: ignore[arg-type]
    days = _days(within)
    window = followups.Window.around(now, within_days=days)
    with state.database().connect() as conn:
        rows = reminders.collect(conn, window)
    items = list(rows.rows)
    if not items:
        return  # cron mails any output: nothing due, nothing said
    if fmt is RemindFormat.text:
        sys.stdout.write(render(items))
    else:
        from crmcli.io import formats

        rows.rows = items
        formats.write(rows, fmt.value, sys.stdout)
    if notify:
        _notify(items)


def _days(within: str) -> int:
    """--within as whole days after today: `1d` = tomorrow too, `1w` = the coming week."""
    from crmcli.core import dates
    from crmcli.errors import Invalid

    text = within.strip().lower()
    if text in ("0", "0d", "today"):
        return 0
    delta = dates.parse_duration(text)  # relativedelta: weeks are kept as days
    if delta.hours or delta.minutes:
        raise Invalid(f"--within counts whole days (1d, 2w, 1 month), not {within!r}")
    return delta.days + 30 * delta.months + 365 * delta.years


def render(items: list[tuple]) -> str:  # type: ignore[type-arg]
    """Grouped and short, for a mail from cron."""
    from crmcli.core.reminders import SECTIONS

    titles = {"overdue": "Overdue", "due": "Due", "keep in touch": "Keep in touch"}
    blocks: list[str] = []
    for section in SECTIONS:
        group = [i for i in items if i[0] == section]
        if not group:
            continue
        lines = [f"{titles[section]} ({len(group)})"]
        for _, ref, _cid, contact, what, due, days in group:
            if section == "keep in touch":
                lines.append(f"  {contact}: {what}, {days} day{'s' if days != 1 else ''} over")
            else:
                late = f" ({days} day{'s' if days != 1 else ''} late)" if section == "overdue" and days else ""
                lines.append(f"  #{ref} {due}  {contact}: {what}{late}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def _notify(items: list[tuple]) -> None:  # type: ignore[type-arg]
    """A desktop notification when one can be shown; otherwise nothing, not even a message."""
    if not (shutil.which("notify-send") and (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))):
        return
    overdue = sum(1 for i in items if i[0] == "overdue")
    summary = f"crm: {len(items)} to do" + (f", {overdue} overdue" if overdue else "")
    try:
        subprocess.run(["notify-send", "--app-name=crm", summary, render(items)[:500]], timeout=10, check=False,
                       capture_output=True)
    except (OSError, subprocess.SubprocessError):
        pass
