"""The contacts browser: search as you type (name, email, organisation, tag; case- and
accent-free), narrow by a tag, an organisation and a saved segment picked from a list (the very
filters of `crm contacts list --tag --org --segment`; a segment is evaluated now), sort by name or last contact, cold contacts marked, and those
marked "do not contact" (never cold). At most PAGE rows are mounted: a search narrows 100,000
contacts to what fits, and the status line says how many there are and which filters hold."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Callable

from textual.app import ComposeResult
from textual.widgets import Footer, Header, Input, Static

from crmcli.core.rows import LIST_SEPARATOR
from crmcli.tui import keymap
from crmcli.tui.format import DO_NOT_CONTACT_MARK, local
from crmcli.tui.screens.base import CrmScreen
from crmcli.tui.screens.picker import LIMIT, Choice
from crmcli.tui.widgets.tables import RecordTable

PAGE = 200
SORTS = ("name", "last-contact")
COLD_MARK = "● "


@dataclass(frozen=True)
class ContactPage:
    rows: list[tuple[str, list[Any]]]
    total: int
    more: bool
    do_not_contact: bool = False  # a row is marked "do not contact" (the status line then says what ⊘ is)


@dataclass(frozen=True)
class Filters:
    tag: Choice | None = None
    org: Choice | None = None  # value: the organisation's id
    segment: Choice | None = None  # value: the segment's id

    def __bool__(self) -> bool:
        return self.tag is not None or self.org is not None or self.segment is not None

    def describe(self) -> str:
        return ", ".join([*([f"segment {self.segment.label}"] if self.segment else []),
                          *([f"tag {self.tag.label}"] if self.tag else []),
                          *([f"organisation {self.org.label}"] if self.org else [])])


def load_contacts(context: Any, match: str, sort: str, filters: Filters = Filters()) -> ContactPage:
    from crmcli.core import cadence, contacts

    now = context.now()
    with context.database.session() as session:
        conn = session.connection()
        found = contacts.rows(conn, match=match or None, sort=sort, limit=PAGE + 1,
                              tag=filters.tag.value if filters.tag else None,
                              org_id=int(filters.org.value) if filters.org else None,
                              segment=_segment(session, filters.segment, context, now))
        records = list(found.records())
        total = contacts.count(conn)
    shown, marked = [], False
    for r in records[:PAGE]:
        if r.do_not_contact_at:
            mark, marked = DO_NOT_CONTACT_MARK, True
        else:
            cold = cadence.is_cold(_when(r.last_contact), _when(r.created), r.cadence_days, now)  # type: ignore[arg-type]
            mark = COLD_MARK if cold else "  "
        shown.append((f"contact:{r.id}", [mark + r.name, r.title or "", r.org or "",
                                          (r.emails or "").split(LIST_SEPARATOR)[0], local(r.last_contact)]))
    return ContactPage(shown, total, len(records) > PAGE, marked)


def _segment(session: Any, chosen: Choice | None, context: Any, now: datetime) -> Any:
    """The chosen segment's SQL condition, read now (it may have been edited or deleted since it was picked)."""
    if chosen is None:
        return None
    from crmcli.core import segments

    return segments.condition(segments.of(segments.get(session, chosen.value)), now, context.settings)


def tag_choices(context: Any, match: str) -> list[Choice]:
    from crmcli.core import contacts

    with context.database.connect() as conn:
        return [Choice(r.name, r.name, r.contacts) for r in contacts.tags(conn, match=match or None, limit=LIMIT).records()]


def org_choices(context: Any, match: str) -> list[Choice]:
    from crmcli.core import orgs

    with context.database.connect() as conn:
        return [Choice(str(r.id), r.name, r.people) for r in orgs.rows(conn, match=match or None, limit=LIMIT).records()]


def segment_choices(context: Any, match: str) -> list[Choice]:
    """The saved segments whose name holds `match` (case- and accent-free), each with its count now."""
    from crmcli.core import segments
    from crmcli.core.text import fold

    with context.database.connect() as conn:
        found = segments.rows(conn, now=context.now()).records()
        return [Choice(str(s.id), s.name, s.contacts) for s in found if fold(match) in fold(s.name)][:LIMIT]


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


class ContactsScreen(CrmScreen):
    BINDINGS = keymap.bindings("contacts")
    DEFAULT_CSS = """
    #search { margin: 0 1; }
    """
    CSS = "ContactsScreen #status { height: auto; max-height: 2; }"  # CSS: it must win over the app's #status

    def __init__(self, *, segment: Choice | None = None) -> None:
        super().__init__(name="contacts")
        self._sort = "name"
        self._filters = Filters(segment=segment)  # opened from a segment: its contacts
        self._generation = 0  # only the newest search's answer is shown

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="search: part of a name, an email, an organisation or a tag", id="search")
        table = RecordTable(["name", "title", "organisation", "email", "last contact"], id="contacts", classes="panel")
        table.border_title = "Contacts"
        yield table
        yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = keymap.TITLES["contacts"]
        self.query_one("#search", Input).focus()
        self.action_reload()

    def action_reload(self) -> None:
        self._generation += 1
        generation, match, sort, filters = (self._generation, self.query_one("#search", Input).value, self._sort,
                                            self._filters)
        self.in_thread(lambda: (generation, load_contacts(self.context, match, sort, filters)), self._show)

    def _show(self, answer: tuple[int, ContactPage]) -> None:
        generation, page = answer
        if generation != self._generation:
            return  # a later keystroke has asked again
        self.query_one("#contacts", RecordTable).fill(page.rows)
        found = f"{len(page.rows)}{'+' if page.more else ''}"
        # Filtered, the count is of those the filters leave (the whole count would mislead); the
        # status may take a second line at 80 columns rather than cut the filters off.
        shown = (f"{found} contacts with {self._filters.describe()} (u clears)" if self._filters
                 else f"{found} of {page.total} contacts")
        hint = "; type to narrow" if page.more else ""
        legend = f"{COLD_MARK}past cadence" + (f"  {DO_NOT_CONTACT_MARK}do not contact" if page.do_not_contact else "")
        self.query_one("#status", Static).update(f"{shown}, sorted by {self._sort}{hint}   {legend}")

    def on_input_changed(self, event: Input.Changed) -> None:
        self.action_reload()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#contacts", RecordTable).focus()

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_sort(self) -> None:
        self._sort = SORTS[(SORTS.index(self._sort) + 1) % len(SORTS)]
        self.action_reload()

    def action_filter_tag(self) -> None:
        self._pick("Only contacts with the tag", "tag", tag_choices, "tag")

    def action_filter_org(self) -> None:
        self._pick("Only the people of the organisation", "organisation", org_choices, "org")

    def action_filter_segment(self) -> None:
        self._pick("Only the contacts of the segment", "segment", segment_choices, "segment")

    def _pick(self, title: str, noun: str, choices: Callable[[Any, str], list[Choice]], field: str) -> None:
        from crmcli.tui.screens.picker import PickerModal

        def narrow(choice: Choice | None) -> None:
            if choice is not None:
                self._filters = replace(self._filters, **{field: choice})
                self.action_reload()

        self.app.push_screen(PickerModal(title, noun, lambda text: choices(self.context, text)), narrow)

    def action_clear_filters(self) -> None:
        if self._filters:
            self._filters = Filters()
            self.action_reload()

    def selected_contact(self) -> int | None:
        key = self.query_one("#contacts", RecordTable).selected_key()
        return int(key.split(":")[1]) if key is not None else None

    def action_open(self) -> None:
        key = self.query_one("#contacts", RecordTable).selected_key()
        if key is not None:
            from crmcli.tui.screens.contact import ContactScreen

            self.app.push_screen(ContactScreen(int(key.split(":")[1])))

    def on_data_table_row_selected(self, event: RecordTable.RowSelected) -> None:
        self.action_open()
