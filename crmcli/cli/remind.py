"""`crm remind`: for cron, every morning. Silent (and exit 0) when nothing is due."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from crmcli.cli import state
from crmcli.cli.options import Format, FormatOpt, one_output
from crmcli.cli.segment_option import SegmentOpt, members

if TYPE_CHECKING:
    from crmcli.core.agenda import Agenda

app = typer.Typer(add_completion=False)


@app.command("remind")
def remind(
    ctx: typer.Context,
    as_of: Annotated[str | None, typer.Option("--as-of", metavar="WHEN", help="Judge as of this day or time "
                                                                              "(default: now).")] = None,
    within: Annotated[str, typer.Option("--within", metavar="TIME", help="Also what falls due this long after "
                                                                         "today ('1d' = tomorrow too).")] = "0d",
    fmt: FormatOpt = Format.table,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print the ids of the follow-ups due, one per "
                                                              "line (for xargs).", callback=one_output)] = False,
    notify: Annotated[bool, typer.Option("--notify", help="Also a desktop notification (notify-send), when "
                                                          "there is a display.")] = False,
    mine: Annotated[bool, typer.Option("--mine", help="Only your follow-ups, cases and contacts' cadences (what "
                                                      "nobody owns is left out; crm whoami says who you are).")]
    = False,
    segment: SegmentOpt = None,
) -> None:
    """What to do today: overdue and due follow-ups, service cases near or past a deadline, and
    contacts due on their cadence.

    The table form is short and grouped, and silent when nothing is due (cron mails any output);
    the machine formats are always well-formed (`[]` in JSON)."""
    from crmcli.core import clock, followups
    from crmcli.core.agenda import agenda

    context = state.context(ctx)
    as_of_now = clock.resolve_as_of(as_of, context.local_now())
    days = followups.within_days(within)
    owner = context.me() if mine else None
    hours = context.settings.business_hours
    if segment is None:
        with context.database.connect() as conn:
            found = agenda(conn, as_of_now, days, owner=owner, cases=True, hours=hours)
    else:  # the segment's follow-ups, cases and cadences, its dates read as of the day judged
        with context.database.session() as session:
            found = agenda(session.connection(), as_of_now, days, owner=owner, cases=True, hours=hours,
                           segment=members(session, segment, context, as_of_now))
    if quiet:
        # Keep-in-touch items carry no follow-up id: ids for xargs must mean one thing.
        sys.stdout.writelines(f"{item.follow_up_id}\n" for item in found.items if item.follow_up_id is not None)
    elif fmt is not Format.table:
        from crmcli.io import formats

        formats.write(found.rows(), fmt.value, sys.stdout)
    elif found:  # cron mails any output: nothing due, nothing said
        sys.stdout.write(render(found))
    if notify and found:
        _notify(found)


def render(found: "Agenda") -> str:
    """Grouped and short, for a mail from cron (names and titles shown, not obeyed)."""
    from crmcli.core.text import counted

    titles = {"overdue": "Overdue", "due": "Due", "cases": "Cases", "keep in touch": "Keep in touch"}
    blocks: list[str] = []
    zone = found.as_of.tzinfo
    for section, group in zip(titles, (found.overdue, found.due, found.cases, found.keep_in_touch)):
        if not group:
            continue
        lines = [f"{titles[section]} ({len(group)})"]
        for item in group:
            if item.due is None:
                lines.append(f"  {item.contact}: {item.what}, {counted(item.days, 'day')} over")
            elif item.case_id is not None:
                lines.append(f"  case #{item.case_id} {item.due.shown(zone)}  {item.contact}: {item.what}")
            else:
                late = f" ({counted(item.days, 'day')} late)" if section == "overdue" and item.days else ""
                lines.append(f"  #{item.follow_up_id} {item.due.shown(zone)}  "
                             f"{item.contact}: {item.what}{late}")
        blocks.append("\n".join(lines))
    from crmcli.cli.table import printable

    return "\n".join(printable(line) for line in "\n\n".join(blocks).split("\n")) + "\n"


def _notify(found: "Agenda") -> None:
    """A desktop notification when one can be shown; otherwise nothing, not even a message."""
    if not (shutil.which("notify-send") and (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))):
        return
    overdue = len(found.overdue)
    summary = f"crm: {len(found.items)} to do" + (f", {overdue} overdue" if overdue else "")
    try:
        subprocess.run(["notify-send", "--app-name=crm", summary, render(found)[:500]], timeout=10, check=False,
                       capture_output=True)
    except (OSError, subprocess.SubprocessError):
        pass
