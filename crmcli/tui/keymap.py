"""Every key of the TUI, as data (harlequin's habit): the screens' bindings, the footer, the help
screen and the command palette are all built from these tables, so a key is defined once."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class Key:
    keys: str          # Textual key names, comma-separated for alternatives
    action: str        # the action it runs (`action_<name>` on the screen or the app)
    description: str   # what the footer, the help screen and the palette say
    footer: bool = True


# Anywhere in the app.
GLOBAL: tuple[Key, ...] = (
    Key("ctrl+q", "quit", "Quit"),
    Key("question_mark", "help", "Keys"),
    Key("f1", "go('dashboard')", "Dashboard", footer=False),
    Key("f2", "go('contacts')", "Contacts", footer=False),
    Key("f3", "go('pipeline')", "Pipeline", footer=False),
    Key("f4", "go('followups')", "Follow-ups", footer=False),
    Key("f5", "go('search')", "Search", footer=False),
    Key("f6", "go('orgs')", "Organisations", footer=False),
    Key("f7", "go('cases')", "Cases", footer=False),
    Key("f8", "go('marketing')", "Segments and campaigns", footer=False),
    # Quick actions, on the contact selected in the current screen (where there is one). Capitals, so
    # they never clash with a screen's own keys; an Input being typed in keeps its letters.
    Key("L", "log", "Log interaction", footer=False),
    Key("F", "add_follow_up", "Add follow-up", footer=False),
    Key("A", "add_contact", "Add contact", footer=False),
    Key("E", "edit_contact", "Edit contact", footer=False),
    Key("N", "add_deal", "Add deal", footer=False),
    Key("D", "delete_contact", "Delete contact", footer=False),
    Key("C", "add_case", "Add case", footer=False),
)

SCREENS: dict[str, tuple[Key, ...]] = {
    "dashboard": (
        Key("c", "app.go('contacts')", "Contacts"),
        Key("p", "app.go('pipeline')", "Pipeline"),
        Key("f", "app.go('followups')", "Follow-ups"),
        Key("slash", "app.go('search')", "Search"),
        Key("g", "app.go('orgs')", "Organisations", footer=False),
        Key("k", "app.go('cases')", "Cases", footer=False),
        Key("m", "app.go('marketing')", "Segments and campaigns", footer=False),
        Key("x", "done", "Done"),
        Key("s", "snooze", "Snooze"),
        Key("l", "done_and_log", "Done+log", footer=False),  # the footer must fit 80 columns
        Key("enter", "open", "Open", footer=False),
        Key("tab", "app.focus_next", "Next panel", footer=False),
        Key("r", "reload", "Refresh", footer=False),
    ),
    "contacts": (
        Key("slash", "search", "Search"),
        Key("enter", "open", "Open", footer=False),
        Key("o", "sort", "Sort"),
        Key("t", "filter_tag", "Tag filter"),
        Key("g", "filter_org", "Org filter"),
        Key("s", "filter_segment", "Segment filter", footer=False),
        Key("u", "clear_filters", "Clear filters", footer=False),
        Key("escape", "back", "Back"),
        Key("r", "reload", "Refresh", footer=False),
    ),
    "contact": (
        Key("escape", "back", "Back"),
        Key("L", "app.log", "Log"),  # the quick action, shown in this screen's footer
        Key("M", "merge", "Merge a duplicate", footer=False),
        Key("X", "forget", "Erase personal data", footer=False),  # asks for the name typed: cannot be undone
        Key("h", "history", "History"),
        Key("enter", "open", "Open case or campaign", footer=False),  # on a case's or a campaign's timeline entry
        Key("home,ctrl+home,g", "newest", "Newest entry", footer=False),
        Key("end,ctrl+end,G", "oldest", "Oldest entry", footer=False),
        Key("r", "reload", "Refresh", footer=False),
    ),
    "pipeline": (
        Key("left,h", "previous_column", "Previous column", footer=False),
        Key("right,l", "next_column", "Next column", footer=False),
        Key("right_square_bracket,shift+right", "next_stage", "Next stage"),
        Key("left_square_bracket,shift+left", "previous_stage", "Prev stage"),
        Key("w", "won", "Won"),
        Key("x", "lost", "Lost"),
        Key("enter", "open", "Stage history", footer=False),
        Key("escape", "back", "Back", footer=False),
        Key("r", "reload", "Refresh", footer=False),
    ),
    "followups": (
        Key("x", "done", "Done"),
        Key("s", "snooze", "Snooze"),
        Key("e", "edit", "Edit"),
        Key("l", "done_and_log", "Done+log"),
        Key("d", "delete", "Delete"),
        Key("enter", "open", "Open contact", footer=False),
        Key("escape", "back", "Back"),
        Key("r", "reload", "Refresh", footer=False),
    ),
    "search": (
        Key("slash", "search", "Search"),
        Key("enter", "open", "Open", footer=False),
        Key("escape", "back", "Back"),
    ),
    "orgs": (
        Key("slash", "search", "Search"),
        Key("enter", "open", "Open", footer=False),
        Key("escape", "back", "Back"),
        Key("r", "reload", "Refresh", footer=False),
    ),
    "org": (
        Key("enter", "open", "Open", footer=False),
        Key("tab", "app.focus_next", "Next panel", footer=False),
        Key("escape", "back", "Back"),
        Key("r", "reload", "Refresh", footer=False),
    ),
    "cases": (
        Key("enter", "open", "Open", footer=False),
        Key("a", "add", "Add"),
        Key("t", "toggle_all", "Open/all"),
        Key("s", "status", "Status"),
        Key("x", "close_case", "Close"),
        Key("u", "reopen", "Reopen", footer=False),
        Key("o", "assign", "Assign", footer=False),
        Key("n", "note", "Note"),
        Key("e", "edit", "Edit", footer=False),
        Key("escape", "back", "Back"),
        Key("r", "reload", "Refresh", footer=False),
    ),
    "case": (
        Key("s", "status", "Status"),
        Key("x", "close_case", "Close"),
        Key("u", "reopen", "Reopen"),
        Key("o", "assign", "Assign"),
        Key("n", "note", "Note"),
        Key("e", "edit", "Edit"),
        Key("enter", "open_contact", "Open contact", footer=False),
        Key("escape", "back", "Back"),
        Key("r", "reload", "Refresh", footer=False),
    ),
    "marketing": (
        Key("enter", "open", "Open", footer=False),  # a segment's contacts, or a campaign
        Key("a", "add", "Add"),
        Key("e", "edit", "Edit"),
        Key("d", "delete", "Delete"),
        Key("s", "start", "Start"),
        Key("tab", "app.focus_next", "Next panel", footer=False),
        Key("escape", "back", "Back"),
        Key("r", "reload", "Refresh", footer=False),
    ),
    "campaign": (
        Key("r", "respond", "Response"),
        Key("m", "add_member", "Add member"),
        Key("s", "start", "Start", footer=False),  # once, for a draft: the footer must fit 80 columns
        Key("e", "edit", "Edit"),
        Key("enter", "open_contact", "Open contact", footer=False),
        Key("escape", "back", "Back"),
    ),
    "deal": (
        Key("escape,enter", "dismiss", "Close"),
    ),
    "form": (
        Key("ctrl+s", "save", "Save"),
        Key("escape", "cancel", "Cancel"),
    ),
    "confirm": (
        Key("y", "confirm", "Yes"),
        Key("n,escape", "cancel", "No"),
    ),
    "help": (
        Key("escape,question_mark", "dismiss", "Close"),
    ),
    "picker": (
        Key("down", "cursor_down", "Next", footer=False),
        Key("up", "cursor_up", "Previous", footer=False),
        Key("escape", "cancel", "Cancel"),
    ),
}

TITLES = {"dashboard": "Dashboard", "contacts": "Contacts", "contact": "Contact", "pipeline": "Pipeline",
          "followups": "Follow-ups", "search": "Search", "orgs": "Organisations", "org": "Organisation",
          "cases": "Cases", "case": "Case",
          "marketing": "Segments and campaigns", "campaign": "Campaign", "deal": "Deal", "confirm": "Confirm", "help": "Keys", "picker": "Pick", "form": "Form"}

# The screens a user browses, in the order the README's keys table and the help list them.
BROWSED = ("dashboard", "contacts", "contact", "pipeline", "followups", "search", "orgs", "org", "cases", "case",
           "marketing", "campaign")


def bindings(screen: str) -> list[Binding]:
    return [Binding(k.keys, k.action, k.description, show=k.footer) for k in SCREENS[screen]]


def app_bindings() -> list[Binding]:
    return [Binding(k.keys, k.action, k.description, show=k.footer, priority=k.keys == "ctrl+q") for k in GLOBAL]


def markdown_table() -> str:
    """The README's keys table, made from these tables (tests/tui/test_command.py keeps them equal)."""
    lines = ["| screen | key | does |", "| --- | --- | --- |"]
    for screen in BROWSED:
        lines += [f"| {TITLES[screen].lower()} | `{shown(k.keys)}` | {k.description} |" for k in SCREENS[screen]]
    lines += [f"| anywhere | `{shown(k.keys)}` | {k.description} |" for k in GLOBAL]
    lines.append("| anywhere | `ctrl+p` | Command palette: every screen and action by name |")
    return "\n".join(lines) + "\n"


def shown(keys: str) -> str:
    """`question_mark` -> `?`, `ctrl+q` -> `ctrl+q`: the key as a person types it."""
    names = {"question_mark": "?", "slash": "/", "escape": "esc", "enter": "enter",
             "right_square_bracket": "]", "left_square_bracket": "["}
    return " / ".join(names.get(k, k) for k in keys.split(","))
