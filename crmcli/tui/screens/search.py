"""Global search: the ranked search of `crm search` as the user types, its hits grouped by type
(contacts, organisations, deals, follow-ups, cases, interactions) with the core's snippets. Enter
opens a hit in its screen; a follow-up or an interaction opens its contact."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.console import Group
from rich.padding import Padding
from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Footer, Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from crmcli.core.text import one_line, printable
from crmcli.tui import keymap
from crmcli.tui.format import local
from crmcli.tui.screens.base import CrmScreen

LIMIT = 20        # hits per type: what `crm search` gives by default
PREFIX_FROM = 3   # the word being typed matches by prefix from this length (`a*` would match most of the index)
GROUPS = {"contact": ("Contacts", "contact", "contacts"), "organisation": ("Organisations", "organisation", "organisations"),
          "deal": ("Deals", "deal", "deals"), "follow-up": ("Follow-ups", "follow-up", "follow-ups"),
          "case": ("Cases", "case", "cases"), "interaction": ("Interactions", "interaction", "interactions")}
HINT = ("Type to search contacts, organisations, deals, follow-ups, cases and interactions, as crm search does: "
        "every word must match, case and accents never matter, the word being typed matches its start, "
        "quot* matches by prefix and \"two words\" is a phrase. Tab or enter moves to the hits; enter opens one.")


@dataclass(frozen=True)
class Hit:
    type: str
    id: int
    title: str
    when: str | None  # ISO UTC, or a day (an all-day follow-up)
    snippet: str      # with the core's highlight marks around matched words


@dataclass(frozen=True)
class Found:
    text: str
    groups: list[tuple[str, list[Hit], bool]]  # (type, its best hits, whether there are more)
    problem: str | None = None                 # why the text cannot be searched


def as_typed(text: str) -> str:
    """The query a search box asks: the text, with the word still being typed (the last one, not
    yet followed by a space, outside quotes, long enough) matching by prefix."""
    words = text.split()
    if not words or text[-1].isspace() or text.count('"') % 2 or words[-1].endswith(("*", '"')):
        return text
    return text + "*" if len(words[-1]) >= PREFIX_FROM else text


def find(context: Any, text: str) -> Found:
    """Each type's best hits (one ranked search per type, so a crowd of one kind never hides another)."""
    from crmcli.core.search import HIT_TYPES, search
    from crmcli.errors import Invalid

    if not text.strip():
        return Found(text, [])
    groups = []
    try:
        with context.database.connect() as conn:
            for kind in HIT_TYPES:
                hits = [Hit(kind, rid, title, when, snippet)
                        for kind, rid, title, when, snippet, _ in search(conn, as_typed(text), limit=LIMIT + 1,
                                                                          only=kind).rows]
                if hits:
                    groups.append((kind, hits[:LIMIT], len(hits) > LIMIT))
    except Invalid as err:
        return Found(text, [], str(err))
    return Found(text, groups)


def where_it_opens(context: Any, kind: str, rid: int) -> tuple[str, int]:
    """(screen, id) of a hit: a follow-up opens its contact, an interaction its first participant."""
    from crmcli.core import followups, interactions
    from crmcli.errors import NotFound

    if kind not in ("follow-up", "interaction"):
        return kind, rid
    with context.database.session() as session:
        if kind == "follow-up":
            return "contact", followups.get(session, rid).contact_id
        people = interactions.participants(session, interactions.get(session, rid))
        if not people:
            raise NotFound(f"interaction #{rid} has no contact left to open")
        return "contact", people[0].id  # type: ignore[return-value]


def highlighted(snippet: str) -> Text:
    """A snippet with the core's marks around matched words (**word**) shown bold, the stored text inert."""
    from crmcli.core.search import HIGHLIGHT

    opening, closing = HIGHLIGHT
    text, rest = Text(), printable(one_line(snippet))
    while opening in rest and closing in rest[rest.index(opening) + len(opening):]:
        before, _, rest = rest.partition(opening)
        lit, _, rest = rest.partition(closing)
        text.append(before)
        text.append(lit, style="bold underline")
    text.append(rest)
    return text


def hit_prompt(hit: Hit) -> Group:
    """The title and when on one line; the snippet below it, indented even where it wraps."""
    head = Text()
    head.append(printable(one_line(hit.title)), style="bold")
    if hit.when:
        head.append(f"  {local(hit.when)}", style="dim")
    return Group(head, Padding(highlighted(hit.snippet), (0, 0, 0, 2)))


def options(found: Found) -> list[Option | None]:
    """Each group under its heading, a line between groups."""
    shown: list[Option | None] = []
    for kind, hits, more in found.groups:
        if shown:
            shown.append(None)
        heading = f"{GROUPS[kind][0]} ({len(hits)}{'+' if more else ''})"
        shown.append(Option(Text(heading, style="bold"), disabled=True))
        shown += [Option(hit_prompt(h), id=f"{h.type}:{h.id}") for h in hits]
    return shown


def summary(found: Found) -> str:
    parts = [f"{len(hits)}{'+' if more else ''} {GROUPS[kind][1 if len(hits) == 1 else 2]}"
             for kind, hits, more in found.groups]
    return ", ".join(parts) + f" for {found.text.strip()!r}" if parts else ""


class SearchScreen(CrmScreen):
    BINDINGS = keymap.bindings("search")
    DEFAULT_CSS = """
    #query { margin: 0 1; }
    #hits { height: 1fr; }
    #message { height: 1fr; padding: 1 2; color: $text-muted; }
    """

    def __init__(self) -> None:
        super().__init__(name="search")

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="search everything: words, quot* for a prefix, \"a phrase\"", id="query")
        hits = OptionList(id="hits", classes="panel")
        hits.border_title = "Hits"
        hits.display = False
        yield hits
        yield Static(HINT, id="message", classes="panel")
        yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = keymap.TITLES["search"]
        self.query_one("#query", Input).focus()

    def on_screen_resume(self) -> None:
        if self.query_one("#query", Input).value:
            self.action_reload()  # back from a hit: what changed meanwhile shows

    def action_reload(self) -> None:
        text = self.query_one("#query", Input).value
        self.newest(lambda: find(self.context, text), self._show)

    def _show(self, found: Found) -> None:
        hits, message = self.query_one("#hits", OptionList), self.query_one("#message", Static)
        kept = hits.highlighted_option.id if hits.highlighted_option is not None else None
        hits.clear_options()
        hits.add_options(options(found))
        if not found.text.strip():
            message.update(HINT)
        elif found.problem:
            message.update(Text(found.problem, style="bold red"))
        elif not found.groups:
            message.update(f"Nothing matches {found.text.strip()!r}.")
        hits.display, message.display = bool(found.groups), not found.groups
        if found.groups:
            hits.highlighted = _index(hits, kept)
        self.query_one("#status", Static).update(summary(found))

    def on_input_changed(self, event: Input.Changed) -> None:
        self.action_reload()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        hits = self.query_one("#hits", OptionList)
        if hits.display:
            hits.focus()

    def action_search(self) -> None:
        self.query_one("#query", Input).focus()

    def on_screen_resume(self) -> None:
        if self.query_one("#query", Input).value:
            self.action_reload()  # back from a hit: what changed meanwhile shows

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_id:
            self.open(event.option_id)

    def action_open(self) -> None:
        option = self.query_one("#hits", OptionList).highlighted_option
        if option is not None and option.id:
            self.open(option.id)

    def open(self, key: str) -> None:
        kind, rid = key.split(":")[0], int(key.split(":")[1])
        self.in_thread(lambda: where_it_opens(self.context, kind, rid), self._open, group="open")

    def _open(self, target: tuple[str, int]) -> None:
        kind, rid = target
        if kind == "contact":
            from crmcli.tui.screens.contact import ContactScreen

            self.app.push_screen(ContactScreen(rid))
        elif kind == "organisation":
            from crmcli.tui.screens.orgs import OrgScreen

            self.app.push_screen(OrgScreen(rid))
        elif kind == "case":
            from crmcli.tui.screens.cases import CaseScreen

            self.app.push_screen(CaseScreen(rid))
        else:
            from crmcli.tui.screens.deal import DealModal, load_deal

            self.in_thread(lambda: load_deal(self.context, rid), lambda view: self.app.push_screen(DealModal(view)),
                           group="open")


def _index(hits: OptionList, key: str | None) -> int:
    """Where the cursor goes after new hits: on the same hit if it is still there, else the first hit."""
    first = None
    for k in range(hits.option_count):
        option = hits.get_option_at_index(k)
        if option.id and first is None:
            first = k
        if key is not None and option.id == key:
            return k
    return first or 0
