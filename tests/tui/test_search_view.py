"""Global search driven with Pilot: typing searches, hits come grouped by type in `crm search`'s
rank order, and enter opens each kind of hit in its screen."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from crmcli.context import AppContext
from crmcli.tui.app import create_app
from crmcli.tui.screens.search import as_typed, highlighted
from tests.tui.conftest import settle
from tests.tui.test_app import run


async def _search(app: Any, pilot: Any, text: str) -> None:
    await settle(app, pilot)
    await pilot.press("slash")  # from the dashboard
    await settle(app, pilot)
    assert app.screen.name == "search"
    for ch in text:
        await pilot.press("space" if ch == " " else ch)
    await settle(app, pilot)


def _ids(app: Any) -> list[str | None]:
    hits = app.screen.query_one("#hits")
    return [hits.get_option_at_index(k).id for k in range(hits.option_count)]


def _headings(app: Any) -> list[str]:
    hits = app.screen.query_one("#hits")
    return [str(o.prompt) for o in hits.options if o.disabled]


def _status(app: Any) -> str:
    return str(app.screen.query_one("#status").render())


def test_typing_shows_each_types_hits_in_rank_order_under_its_heading(demo: AppContext) -> None:
    from crmcli.core.search import HIT_TYPES, search

    with demo.database.connect() as conn:  # the word being typed matches by prefix
        found = {kind: list(search(conn, "acme*", limit=20, only=kind).rows) for kind in HIT_TYPES}
    expected = {kind: [f"{kind}:{r[1]}" for r in rows] for kind, rows in found.items()}
    expected_titles = [r[2] for r in found["contact"]]

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await _search(app, pilot, "acme")
            assert _headings(app) == ["Contacts (6)", "Organisations (1)"]
            assert [i for i in _ids(app) if i] == expected["contact"] + expected["organisation"]
            assert _status(app) == "6 contacts, 1 organisation for 'acme'"
            title, snippet = app.screen.query_one("#hits").get_option_at_index(1).prompt.renderables
            assert title.plain == expected_titles[0]
            snippet = snippet.renderable  # indented under the title
            assert "**" not in snippet.plain and "Acme" in snippet.plain  # the core's marks became bold
            assert any(span.style == "bold underline" for span in snippet.spans)

            for _ in "acme":
                await pilot.press("backspace")
            for ch in "quote":
                await pilot.press(ch)
            await settle(app, pilot)
            assert _headings(app) == ["Follow-ups (11)", "Interactions (20+)"]
            assert _status(app) == "11 follow-ups, 20+ interactions for 'quote'"

    run(scenario())


@pytest.mark.parametrize(("typed", "message"), [
    ("", "Type to search contacts, organisations, deals, follow-ups, cases and interactions"),
    ("zeppelinx", "Nothing matches 'zeppelinx'."),
    ("!!", "nothing to search for in '!!'"),
])
def test_an_empty_query_hints_and_no_hits_or_nothing_searchable_say_so(demo: AppContext, typed: str,
                                                                       message: str) -> None:
    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await _search(app, pilot, typed)
            shown = app.screen.query_one("#message")
            assert shown.display and not app.screen.query_one("#hits").display
            assert message in str(shown.render())
            assert not app._notifications  # said in place, not as a toast

    run(scenario())


def _where(demo: AppContext, kind: str, rid: int) -> tuple[str, int]:
    """Where a hit should open, asked of the core directly."""
    from crmcli.core import followups, interactions

    with demo.database.session() as session:
        if kind == "follow-up":
            return "contact", followups.get(session, rid).contact_id
        if kind == "interaction":
            return "contact", interactions.participants(session, interactions.get(session, rid))[0].id  # type: ignore[return-value]
    return {"organisation": "org"}.get(kind, kind), rid


@pytest.mark.parametrize(("typed", "kind"), [("acme", "contact"), ("acme", "organisation"), ("website", "deal"),
                                             ("quote", "follow-up"), ("quote", "interaction")])
def test_enter_opens_each_kind_of_hit_in_its_screen_and_escape_comes_back(demo: AppContext, typed: str,
                                                                          kind: str) -> None:
    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await _search(app, pilot, typed)
            await pilot.press("enter")  # from the box to the hits
            await settle(app, pilot)
            hits = app.screen.query_one("#hits")
            assert app.focused is hits
            while not (hits.highlighted_option.id or "").startswith(kind + ":"):
                await pilot.press("down")
            rid = int(hits.highlighted_option.id.split(":")[1])
            await pilot.press("enter")
            await settle(app, pilot)
            screen, expected = _where(demo, kind, rid)
            assert app.screen.name == screen
            opened = {"contact": "contact_id", "org": "org_id"}.get(screen)
            assert (getattr(app.screen, opened) if opened else app.screen.view.id) == expected
            await pilot.press("escape")
            await settle(app, pilot)
            assert app.screen.name == "search" and app.screen.query_one("#query").value == typed
            await pilot.press("escape")
            await settle(app, pilot)
            assert app.screen.name == "dashboard"

    run(scenario())


def test_a_word_of_a_case_title_finds_the_case_and_enter_opens_it(demo: AppContext) -> None:
    from tests.tui.test_cases_tui import _card

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await _search(app, pilot, "charged")
            assert _headings(app) == ["Cases (1)"] and _ids(app) == [None, "case:1"]
            assert _status(app) == "1 case for 'charged'"
            title, _ = app.screen.query_one("#hits").get_option_at_index(1).prompt.renderables
            assert title.plain.split("  ")[0] == "#1 Invoice 1043 charged twice (Uma Tanaka, open)"  # then when opened
            await pilot.press("enter")  # from the box to the hit
            await settle(app, pilot)
            await pilot.press("enter")
            await settle(app, pilot)
            assert app.screen.name == "case" and app.screen.case_id == 1
            assert "Invoice 1043 charged twice" in _card(app)
            await pilot.press("escape")
            await settle(app, pilot)
            assert app.screen.name == "search" and app.screen.query_one("#query").value == "charged"

    run(scenario())


def test_f5_opens_search_from_anywhere(demo: AppContext) -> None:
    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await pilot.press("p")
            await settle(app, pilot)
            await pilot.press("f5")
            await settle(app, pilot)
            assert app.screen.name == "search" and app.focused is app.screen.query_one("#query")

    run(scenario())


def test_only_the_newest_question_is_answered_while_one_runs(demo: AppContext) -> None:
    """Typing fast: the search running goes on, only the last text waits; the overtaken answer is dropped."""
    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await _search(app, pilot, "")
            gate, shown, asked = threading.Event(), [], []

            def slow() -> str:
                asked.append("first")
                gate.wait(5)
                return "first"

            def quick(name: str) -> Any:
                return lambda: asked.append(name) or name

            app.screen.newest(slow, shown.append)
            await pilot.pause(0.05)
            app.screen.newest(quick("second"), shown.append)
            app.screen.newest(quick("third"), shown.append)
            gate.set()
            await settle(app, pilot)
            assert asked == ["first", "third"] and shown == ["third"]

    run(scenario())


@pytest.mark.parametrize(("typed", "asked"), [
    ("acme", "acme*"), ("ac", "ac"), ("acme ", "acme "), ("ann quo", "ann quo*"), ("quot*", "quot*"),
    ('"revised quote"', '"revised quote"'), ('"revised quo', '"revised quo'), ("", ""),
])
def test_the_word_being_typed_matches_by_prefix(typed: str, asked: str) -> None:
    assert as_typed(typed) == asked


def test_highlights_become_bold_and_stored_text_stays_inert() -> None:
    text = highlighted("… the **Q3** quote \x1b[31m**quo**")
    assert text.plain == "… the Q3 quote ␛[31mquo"
    assert [text.plain[s.start:s.end] for s in text.spans] == ["Q3", "quo"]
