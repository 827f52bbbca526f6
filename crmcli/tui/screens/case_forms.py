"""Service cases' writes, forms and actions in the TUI: what `crm cases add|edit|assign|close|reopen|note`
and a status change do, each one transaction through core/cases.py in a worker, checked as typed
with the core's own rules and messages. The cases view and a case's screen share the actions
(`CaseActions`); the add form is also the `C` quick action, on the selected contact."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from crmcli.tui.screens.base import CrmScreen
from crmcli.tui.screens.forms import Picked, _AboutContacts
from crmcli.tui.screens.prompt import Field, FormModal, PromptModal, _error, check_body

# -- writes -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewCase:
    contact: str        # a CONTACT reference, as the CLI resolves one
    title: str
    kind: str | None      # None: the core's default
    priority: str | None  # None: the core's default
    deal: str | None    # a deal reference (#12, or its name)
    owner: str | None   # a name or "me"; None: whoever adds it


def add(context: Any, new: NewCase) -> str:
    """`crm cases add CONTACT TITLE --kind --priority --deal --owner`."""
    from crmcli.core import cases, contacts, deals

    with context.database.session(write=True) as session:
        contact = contacts.resolve(session, new.contact)
        deal = deals.resolve(session, new.deal) if new.deal else None
        chosen = {name: value for name, value in (("kind", new.kind), ("priority", new.priority)) if value}
        case = cases.add(session, contact, new.title, **chosen, deal=deal, owner=new.owner, now=context.now(),
                         policy=cases.policy(context.settings), me=context.me)
        return f"added case #{case.id} {case.title} for {contact.name}"


Change = Callable[[Any, Any, Any, Any], Any]  # (session, case, now, policy) -> what the core did


def on_case(context: Any, case_id: int, change: Change, said: str, *, read_version: int | None = None) -> str:
    """One change to case #case_id in one transaction; the line says which case and what happened."""
    from crmcli.core import cases, versions

    with context.database.session(write=True) as session:
        case = cases.get(session, str(case_id))
        versions.check(session, case, read_version)
        change(session, case, context.now(), cases.policy(context.settings))
        return f"case #{case.id} {case.title}: {said}"


def set_status(context: Any, case_id: int, status: str) -> str:
    from crmcli.core import cases

    return on_case(context, case_id, lambda s, case, now, policy: cases.set_status(s, case, status, now=now,
                                                                                   policy=policy), status)


def close(context: Any, case_id: int) -> str:
    from crmcli.core import cases

    return on_case(context, case_id, lambda s, case, now, policy: cases.close(s, case, now=now, policy=policy),
                   "closed")


def reopen(context: Any, case_id: int) -> str:
    from crmcli.core import cases

    return on_case(context, case_id, lambda s, case, now, policy: cases.reopen(s, case, now=now, policy=policy),
                   "reopened")


def assign(context: Any, case_id: int, owner: str) -> str:
    from crmcli.core import cases

    def give(session: Any, case: Any, now: Any, policy: Any) -> Any:
        return cases.assign(session, case, owner, me=context.me)

    return on_case(context, case_id, give, f"assigned to {owner}" if owner.strip() else "nobody's now")


def note(context: Any, case_id: int, text: str) -> str:
    from crmcli.core import cases

    return on_case(context, case_id, lambda s, case, now, policy: cases.note(s, case, text, now=now), "note added")


def edit(context: Any, case_id: int, changes: Any, deal: str | None, read_version: int | None) -> str:
    """`crm cases edit N --title --kind --priority --deal`: `deal` None leaves it, "" takes it off."""
    from crmcli.core import cases, deals

    def change(session: Any, case: Any, now: Any, policy: Any) -> Any:
        if deal is not None:
            changes.clear_deal, changes.deal = not deal, deals.resolve(session, deal) if deal else None
        return cases.edit(session, case, changes, now=now, policy=policy, me=context.me)

    return on_case(context, case_id, change, "updated", read_version=read_version)


# -- forms ------------------------------------------------------------------------------------------

def _listed(name: str, values: tuple[str, ...]) -> str:
    """A field's choices, led by what the core picks when it is left empty (cases.add's default)."""
    import inspect

    from crmcli.core import cases

    return f"empty: {inspect.signature(cases.add).parameters[name].default}; {', '.join(values)}"


class CaseForm(_AboutContacts):
    """`crm cases add`: for whom, what, kind and priority (the core's defaults when left empty),
    its owner (empty: you) and the deal it is about."""

    def __init__(self, who: Picked | None) -> None:
        from crmcli.core import cases

        super().__init__("Open a case", [
            Field("contact", "For", "Ann Lee, bob@marsh.example, #12", who.name if who else "", required=True),
            Field("title", "Case", "Invoice 1043 charged twice", required=True),
            Field("kind", "Kind", _listed("kind", cases.KINDS)),
            Field("priority", "Priority", _listed("priority", cases.PRIORITIES)),
            Field("owner", "Owner", "empty: you; a name"),
            Field("deal", "Deal", "optional: #12 or its name"),
        ], who, focus="title")

    def request(self) -> NewCase:
        from crmcli.core import cases

        refs = self.refs("contact")
        kind, priority = self.value("kind").strip(), self.value("priority").strip()
        return NewCase(refs[0] if len(refs) == 1 else self.value("contact"), cases.check_title(self.value("title")),
                       cases.check_kind(kind) if kind else None, cases.check_priority(priority) if priority else None,
                       self.value("deal").strip() or None, self.value("owner").strip() or None)

    def save(self, request: NewCase) -> str:
        return add(self.context, request)


@dataclass(frozen=True)
class Editable:
    id: int
    title: str
    kind: str
    priority: str
    deal: str
    version: int


def editable(context: Any, case_id: int) -> Editable:
    from crmcli.core import cases

    with context.database.session() as session:
        case = cases.get(session, str(case_id))
        return Editable(case.id, case.title, case.kind, case.priority,
                        f"#{case.deal_id}" if case.deal_id else "", case.version)  # type: ignore[arg-type]


class CaseEditForm(FormModal):
    """`crm cases edit`: what is left as it was is not changed; a save over someone else's later
    change is refused (the version read)."""

    def __init__(self, before: Editable) -> None:
        from crmcli.core import cases

        super().__init__(f"Edit case #{before.id} {before.title}", [
            Field("title", "Case", "Invoice 1043 charged twice", before.title, required=True),
            Field("kind", "Kind", ", ".join(cases.KINDS), before.kind, required=True),
            Field("priority", "Priority", ", ".join(cases.PRIORITIES), before.priority, required=True),
            Field("deal", "Deal", "#12 or its name; empty: none", before.deal),
        ], focus="title")
        self._before = before

    def request(self) -> tuple[Any, str | None]:
        from crmcli.core import cases

        was = self._before
        title = cases.check_title(self.value("title"))
        kind, priority = cases.check_kind(self.value("kind")), cases.check_priority(self.value("priority"))
        deal = self.value("deal").strip()
        return (cases.CaseChanges(title=None if title == was.title else title, kind=None if kind == was.kind else kind,
                                  priority=None if priority == was.priority else priority),
                None if deal == was.deal else deal)

    def save(self, request: tuple[Any, str | None]) -> str:
        from crmcli.core import cases

        changes, deal = request
        if changes == cases.CaseChanges() and deal is None:
            return f"case #{self._before.id} {self._before.title}: nothing changed"
        return edit(self.context, self._before.id, changes, deal, self._before.version)


# -- the actions the cases view and a case's screen share ---------------------------------------------

def check_status(text: str) -> str | None:
    from crmcli.core import cases

    return _error(lambda: cases.check_status(text))


class CaseActions(CrmScreen):
    """Status, close, reopen, assign, note and edit on the case `selected_case` names."""

    def selected_case(self) -> int | None:
        raise NotImplementedError

    def status_of(self, case_id: int) -> str | None:
        """The case's status as last read (None: not known), so the status question says where it may go."""
        return None

    def _case(self) -> int | None:
        case_id = self.selected_case()
        if case_id is None:
            self.notify("no case selected", severity="warning")
        return case_id

    def _ask(self, title: str, placeholder: str, check: Callable[[str], str | None],
             then: Callable[[int, str], str]) -> None:
        case_id = self._case()
        if case_id is None:
            return

        def save(text: str | None) -> None:
            if text is not None:
                self.write(lambda: then(case_id, text.strip()))

        self.app.push_screen(PromptModal(title.format(id=case_id), placeholder, check), save)

    def action_status(self) -> None:
        from crmcli.core.cases import MOVES

        case_id = self.selected_case()
        now = self.status_of(case_id) if case_id is not None else None
        title = f"Status of case #{{id}} ({now} now)" if now else "Status of case #{id}"
        self._ask(title, ", ".join(MOVES[now]) if now in MOVES else "open, waiting (on the customer), resolved",
                  check_status, lambda case_id, status: set_status(self.context, case_id, status))

    def action_assign(self) -> None:
        self._ask("Assign case #{id} to", "a name, me; empty: nobody", lambda text: None,
                  lambda case_id, owner: assign(self.context, case_id, owner))

    def action_note(self) -> None:
        self._ask("Note on case #{id}", "Refund sent, waiting for the bank", check_body,
                  lambda case_id, text: note(self.context, case_id, text))

    def action_close_case(self) -> None:
        case_id = self._case()
        if case_id is not None:
            self.write(lambda: close(self.context, case_id))

    def action_reopen(self) -> None:
        case_id = self._case()
        if case_id is not None:
            self.write(lambda: reopen(self.context, case_id))

    def action_edit(self) -> None:
        case_id = self._case()
        if case_id is not None:
            self.in_thread(lambda: editable(self.context, case_id),
                           lambda before: self.app.push_screen(CaseEditForm(before), self.written), group="form")
