"""The theme: Textual's theme picker (ctrl+p, Theme) and the `tui_theme` setting reach every
screen, the choice is kept for the next start, and NO_COLOR draws the app without colour. (The other
TUI tests run with NO_COLOR=1, as every test does: here colour is switched back on.)"""

from __future__ import annotations

import re
from typing import Any

import pytest

from crmcli.context import AppContext
from crmcli.tui.app import create_app
from tests.tui.conftest import settle
from tests.tui.test_app import run

# What each browsed screen is opened with, from the dashboard.
VISITS = {"dashboard": (), "contacts": ("c",), "contact": ("c", "tab", "enter"), "pipeline": ("p",),
          "followups": ("f",), "search": ("f5",), "orgs": ("f6",), "help": ("question_mark",)}


@pytest.fixture
def colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)


def _steps(*keys: str) -> Any:
    async def run_before(pilot: Any) -> None:
        await settle(pilot.app, pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot.app, pilot)
    return run_before


@pytest.mark.usefixtures("colour")
def test_dashboard_in_the_light_theme_of_the_setting(snap_compare: Any, demo: AppContext,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRMCLI_TUI_THEME", "textual-light")
    assert snap_compare(create_app(demo, watch_seconds=3600), terminal_size=(120, 40), run_before=_steps())


@pytest.mark.usefixtures("colour")
def test_pipeline_after_picking_the_light_theme(snap_compare: Any, demo: AppContext) -> None:
    async def run_before(pilot: Any) -> None:
        await _pick_theme(pilot, "textual-light")
        await _steps("p")(pilot)
    assert snap_compare(create_app(demo, watch_seconds=3600), terminal_size=(120, 40), run_before=run_before)


async def _pick_theme(pilot: Any, name: str) -> None:
    """As a user does: the command palette, Theme, the theme's name, enter."""
    await settle(pilot.app, pilot)
    await pilot.press("ctrl+p")
    await pilot.pause()
    for ch in "theme":
        await pilot.press(ch)
    await pilot.pause(0.3)
    await pilot.press("enter")
    await pilot.pause(0.3)
    for ch in name:
        await pilot.press(ch)
    await pilot.pause(0.3)
    await pilot.press("enter")
    await settle(pilot.app, pilot)
    assert pilot.app.theme == name


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        c2 = c / 255
        return c2 / 12.92 if c2 <= 0.03928 else ((c2 + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _readable(app: Any) -> list[str]:
    """Every shown widget whose text is too close to its background (WCAG contrast under 3)."""
    poor = []
    for widget in app.screen.query("*"):
        if not widget.display or not widget.region.area:
            continue
        style = widget.rich_style
        if style.color is None or style.bgcolor is None or style.color.triplet is None or style.bgcolor.triplet is None:
            continue
        ratio = _contrast(tuple(style.color.triplet), tuple(style.bgcolor.triplet))
        if ratio < 3:
            poor.append(f"{widget!r}: {ratio:.1f}")
    return poor


@pytest.mark.usefixtures("colour")
def test_a_theme_picked_reaches_every_screen_readably_and_is_kept_for_the_next_start(demo: AppContext) -> None:
    from textual.color import Color

    from crmcli import config
    from crmcli.context import open_context

    async def visit_all(app: Any, pilot: Any) -> None:
        for screen, keys in VISITS.items():
            await pilot.press("f1")  # back to the dashboard
            await settle(app, pilot)
            for key in keys:
                await pilot.press(key)
                await settle(app, pilot)
            assert app.screen.name == screen or screen == "help", (screen, app.screen.name)
            background = Color.parse(app.theme_variables["background"])
            assert app.screen.styles.background.rgb == background.rgb, screen  # the theme's (a modal: see-through)
            assert not _readable(app), (screen, _readable(app))
        await pilot.press("escape")  # the keys, last, are a modal
        await settle(app, pilot)

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            assert app.theme == "textual-dark"
            await visit_all(app, pilot)  # the dark default is readable too
            await pilot.press("f1")
            await _pick_theme(pilot, "textual-light")
            await visit_all(app, pilot)
        assert config.get_value("tui_theme") == ("textual-light", "file")  # saved at exit

        later = open_context(str(demo.database.path))  # the next `crm tui`: settings read afresh
        try:
            again = create_app(later, watch_seconds=3600)
            async with again.run_test(size=(120, 40)) as pilot:
                await settle(again, pilot)
                assert again.theme == "textual-light"  # begins in it
        finally:
            later.close()

    run(scenario())


def test_an_unknown_theme_setting_is_said_and_the_default_kept(demo: AppContext,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRMCLI_TUI_THEME", "no-such-theme")

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            assert app.theme == "textual-dark"
            said = [n.message for n in app._notifications]
            assert any("tui_theme: there is no theme called 'no-such-theme'" in m and "textual-light" in m
                       for m in said), said

    run(scenario())


def _colours(svg: str) -> set[str]:
    """The colours of the screen's cells in a screenshot (the window frame drawn around it aside)."""
    frame = {"#c5c8c6", "#ff5f57", "#febc2e", "#28c840", "#292929"}
    found = set(re.findall(r"fill: (#[0-9a-f]{6})", svg)) | set(re.findall(r'<rect fill="(#[0-9a-f]{6})"', svg))
    return found - frame


def _grey(colour: str) -> bool:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return max(r, g, b) - min(r, g, b) <= 3


@pytest.mark.parametrize("no_color", [True, False], ids=["NO_COLOR", "colour"])
def test_no_color_draws_every_screen_without_colour(demo: AppContext, monkeypatch: pytest.MonkeyPatch,
                                                    no_color: bool) -> None:
    """Late follow-ups in red, rotting deals marked red, the focused panel in the accent: all grey."""
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            for screen, keys in VISITS.items():
                await pilot.press("f1")
                await settle(app, pilot)
                for key in keys:
                    await pilot.press(key)
                    await settle(app, pilot)
                coloured = {c for c in _colours(app.export_screenshot()) if not _grey(c)}
                if no_color:
                    assert not coloured, (screen, coloured)
                else:
                    assert coloured, screen  # so the check above can fail

    run(scenario())
