"""Writes more than one screen makes (the dashboard and the follow-ups view): one function each,
run in a worker, returning the line to show."""

from __future__ import annotations

from typing import Any


def complete(context: Any, follow_up_id: int, log: str | None) -> str:
    from crmcli.core import clock, followups

    kind = context.settings.default_kind if log else "call"
    with context.database.session(write=True) as session:
        item = followups.get(session, follow_up_id)
        following, entry = followups.complete(session, item, clock.local_zone(), log=log, kind=kind)
        said = f"done: follow-up #{item.id} {item.title}"
        if entry is not None:
            said += f"; logged {entry.kind} #{entry.id}"
        if following is not None:
            said += f"; next: follow-up #{following.id}"
    return said


def snooze(context: Any, follow_up_id: int, text: str) -> str:
    from crmcli.core import followups

    with context.database.session(write=True) as session:
        item = followups.snooze(session, followups.get(session, follow_up_id), text, now=context.local_now())
        return f"snoozed follow-up #{item.id} {item.title}"
