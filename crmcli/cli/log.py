"""`crm log`: one line in the shell, one interaction on the timeline of every contact it names."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.cli import state
from crmcli.cli.output import added

app = typer.Typer(add_completion=False)


@app.command("log")
def log(
    ctx: typer.Context,
    args: Annotated[list[str] | None, typer.Argument(metavar="CONTACT... [TEXT]",
                                                     help="One or more contacts, then the text ('-' reads stdin). "
                                                          "With a single argument the text comes from $EDITOR. "
                                                          "With --eml: the mail's file ('-' or none: stdin).")]
    = None,
    kind: Annotated[str | None, typer.Option("--kind", "-k", metavar="KIND",
                                             help="call, email, meeting, message, note (default: config "
                                                  "default_kind).")] = None,
    direction: Annotated[str | None, typer.Option("--direction", "-d", metavar="in|out",
                                                  help="For calls, emails and messages.")] = None,
    at: Annotated[str | None, typer.Option("--at", metavar="WHEN",
                                           help="When it happened: 'yesterday 3pm', 'fri', '2026-11-20 10:00' "
                                                "(default: now).")] = None,
    future: Annotated[bool, typer.Option("--future", help="Allow --at in the future (a meeting logged "
                                                          "ahead).")] = False,
    follow_up: Annotated[str | None, typer.Option("--follow-up", metavar="WHEN: WHAT",
                                                  help="Also add a follow-up (yours): 'fri: send the revised quote'.")]
    = None,
    use_editor: Annotated[bool, typer.Option("--edit", "-e", help="Write the text in $EDITOR; every argument "
                                                                  "is then a contact.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print the new id only.")] = False,
    eml: Annotated[bool, typer.Option("--eml", help="Log a mail (RFC 5322, as mail clients pipe or save it) on the "
                                                    "timeline of every contact it names: from FILE, or stdin.")]
    = False,
    create: Annotated[bool, typer.Option("--create", help="With --eml: an address no contact has becomes a "
                                                          "contact (else it is skipped).")] = False,
    campaign: Annotated[str | None, typer.Option("--campaign", metavar="CAMPAIGN",
                                                 help="It belongs to this campaign; records each contact's response "
                                                      "(see --response).")] = None,
    response: Annotated[str | None, typer.Option("--response", metavar="RESPONSE",
                                                 help="With --campaign: replied, meeting, unsubscribed or bounced "
                                                      "(default: meeting for a meeting, none for an outgoing one, "
                                                      "else replied).")] = None,
) -> None:
    """Log a call, email, meeting, message or note with one or more contacts; or a mail (--eml)."""
    from crmcli.cli.options import exclusive, needs

    needs(ctx, "future", "at")
    needs(ctx, "create", "eml")
    needs(ctx, "response", "campaign")
    if eml:
        for other in ("kind", "direction", "at", "follow_up", "use_editor", "campaign"):
            exclusive(ctx, "eml", other)
        from crmcli.cli.log_mail import log_one

        log_one(ctx, args or [], create=create, quiet=quiet)
        return
    if not args:
        from crmcli.errors import UsageProblem

        raise UsageProblem("log needs a contact, then the text (or --eml to log a mail)")
    from crmcli.cli.editor import obtain
    from crmcli.core import contacts, interactions

    refs, text = (args, None) if use_editor or len(args) == 1 else (args[:-1], args[-1])
    context = state.context(ctx)
    settings = context.settings
    kinds = interactions.Kinds(settings.log_kinds, settings.default_kind)
    chosen = kinds.check(kind)
    interactions.check_direction(chosen, direction)
    if response is not None:  # refused before the editor opens
        from crmcli.core import campaigns

        campaigns.check_kind(response)
    when = None
    if at is not None:
        from crmcli.core import dates

        when = dates.parse_moment(at, now=context.local_now(), lean="past")
    todo = None
    if follow_up is not None:
        from crmcli.core import followups

        todo = followups.Planned.parse(follow_up, now=context.local_now())
    db = context.database
    if text is None or text == "-":
        # Resolve before the editor or stdin: a typo must not cost the text typed in.
        with db.session() as session:
            found = [contacts.resolve(session, ref) for ref in refs]
            if campaign is not None:
                from crmcli.core import campaigns

                campaign = str(campaigns.get(session, campaign).id)
        refs = [str(c.id) for c in found]
        text = obtain(text, what=f"{chosen} with {', '.join(c.name for c in found)}", use_editor=use_editor)
    with db.session(write=True) as session:
        people = [contacts.resolve(session, ref) for ref in refs]
        logged = interactions.log_with_follow_up(session, people, text, kind=chosen, direction=direction,
                                                 occurred_at=when, future=future, follow_up=todo, me=context.me,
                                                 campaign=campaign, response=response)
        names = ", ".join(p.name for p in people)  # as typed: a contact named twice is said twice
        if logged.campaign is not None:
            names += f" for campaign {logged.campaign}" + (f" ({logged.response})" if logged.response else "")
    added(logged.interaction_id, f"{logged.kind} #{logged.interaction_id} with {names}", quiet=quiet, verb="logged")
    if logged.follow_up is not None:
        from crmcli.cli.output import note as say

        item = logged.follow_up
        say(f"added follow-up #{item.id} for {item.contact}, due {item.due.shown()}")
        if warning := contacts.left_out_of_reminders(people[0]):
            say(warning)
