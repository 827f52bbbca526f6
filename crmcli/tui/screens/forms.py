"""The quick actions' forms (log, follow-up, contact, deal) and the follow-up edit form, and the
functions the app's quick-action keys call on the screen in view. Each form checks as typed with
the same core functions the CLI command calls, and saves through tui/writes.py.

A form about "the selected contact" starts with that contact's name in its contact field. That
name, left as it is, means that contact, even when another has the same name; anything typed
there is resolved as the CLI resolves a CONTACT (id, email or a unique part of a name)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, TypeVar

from crmcli.core.contact_form import Editable
from crmcli.errors import CrmError
from crmcli.tui import writes
from crmcli.tui.screens.base import CrmScreen
from crmcli.tui.screens.prompt import Field, FormModal

T = TypeVar("T")


@dataclass(frozen=True)
class Picked:
    id: int
    name: str


def _items(text: str) -> list[str]:
    """A comma-separated field: several contacts, emails, phones or tags."""
    return [part.strip() for part in text.split(",") if part.strip()]


class _AboutContacts(FormModal):
    """A form with a field naming contacts, filled with the selected one's name (see the module doc)."""

    def __init__(self, title: str, fields: list[Field], who: Picked | None, *, focus: str | None) -> None:
        super().__init__(title, fields, focus=focus if who is not None else None)
        self._known = {who.name: who.id} if who is not None else {}

    def refs(self, field: str) -> list[str]:
        return [f"#{self._known[r]}" if r in self._known else r for r in _items(self.value(field))]


# -- log an interaction ---------------------------------------------------------------------------

@dataclass(frozen=True)
class LogRequest:
    refs: list[str]
    kind: str
    text: str
    at: datetime | None
    follow_up: Any  # followups.Planned | None
    campaign: str | None = None  # a campaign reference: the interaction belongs to it
    response: str | None = None  # each contact's response there (None: replied, or meeting for a meeting)


class LogForm(_AboutContacts):
    """`crm log`: with whom, kind, text, when (the CLI's date grammar), an optional follow-up, and
    the campaign it answers with the response it records (`--campaign`, `--response`)."""

    def __init__(self, kinds: Any, who: Picked | None) -> None:
        super().__init__("Log an interaction", [
            Field("with", "With", "Ann Lee, bob@marsh.example, #12", who.name if who else "", required=True),
            Field("kind", "Kind", ", ".join(kinds.allowed), kinds.default),
            Field("text", "What happened", "Called about the quote", required=True),
            Field("at", "When", "empty: now; yesterday 3pm, fri, 2026-11-20 10:00"),
            Field("follow_up", "Follow-up", "optional: fri: send the revised quote"),
            Field("campaign", "Campaign", "optional: the campaign it answers, e.g. Spring offer"),
            # empty: "replied" ("meeting" for a meeting), as crm log --campaign records
            Field("response", "Response", "replied, meeting, unsubscribed or bounced"),
        ], who, focus="kind")
        self._kinds = kinds

    def request(self) -> LogRequest:
        from crmcli.core import dates, followups, interactions

        now = self.context.local_now()
        kind = self._kinds.check(self.value("kind") or None)
        text = interactions.check_body(self.value("text"))
        at = None
        if self.value("at").strip():
            at = interactions.check_occurred(kind, dates.parse_moment(self.value("at"), now=now, lean="past"), now)
        follow_up = None
        if self.value("follow_up").strip():
            follow_up = followups.Planned.parse(self.value("follow_up"), now=now)
        campaign = self.value("campaign").strip() or None
        response = self.value("response").strip() or None
        if response is not None:
            from crmcli.core import campaigns
            from crmcli.errors import Invalid

            if campaign is None:
                raise Invalid("a response is recorded for a campaign: name the campaign too")
            response = campaigns.check_kind(response)
        return LogRequest(self.refs("with"), kind, text, at, follow_up, campaign, response)

    def save(self, request: LogRequest) -> str:
        return writes.log(self.context, request.refs, request.text, kind=request.kind, at=request.at,
                          follow_up=request.follow_up, campaign=request.campaign, response=request.response)


# -- follow-ups -------------------------------------------------------------------------------------

class FollowUpForm(_AboutContacts):
    """`crm fu add`: for whom, what, when (due tomorrow unless it says), and how often it repeats."""

    def __init__(self, who: Picked | None) -> None:
        super().__init__("Add a follow-up", [
            Field("contact", "For", "Ann Lee, bob@marsh.example, #12", who.name if who else "", required=True),
            Field("title", "What", "Send the revised quote", required=True),
            Field("due", "Due", "tomorrow, fri 9am, in 2 weeks, eom, 2026-12-01", "tomorrow", required=True),
            Field("repeat", "Repeats", "optional: every 2 weeks, every monday, monthly"),
        ], who, focus="title")

    def request(self) -> tuple[str, str, Any, str | None]:
        from crmcli.core import followups

        refs = self.refs("contact")
        title = followups.check_title(self.value("title"))
        due = followups.Due.parse(self.value("due"), now=self.context.local_now())
        repeat = followups.check_repeat(self.value("repeat")) if self.value("repeat").strip() else None
        return (refs[0] if len(refs) == 1 else self.value("contact")), title, due, repeat

    def save(self, request: tuple[str, str, Any, str | None]) -> str:
        return writes.add_follow_up(self.context, *request)


class FollowUpEditForm(FormModal):
    """`crm fu edit --title --due`: the same checks; what is left as it was is not changed."""

    def __init__(self, follow_up_id: int, title: str, due: str, version: int | None = None) -> None:
        super().__init__(f"Edit follow-up #{follow_up_id}", [
            Field("title", "What", "Send the revised quote", title, required=True),
            Field("due", "Due", "tomorrow, fri 9am, in 2 weeks, eom, 2026-12-01", due, required=True),
        ], focus="title")
        self._id, self._was = follow_up_id, (title, due)
        self._version = version  # as read: a save over someone else's later change is refused
    def request(self) -> tuple[str | None, Any]:
        from crmcli.core import followups

        title = followups.check_title(self.value("title"))
        due = followups.Due.parse(self.value("due"), now=self.context.local_now())
        return (None if title == self._was[0] else title), (None if self.value("due") == self._was[1] else due)

    def save(self, request: tuple[str | None, Any]) -> str:
        return writes.edit_follow_up(self.context, self._id, *request, read_version=self._version)


# -- contacts ---------------------------------------------------------------------------------------

class ContactForm(FormModal):
    """`crm contacts add` (no contact yet) or `crm contacts edit`: the fields a card shows; an edit
    changes just what was edited (core.contact_form.changes)."""

    def __init__(self, contact_id: int | None = None, before: Editable = Editable(), version: int | None = None) -> None:
        title = "Add a contact" if contact_id is None else f"Edit contact #{contact_id} {before.name}"
        super().__init__(title, [
            Field("name", "Name", "Ann Lee", before.name, required=True),
            Field("title", "Job title", "CTO", before.title),
            Field("org", "Organisation", "an existing one, or a new name", before.org),
            Field("emails", "Emails", "work:ann@acme.example, ann@home.example", ", ".join(before.emails)),
            Field("phones", "Phones", "mobile:+44 7700 900123", ", ".join(before.phones)),
            Field("tags", "Tags", "vip, uk", ", ".join(before.tags)),
            Field("cadence", "Keep in touch", "every 30 days, monthly (empty: no cadence)", before.cadence),
            Field("do_not_contact", "Do not contact", "empty: may be contacted; yes, or why not",
                  before.do_not_contact),
        ], focus="name")
        self._id, self._before = contact_id, before
        self._version = version  # as read: a save over someone else's later change is refused

    def request(self) -> Any:
        from crmcli.core import contact_form

        region = self.context.settings.phone_region
        wanted = Editable(self.value("name"), self.value("title"), self.value("org"), tuple(_items(self.value("emails"))),
                          tuple(_items(self.value("phones"))), tuple(_items(self.value("tags"))), self.value("cadence"),
                          self.value("do_not_contact"))
        contact_form.check(wanted, phone_region=region)
        return contact_form.changes(self._before, wanted, phone_region=region)

    def save(self, request: Any) -> str:
        from crmcli.core.contacts import ContactChanges

        if self._id is not None and request == ContactChanges():
            return f"contact #{self._id} {self._before.name}: nothing changed"
        return writes.save_contact(self.context, self._id, request, read_version=self._version)


# -- deals ------------------------------------------------------------------------------------------

class DealForm(_AboutContacts):
    """`crm deals add`: what is left empty gets the core's defaults (deals.add), as on the command line."""

    def __init__(self, settings: Any, who: Picked | None) -> None:
        self._settings = settings
        stages = settings.stages
        super().__init__("Add a deal", [
            Field("name", "Name", "Website redesign", required=True),
            Field("with", "Contacts", "Ann Lee, #12 (optional)", who.name if who else ""),
            Field("value", "Value", "12000, 12,000.50 or 12.000,50 (empty: 0)"),
            Field("currency", "Currency", f"empty: {settings.currency}" if settings.currency else "EUR, USD..."),
            Field("stage", "Stage", f"empty: {stages.open[0].name}; or {', '.join(s.name for s in stages.open[1:])}"),
            Field("close", "Expected close", "optional: eom, next friday, 2027-01-31"),
            Field("org", "Organisation", "empty: the first contact's"),
        ], who, focus="name")

    def request(self) -> tuple[Any, list[str], str | None]:
        from crmcli.core import dates, deals

        now = self.context.local_now()
        name = deals.check_name(self.value("name"))
        value, currency = self.value("value").strip() or "0", self.value("currency").strip() or None
        deals.amount(value, currency, self._settings)  # what add will read: refused here already
        stage = self._settings.stages.get(self.value("stage")) if self.value("stage").strip() else None
        close = dates.parse(self.value("close"), now=now, lean="future").day if self.value("close").strip() else None
        new = deals.NewDeal(name, value, currency, stage, close_on=close)
        return new, self.refs("with"), self.value("org").strip() or None

    def save(self, request: tuple[Any, list[str], str | None]) -> str:
        return writes.add_deal(self.context, *request)


# -- what the app's quick-action keys call --------------------------------------------------------

def _picked(context: Any, contact_id: int) -> Picked:
    from crmcli.core import contacts

    with context.database.session() as session:
        contact = contacts.resolve(session, str(contact_id))
        return Picked(contact_id, contact.name)


def _on_selected(screen: CrmScreen, load: Callable[[Any, int], T], then: Callable[[T | None], None], *,
                 required: bool = False) -> None:
    """Load what the form needs about the screen's selected contact, then open it; with none
    selected, forms that can ask for the contact open empty, the others say so."""
    contact_id = screen.selected_contact()
    if contact_id is None:
        if required:
            screen.notify("select a contact first", severity="warning")
        else:
            then(None)
        return
    screen.in_thread(lambda: load(screen.context, contact_id), then, group="form")


def log(screen: CrmScreen) -> None:
    from crmcli.core.interactions import Kinds

    settings = screen.context.settings
    try:
        kinds = Kinds(settings.log_kinds, settings.default_kind)
    except CrmError as err:  # a broken setting: said as the CLI says it
        screen.notify(str(err), severity="error", timeout=6)
        return
    _on_selected(screen, _picked, lambda who: screen.app.push_screen(LogForm(kinds, who), screen.written))


def add_follow_up(screen: CrmScreen) -> None:
    _on_selected(screen, _picked, lambda who: screen.app.push_screen(FollowUpForm(who), screen.written))


def add_deal(screen: CrmScreen) -> None:
    settings = screen.context.settings
    _on_selected(screen, _picked, lambda who: screen.app.push_screen(DealForm(settings, who), screen.written))


def add_case(screen: CrmScreen) -> None:
    from crmcli.tui.screens.case_forms import CaseForm

    _on_selected(screen, _picked, lambda who: screen.app.push_screen(CaseForm(who), screen.written))


def add_contact(screen: CrmScreen) -> None:
    screen.app.push_screen(ContactForm(), screen.written)


def _editable(context: Any, contact_id: int) -> tuple[int, Editable, int]:
    from crmcli.core import contact_form, contacts

    with context.database.session() as session:
        contact = contacts.resolve(session, str(contact_id))
        return contact_id, contact_form.of(session, contact), contact.version


def edit_contact(screen: CrmScreen) -> None:
    def edit(loaded: tuple[int, Editable, int] | None) -> None:
        if loaded is not None:
            screen.app.push_screen(ContactForm(*loaded), screen.written)

    _on_selected(screen, _editable, edit, required=True)


def _impact(context: Any, contact_id: int) -> Any:
    from crmcli.core import contacts

    with context.database.session() as session:
        return contacts.impact(session, contacts.resolve(session, str(contact_id)))


def delete_contact(screen: CrmScreen) -> None:
    """Ask, saying what goes with the contact (the core's Impact), then delete it; on the deleted
    contact's own screen, go back to the one below."""
    from crmcli.tui.screens.confirm import ConfirmModal

    def ask(impact: Any) -> None:
        def answer(yes: bool | None) -> None:
            if yes:
                screen.in_thread(lambda: writes.delete_contact(screen.context, impact.contact_id),
                                 lambda said: deleted(impact.contact_id, said), group="write", exclusive=False)

        screen.app.push_screen(ConfirmModal(f"Delete {impact.describe()}?"), answer)

    def deleted(contact_id: int, said: str) -> None:
        from crmcli.tui.screens.contact import ContactScreen

        below = screen
        if isinstance(screen, ContactScreen) and screen.contact_id == contact_id and screen is screen.app.screen:
            screen.app.pop_screen()  # its own screen shows nothing any more
            below = screen.app.screen if isinstance(screen.app.screen, CrmScreen) else screen
        below.written(said)

    _on_selected(screen, _impact, ask, required=True)


# -- the follow-ups view's edit -------------------------------------------------------------------

def _follow_up(context: Any, follow_up_id: int) -> tuple[int, str, str, int]:
    from crmcli.core import followups

    with context.database.session() as session:
        item = followups.get(session, follow_up_id)
        return follow_up_id, item.title, writes.due_text(context, followups.due_of(item)), item.version


def edit_follow_up(screen: CrmScreen, follow_up_id: int) -> None:
    screen.in_thread(lambda: _follow_up(screen.context, follow_up_id),
                     lambda found: screen.app.push_screen(FollowUpEditForm(*found), screen.written), group="form")


# -- merge a duplicate into the open contact -----------------------------------------------------------

class MergeForm(FormModal):
    """`crm contacts merge KEEP OTHER`, KEEP being the open contact: which contact is the duplicate.
    Saving works out the merge (the core's plan, nothing written); the screen then asks before it
    is done, saying what moves, as the CLI does."""

    def __init__(self, keep: Picked) -> None:
        super().__init__(f"Merge a duplicate into {keep.name}", [
            Field("other", "Duplicate", "the contact merged in, then deleted: #12, email or part of a name",
                  required=True),
        ], focus="other")
        self._keep = keep
        self.planned: Any = None  # the core's Merge once saved

    def request(self) -> str:
        from crmcli.errors import Invalid

        other = self.value("other").strip()
        if other.lstrip("#") == str(self._keep.id):
            raise Invalid(f"that is {self._keep.name}: a contact cannot be merged into itself")
        return other

    def save(self, request: str) -> str:
        self.planned = writes.merge_plan(self.context, self._keep.id, request)
        return self.planned.describe()


def merge_into(screen: CrmScreen, keep: Picked) -> None:
    """Ask for the duplicate, show what merging it moves, and merge on yes."""
    from crmcli.tui.screens.confirm import ConfirmModal

    form = MergeForm(keep)

    def ask(described: str | None) -> None:
        planned = form.planned
        if described is None or planned is None:
            return
        clashes = "".join(f"; {clash.describe()}" for clash in planned.clashes)

        def answer(yes: bool | None) -> None:
            if yes:
                screen.in_thread(lambda: writes.merge(screen.context, planned.keep_id, planned.other_id),
                                 screen.written, group="write", exclusive=False)

        screen.app.push_screen(ConfirmModal(f"Merge {described}{clashes}? The duplicate is deleted."), answer)

    screen.app.push_screen(form, ask)
