"""`crm remind`: for cron, every morning. Silent (and exit 0) when nothing is due."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from typing import Annotated

import typer

from crmcli.cli import state
from crmcli.cli.options import Format, FormatOpt, one_output

app = typer.Typer(add_completion=False)


@app.command("remind")
def remind(
    as_of: Annotated[str | None, typer.Option("--as-of", metavar="WHEN", help="Judge as of this day or time "
                                                                              "(default: now).")] = None,
    within: Annotated[str, typer.Option("--within", metavar="TIME", help="Also what falls due this long after "
                                                                         "today ('1d' = tomorrow too).")] = "0d",
    fmt: FormatOpt = Format.table,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print the ids of the follow-ups due, one per "
                                                              "line (for xargs).", callback=one_output)] = False,
    notify: Annotated[bool, typer.Option("--notify", help="Also a desktop notification (notify-send), when "
                                                          "there is a display.")] = False,
) -> None:
    """What to do today: overdue and due follow-ups, and contacts due on their cadence.

    The table form is short and grouped, and silent when nothing is due (cron mails any output);
    the machine formats are always well-formed (`[]` in JSON)."""
    from crmcli.core import clock, dates, followups, reminders

    now = clock.local_now()
    if as_of:
        # A bare day means the start of that day, as when cron runs in the morning.
        now = dates.parse_since(as_of, now=now).astimezone(now.tzinfo)
    days = followups.within_days(within)
    window = followups.Window.around(now, within_days=days)
    with state.database().connect() as conn:
        rows = reminders.collect(conn, window)
    items = list(rows.rows)
    if quiet:
        # Keep-in-touch rows carry a contact id, not a follow-up id: ids for xargs must mean one thing.
        sys.stdout.writelines(f"{item[1]}\n" for item in items if item[0] != "keep in touch")
    elif fmt is not Format.table:
        from crmcli.io import formats

        rows.rows = items
        formats.write(rows, fmt.value, sys.stdout)
    elif items:  # cron mails any output: nothing due, nothing said
        sys.stdout.write(render(items))
    if notify and items:
        _notify(items)


def render(items: list[tuple]) -> str:  # type: ignore[type-arg]
    """Grouped and short, for a mail from cron (names and titles shown, not obeyed)."""
    from crmcli.core.reminders import SECTIONS
    from crmcli.core.text import counted

    titles = {"overdue": "Overdue", "due": "Due", "keep in touch": "Keep in touch"}
    blocks: list[str] = []
    for section in SECTIONS:
        group = [i for i in items if i[0] == section]
        if not group:
            continue
        lines = [f"{titles[section]} ({len(group)})"]
        for _, ref, _cid, contact, what, due, days in group:
            if section == "keep in touch":
                lines.append(f"  {contact}: {what}, {counted(days, 'day')} over")
            else:
                late = f" ({counted(days, 'day')} late)" if section == "overdue" and days else ""
                lines.append(f"  #{ref} {due}  {contact}: {what}{late}")
        blocks.append("\n".join(lines))
    from crmcli.cli.table import printable

    return "\n".join(printable(line) for line in "\n\n".join(blocks).split("\n")) + "\n"


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
