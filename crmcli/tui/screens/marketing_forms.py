"""Segments' and campaigns' writes, forms and actions in the TUI: what `crm segments add|edit|rm` and
`crm campaigns add|edit|start|rm|members --add|respond` do, each one transaction through
core/segments.py or core/campaigns.py in a worker. The forms check as typed what needs no database
(names, tags, fields, dates, stages, channels, amounts) with the core's own functions and messages;
what needs it (an unknown organisation, segment or contact, a name already taken) is the core's
refusal on saving, shown in the form, and nothing is written. The segments-and-campaigns view and
a campaign's screen share the actions (`MarketingActions`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from crmcli.errors import Invalid
from crmcli.tui.screens.base import CrmScreen
from crmcli.tui.screens.forms import _items
from crmcli.tui.screens.prompt import Field, FormModal, PromptModal, _error

YES, NO = ("yes", "y", "true", "1"), ("no", "n", "false", "0", "")


def yes_no(text: str, what: str) -> bool:
    """A yes/no field: empty is no."""
    word = text.strip().lower()
    if word not in YES + NO:
        raise Invalid(f"{what}: answer yes or no, not {text.strip()!r}")
    return word in YES


# -- segments ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SegmentRequest:
    name: str
    typed: Any          # segments.Typed: the conditions as typed, the whole definition
    description: str


def _typed_segment(form: FormModal) -> SegmentRequest:
    """The segment form as the core's `Typed`, checked as far as the core can without the database."""
    from crmcli.core import dates, segments, validate

    context = form.context
    tags = tuple(validate.tag(t) for t in _items(form.value("tags")))
    any_tags = tuple(validate.tag(t) for t in _items(form.value("any_tags")))
    fields = tuple(_items(form.value("fields")))
    for raw in fields:
        validate.field(raw)
    times = {name: " ".join(form.value(name).split()) or None for name in ("last_contact_before", "last_contact_after")}
    for text in times.values():
        if text is not None:
            dates.parse_since(text, now=context.now())
    org = form.value("org").strip()
    stage = form.value("deal_stage").strip() or None
    if stage is not None:
        context.settings.stages.get(stage)  # unknown: the stages listed; an end stage: refused on saving
    owner = form.value("owner").strip()
    typed = segments.Typed(
        tags=tags, any_tags=any_tags, org=_known(form, org) or None, fields=fields,
        owner=_owner(context, owner) if owner else None, **times,
        never_contacted=yes_no(form.value("never_contacted"), "never contacted"),
        cadence_overdue=yes_no(form.value("cadence_overdue"), "past cadence"), deal_stage=stage,
        won_above=form.value("won_above").strip() or None,
        include_do_not_contact=yes_no(form.value("include_do_not_contact"), "do-not-contact too"))
    return SegmentRequest(validate.name(form.value("name"), "segment name"), typed, form.value("description").strip())


def _known(form: FormModal, shown: str) -> str:
    """A name an edit form started with, left as it was, means that record (by its id), even when
    another has a name like it; anything typed is resolved as the CLI resolves a reference."""
    before = getattr(form, "_before", None)
    return before.known.get(shown, shown) if before is not None else shown


def _owner(context: Any, text: str) -> str:
    """An owner as typed: "me" is who works; "nobody" the contacts nobody owns ("" in the core)."""
    from crmcli.core.identity import owner_name

    return "" if text.lower() == "nobody" else owner_name(text, context.me) or ""


def save_segment(context: Any, segment_id: int | None, request: SegmentRequest, *,
                 read_version: int | None = None) -> str:
    """`crm segments add NAME ...` (no id), or `crm segments edit` with every condition as the form has
    it; the line says how many contacts it holds now, and the core's warnings."""
    from crmcli.core import segments, versions

    now = context.now()
    with context.database.session(write=True) as session:
        parsed = segments.parse_definition(session, request.typed, now=now, settings=context.settings)
        if segment_id is None:
            segment = segments.add(session, request.name, parsed.definition, owner=context.me(),
                                   description=request.description or None)
            said = "added"
        else:
            segment = segments.get(session, str(segment_id))
            versions.check(session, segment, read_version)
            segments.edit(session, segment, name=request.name, definition=parsed.definition,
                          description=request.description)
            said = "updated"
        held = segments.count(session.connection(), parsed.definition, now)
        return "; ".join([f"{said} segment {segments.label(segment)}: {held:,} contacts now", *parsed.warnings])


@dataclass(frozen=True)
class SegmentBefore:
    """A segment as its edit form starts: every condition as it would be typed."""

    id: int
    version: int
    values: dict[str, str]
    known: dict[str, str]  # a name shown -> the reference it stands for (`#12`)


def segment_before(context: Any, segment_id: int) -> SegmentBefore:
    from crmcli.core import segments
    from crmcli.core.models import Organization

    with context.database.session() as session:
        segment = segments.get(session, str(segment_id))
        d = segments.of(segment)
        org = session.get(Organization, d.org) if d.org is not None else None
        won = d.won_value_above
        values = {
            "name": segment.name, "tags": ", ".join(d.tags), "any_tags": ", ".join(d.any_tags),
            "org": org.name if org is not None else "", "fields": ", ".join(f"{k}={v}" for k, v in d.fields),
            "owner": "nobody" if d.owner == "" else d.owner or "",
            "last_contact_before": d.last_contact_before or "", "last_contact_after": d.last_contact_after or "",
            "never_contacted": "yes" if d.never_contacted else "", "cadence_overdue": "yes" if d.cadence_overdue else "",
            "deal_stage": d.deal_stage or "", "won_above": f"{won.plain()} {won.code}" if won is not None else "",
            "include_do_not_contact": "yes" if d.include_do_not_contact else "",
            "description": segment.description or ""}
        known = {org.name: f"#{org.id}"} if org is not None else {}
        return SegmentBefore(segment.id, segment.version, values, known)  # type: ignore[arg-type]


def _segment_fields(values: dict[str, str]) -> list[Field]:
    v = values.get
    return [
        Field("name", "Name", "Berlin VIPs", v("name", ""), required=True),
        Field("tags", "Tagged (all)", "vip, berlin", v("tags", "")),
        Field("any_tags", "Tagged (any)", "client, prospect", v("any_tags", "")),
        Field("org", "Organisation", "Acme Ltd, #12", v("org", "")),
        Field("fields", "Fields", "source=referral, city=Berlin", v("fields", "")),
        Field("owner", "Owner", "empty: anyone's; me, a name, nobody", v("owner", "")),
        Field("last_contact_before", "Contacted before", "90 days ago, 2026-01-01", v("last_contact_before", "")),
        Field("last_contact_after", "Contacted since", "30 days ago, som", v("last_contact_after", "")),
        Field("never_contacted", "Never contacted", "yes or no (empty)", v("never_contacted", "")),
        Field("cadence_overdue", "Past cadence", "yes or no (empty)", v("cadence_overdue", "")),
        Field("deal_stage", "Open deal in", "proposal", v("deal_stage", "")),
        Field("won_above", "Won above", "2000 EUR", v("won_above", "")),
        Field("include_do_not_contact", "Do-not-contact too", "yes or no (empty: left out)",
              v("include_do_not_contact", "")),
        Field("description", "Description", "optional", v("description", "")),
    ]


class SegmentForm(FormModal):
    """`crm segments add` / `edit`: a contact is in the segment when it meets every condition filled in."""

    # Fourteen lines: without the gaps between them they fit 80x24.
    DEFAULT_CSS = "SegmentForm #form .row { margin-bottom: 0; }"

    def __init__(self, before: SegmentBefore | None = None) -> None:
        title = "New segment" if before is None else f"Edit segment #{before.id} {before.values['name']}"
        super().__init__(title, _segment_fields(before.values if before else {}), focus="name")
        self._before = before

    def request(self) -> SegmentRequest:
        return _typed_segment(self)

    def save(self, request: SegmentRequest) -> str:
        before = self._before
        return save_segment(self.context, before.id if before else None, request,
                            read_version=before.version if before else None)


def delete_segment(context: Any, segment_id: int) -> str:
    from crmcli.core import segments

    with context.database.session(write=True) as session:
        segment = segments.get(session, str(segment_id))
        said = segments.label(segment)
        segments.remove(session, segment)
        return f"deleted segment {said}"


# -- campaigns --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CampaignRequest:
    name: str
    channel: str
    cost: Any           # money.Amount | None
    segment: str | None  # a segment reference
    owner: str | None   # as typed: a name, "me"; None: whoever adds it
    note: str
    start: bool


def _typed_campaign(form: FormModal, *, starting: bool) -> CampaignRequest:
    from crmcli.core import campaigns

    cost = form.value("cost").strip()
    segment = _known(form, form.value("segment").strip()) or None if form.query("#segment") else None  # none once started
    return CampaignRequest(
        campaigns.check_name(form.value("name")), campaigns.check_channel(form.value("channel") or "email"),
        campaigns.parse_cost(cost, form.context.settings) if cost else None, segment,
        form.value("owner").strip() or None, form.value("note").strip(),
        yes_no(form.value("start"), "start now") if starting else False)


def add_campaign(context: Any, request: CampaignRequest) -> str:
    """`crm campaigns add NAME --segment --channel --cost --owner --note [--not-started]`."""
    from crmcli.core import campaigns, segments

    now = context.now()
    with context.database.session(write=True) as session:
        segment = segments.get(session, request.segment) if request.segment else None
        campaign = campaigns.add(session, request.name, segment=segment, channel=request.channel, cost=request.cost,
                                 owner=request.owner, note=request.note or None, now=now, start=request.start,
                                 me=context.me)
        members = len(campaigns.member_ids(session, campaign))
        state = f"started with {members:,} members" if request.start else "not started"
        return f"added campaign {campaigns.label(campaign)}: {state}"


@dataclass(frozen=True)
class CampaignBefore:
    id: int
    version: int
    started: bool
    values: dict[str, str]
    known: dict[str, str]  # its segment's name -> `#id`


def campaign_before(context: Any, campaign_id: int) -> CampaignBefore:
    from crmcli.core import campaigns
    from crmcli.core.models import Segment
    from crmcli.core.money import Amount

    with context.database.session() as session:
        c = campaigns.get(session, str(campaign_id))
        segment = session.get(Segment, c.segment_id) if c.segment_id is not None else None
        cost = f"{Amount(c.cost_minor, c.cost_currency).plain()} {c.cost_currency}" if c.cost_minor is not None else ""
        return CampaignBefore(c.id, c.version, c.started_at is not None, {  # type: ignore[arg-type]
            "name": c.name, "channel": c.channel, "cost": cost,
            "segment": segment.name if segment is not None else "", "owner": c.owner or "",
            "note": c.note or ""}, {segment.name: f"#{segment.id}"} if segment is not None else {})


def _campaign_fields(values: dict[str, str], *, starting: bool, segment: bool) -> list[Field]:
    from crmcli.core.campaigns import CHANNELS

    v = values.get
    return [
        Field("name", "Name", "Spring offer", v("name", ""), required=True),
        *([Field("segment", "Segment", "optional: Berlin VIPs, #2", v("segment", ""))] if segment else []),
        Field("channel", "Channel", ", ".join(CHANNELS), v("channel", "email")),
        Field("cost", "Cost", "optional: 400 EUR", v("cost", "")),
        Field("owner", "Owner", "empty: you; a name" if starting else "a name, me; empty: nobody", v("owner", "")),
        Field("note", "Note", "optional", v("note", "")),
        *([Field("start", "Start now", "yes: members from the segment now; no: later (s)", "yes")] if starting
          else []),
    ]


class CampaignForm(FormModal):
    """`crm campaigns add`: started at once unless told, its members frozen from its segment then."""

    def __init__(self) -> None:
        super().__init__("New campaign", _campaign_fields({}, starting=True, segment=True), focus="name")

    def request(self) -> CampaignRequest:
        return _typed_campaign(self, starting=True)

    def save(self, request: CampaignRequest) -> str:
        return add_campaign(self.context, request)


class CampaignEditForm(FormModal):
    """`crm campaigns edit`: what is left as it was is not changed; the segment only until it starts."""

    def __init__(self, before: CampaignBefore) -> None:
        super().__init__(f"Edit campaign #{before.id} {before.values['name']}",
                         _campaign_fields(before.values, starting=False, segment=not before.started), focus="name")
        self._before = before

    def request(self) -> CampaignRequest:
        return _typed_campaign(self, starting=False)

    def save(self, request: CampaignRequest) -> str:
        return edit_campaign(self.context, self._before, request)


def edit_campaign(context: Any, before: CampaignBefore, request: CampaignRequest) -> str:
    from crmcli.core import campaigns, segments, versions

    was = before.values
    with context.database.session(write=True) as session:
        campaign = campaigns.get(session, str(before.id))
        versions.check(session, campaign, before.version)
        changed = lambda field, value: value if value != was[field] else None  # noqa: E731
        cost_text = f"{request.cost.plain()} {request.cost.code}" if request.cost is not None else ""
        changes = campaigns.CampaignChanges(
            name=changed("name", request.name), channel=changed("channel", request.channel),
            cost=request.cost if cost_text != was["cost"] else None, clear_cost=not cost_text and bool(was["cost"]),
            owner=changed("owner", request.owner or ""), note=changed("note", request.note))
        if not before.started and (request.segment or "") != before.known.get(was["segment"], was["segment"]):
            changes.segment = segments.get(session, request.segment) if request.segment else None
            changes.clear_segment = not request.segment
        if changes == campaigns.CampaignChanges():
            return f"campaign #{before.id} {was['name']}: nothing changed"
        campaigns.edit(session, campaign, changes, now=context.now(), me=context.me)
        return f"updated campaign {campaigns.label(campaign)}"


def on_campaign(context: Any, campaign_id: int, change: Callable[[Any, Any], str]) -> str:
    """One change to a campaign in one transaction; the line says which campaign and what happened."""
    from crmcli.core import campaigns

    with context.database.session(write=True) as session:
        campaign = campaigns.get(session, str(campaign_id))
        return f"campaign {campaigns.label(campaign)}: {change(session, campaign)}"


def start_campaign(context: Any, campaign_id: int) -> str:
    """`crm campaigns start`: its segment's contacts now become its members."""
    from crmcli.core import campaigns

    def begin(session: Any, campaign: Any) -> str:
        joined = campaigns.begin(session, campaign, now=context.now())
        return f"started; {joined:,} members from its segment" if campaign.segment_id else "started"

    return on_campaign(context, campaign_id, begin)


def add_members(context: Any, campaign_id: int, refs: list[str]) -> str:
    """`crm campaigns members CAMPAIGN --add CONTACT...`."""
    from crmcli.core import campaigns, contacts

    def add(session: Any, campaign: Any) -> str:
        people = [contacts.resolve(session, ref) for ref in refs]
        fresh = campaigns.add_members(session, campaign, people, now=context.now())
        already = [p.name for p in people if p not in fresh]
        said = f"added {', '.join(p.name for p in fresh)}" if fresh else "nobody new added"
        return said + (f" ({', '.join(already)} a member already)" if already else "")

    return on_campaign(context, campaign_id, add)


def respond(context: Any, campaign_id: int, contact_id: int, kind: str) -> str:
    """`crm campaigns respond CAMPAIGN CONTACT KIND`, now; "unsubscribed" marks them do not contact."""
    from crmcli.core import campaigns, contacts

    def answer(session: Any, campaign: Any) -> str:
        contact = contacts.resolve(session, str(contact_id))
        chosen = campaigns.check_kind(kind)
        campaigns.respond(session, campaign, contact, chosen, at=context.now())
        marked = "; now marked do not contact" if chosen == "unsubscribed" else ""
        return f"{contact.name} {chosen}{marked}"

    return on_campaign(context, campaign_id, answer)


def delete_campaign(context: Any, campaign_id: int) -> str:
    from crmcli.core import campaigns

    def gone(session: Any, campaign: Any) -> str:
        campaigns.remove(session, campaign)
        return "deleted"

    return on_campaign(context, campaign_id, gone)


def campaign_impact(context: Any, campaign_id: int) -> str:
    from crmcli.core import campaigns

    with context.database.session() as session:
        campaign = campaigns.get(session, str(campaign_id))
        return f"Delete campaign {campaigns.label(campaign)} with {campaigns.impact(session, campaign).describe()}?"


# -- the actions the view and a campaign's screen share -----------------------------------------------

class MarketingActions(CrmScreen):
    """Add, edit and delete segments and campaigns; start a campaign, add members, record responses."""

    def selected_segment(self) -> tuple[int, str] | None:
        return None

    def selected_campaign(self) -> tuple[int, str] | None:
        return None

    def member_name(self, contact_id: int) -> str | None:
        """The selected member's name as last read (None: not known)."""
        return None

    def _chosen(self, kind: str) -> tuple[int, str] | None:
        chosen = self.selected_segment() if kind == "segment" else self.selected_campaign()
        if chosen is None:
            self.notify(f"no {kind} selected", severity="warning")
        return chosen

    def _confirm_then(self, question: str, work: Callable[[], str]) -> None:
        from crmcli.tui.screens.confirm import ConfirmModal

        def answer(yes: bool | None) -> None:
            if yes:
                self.write(work)

        self.app.push_screen(ConfirmModal(question), answer)

    def add_segment(self) -> None:
        self.app.push_screen(SegmentForm(), self.written)

    def edit_segment(self) -> None:
        chosen = self._chosen("segment")
        if chosen is not None:
            self.in_thread(lambda: segment_before(self.context, chosen[0]),
                           lambda before: self.app.push_screen(SegmentForm(before), self.written), group="form")

    def delete_segment(self) -> None:
        chosen = self._chosen("segment")
        if chosen is not None:
            self._confirm_then(f"Delete segment #{chosen[0]} {chosen[1]}? Its contacts stay; campaigns keep "
                               "their members.", lambda: delete_segment(self.context, chosen[0]))

    def add_campaign(self) -> None:
        self.app.push_screen(CampaignForm(), self.written)

    def edit_campaign(self) -> None:
        chosen = self._chosen("campaign")
        if chosen is not None:
            self.in_thread(lambda: campaign_before(self.context, chosen[0]),
                           lambda before: self.app.push_screen(CampaignEditForm(before), self.written), group="form")

    def delete_campaign(self) -> None:
        chosen = self._chosen("campaign")
        if chosen is not None:
            self.in_thread(lambda: campaign_impact(self.context, chosen[0]),
                           lambda question: self._confirm_then(question,
                                                               lambda: delete_campaign(self.context, chosen[0])),
                           group="form")

    def action_edit(self) -> None:
        self.edit_campaign()

    def action_start(self) -> None:
        chosen = self._chosen("campaign")
        if chosen is not None:
            self.write(lambda: start_campaign(self.context, chosen[0]))

    def action_add_member(self) -> None:
        chosen = self._chosen("campaign")
        if chosen is None:
            return

        def save(text: str | None) -> None:
            if text is not None:
                self.write(lambda: add_members(self.context, chosen[0], _items(text)))

        self.app.push_screen(PromptModal(f"Add to campaign {chosen[1]}", "Ann Lee, bob@marsh.example, #12",
                                         lambda text: None if _items(text) else "name one contact or more"), save)

    def action_respond(self) -> None:
        from crmcli.core import campaigns

        chosen, contact = self._chosen("campaign"), self.selected_contact()
        if chosen is None:
            return
        if contact is None:
            self.notify("select a member first", severity="warning")
            return

        def save(text: str | None) -> None:
            if text is not None:
                self.write(lambda: respond(self.context, chosen[0], contact, text))

        who = self.member_name(contact) or f"contact #{contact}"
        self.app.push_screen(PromptModal(f"{who}'s response to campaign {chosen[1]}", ", ".join(campaigns.RESPONSE_KINDS),
                                         lambda text: _error(lambda: campaigns.check_kind(text))), save)
