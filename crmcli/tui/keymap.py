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
)

SCREENS: dict[str, tuple[Key, ...]] = {
    "dashboard": (
        Key("c", "app.go('contacts')", "Contacts"),
        Key("p", "app.go('pipeline')", "Pipeline"),
        Key("f", "app.go('followups')", "Follow-ups"),
        Key("x", "done", "Done"),
        Key("s", "snooze", "Snooze"),
        Key("l", "done_and_log", "Done+log"),
        Key("enter", "open", "Open", footer=False),
        Key("tab", "app.focus_next", "Next panel", footer=False),
        Key("r", "reload", "Refresh", footer=False),
    ),
    "contacts": (
        Key("slash", "search", "Search"),
        Key("enter", "open", "Open", footer=False),
        Key("o", "sort", "Sort"),
        Key("escape", "back", "Back"),
        Key("r", "reload", "Refresh", footer=False),
    ),
    "contact": (
        Key("L", "log", "Log"),
        Key("escape", "back", "Back"),
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
        Key("d", "delete", "Delete"),
        Key("enter", "open", "Open contact", footer=False),
        Key("escape", "back", "Back"),
        Key("r", "reload", "Refresh", footer=False),
    ),
    "deal": (
        Key("escape,enter", "dismiss", "Close"),
    ),
    "confirm": (
        Key("y", "confirm", "Yes"),
        Key("n,escape", "cancel", "No"),
    ),
    "help": (
        Key("escape,question_mark", "dismiss", "Close"),
    ),
}

TITLES = {"dashboard": "Dashboard", "contacts": "Contacts", "contact": "Contact", "pipeline": "Pipeline",
          "followups": "Follow-ups", "deal": "Deal", "confirm": "Confirm", "help": "Keys"}


def bindings(screen: str) -> list[Binding]:
    return [Binding(k.keys, k.action, k.description, show=k.footer) for k in SCREENS[screen]]


def app_bindings() -> list[Binding]:
    return [Binding(k.keys, k.action, k.description, show=k.footer, priority=k.keys == "ctrl+q") for k in GLOBAL]


def shown(keys: str) -> str:
    """`question_mark` -> `?`, `ctrl+q` -> `ctrl+q`: the key as a person types it."""
    names = {"question_mark": "?", "slash": "/", "escape": "esc", "enter": "enter",
             "right_square_bracket": "]", "left_square_bracket": "["}
    return " / ".join(names.get(k, k) for k in keys.split(","))
