"""The colour theme: Textual's own (dark, light, nord... ctrl+p, Theme), started from the
`tui_theme` setting and saved back to the config file when the user picked another. The screens'
CSS uses the theme's variables only ($primary, $accent, $error...), so a theme reaches every one;
NO_COLOR is Textual's: it draws the whole app without colour."""

from __future__ import annotations

from typing import Any

from crmcli.errors import CrmError


def apply_setting(app: Any) -> None:
    """Start in the theme the settings name; a broken or unknown one is said, and the default kept."""
    try:
        name = app.context.settings.tui_theme
    except CrmError as err:
        app.notify(str(err), severity="warning", timeout=8)
        return
    if name is None:
        return
    if name not in app.available_themes:
        app.notify(f"tui_theme: there is no theme called {name!r}; the themes are "
                   f"{', '.join(sorted(app.available_themes))}", severity="warning", timeout=8)
        return
    app.theme = name


def save_choice(app: Any, started: str) -> None:
    """At exit: the theme the user picked meanwhile, as tui_theme (nothing when it is unchanged)."""
    from crmcli import config

    if app.theme == started:
        return
    try:
        config.set_value("tui_theme", app.theme)
    except CrmError as err:  # an unwritable config file: the choice is lost, the exit is not
        app.log.warning(f"theme not saved: {err}")
