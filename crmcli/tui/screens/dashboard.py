"""The home screen: what is due, the open service cases, who has gone cold, the pipeline, this month's forecast, the
top and at-risk customers and recent activity. The first paint shows what `tui.launch` read before the app started (crmcli.tui.panels);
every reload reads each panel in its own worker (its own connection), so the panels paint as their
data comes and a slow one holds no other back. Below WIDE columns the panels stack in one
scrolling column, each at full width, so nothing is cut at 80x24."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.widgets import Footer, Header

from crmcli.tui import keymap
from crmcli.tui.panels import PANELS, Panel
from crmcli.tui.screens.base import CrmScreen
from crmcli.tui.writes import complete
from crmcli.tui.widgets.tables import RecordTable

WIDE = 110  # columns from which the panels sit side by side
# The panels' places: two columns side by side when WIDE, else stacked in this order.
COLUMNS = (("left", ("agenda", "cases", "cold")), ("right", ("pipeline", "forecast", "customers", "recent")))


class DashboardScreen(CrmScreen):
    BINDINGS = keymap.bindings("dashboard")
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE, "-wide")]
    # CSS, not DEFAULT_CSS: these sizes must win over the app's `.panel` rule.
    CSS = """
    DashboardScreen #panels { height: 1fr; }
    DashboardScreen #left { width: 1fr; }
    DashboardScreen #right { width: 1fr; min-width: 62; }
    DashboardScreen .panel { overflow-x: hidden; }
    DashboardScreen #cold, DashboardScreen #pipeline { height: auto; max-height: 50%; }
    DashboardScreen #cases { height: auto; max-height: 30%; }
    DashboardScreen #cold { max-height: 35%; }
    DashboardScreen #forecast { height: auto; max-height: 30%; }
    DashboardScreen #customers { height: auto; max-height: 30%; }
    DashboardScreen #recent { height: 1fr; min-height: 7; }
    DashboardScreen.-narrow #panels { layout: vertical; overflow-y: auto; }
    DashboardScreen.-narrow #left, DashboardScreen.-narrow #right { width: 1fr; min-width: 0; height: auto; }
    DashboardScreen.-narrow .panel { height: auto; max-height: 12; }
    DashboardScreen.-narrow #pipeline, DashboardScreen.-narrow #forecast { max-height: 16; }
    """

    def __init__(self) -> None:
        super().__init__(name="dashboard")
        self._contacts: dict[str, int] = {}
        self._about: dict[str, dict[str, int]] = {}
        self.waiting: set[str] = set()  # panels whose data has not come yet

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="panels"):
            for column, names in COLUMNS:
                with Vertical(id=column):
                    for name in names:
                        table = RecordTable(PANELS[name][0], id=name, classes="panel")
                        table.border_title = name.capitalize()
                        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = keymap.TITLES["dashboard"]
        self.action_reload()

    def on_resize(self, event: Resize) -> None:
        footer = self.query_one(Footer)  # narrow: the keys close up and ctrl+p goes unsaid, so they fit 80 columns
        footer.compact, footer.show_command_palette = event.size.width < WIDE, event.size.width >= WIDE

    def action_reload(self) -> None:
        self.waiting = set(PANELS)
        prefetched = self.app.take_prefetched()  # type: ignore[attr-defined]
        for name, (_, load) in PANELS.items():
            if prefetched is not None and name in prefetched:  # the first paint: what the launch read
                work = prefetched[name].result
            else:
                work = lambda load=load: load(self.context)  # type: ignore[misc]  # noqa: E731
            self.in_thread(work, lambda panel, name=name: self._show(name, panel), group=f"panel-{name}")

    def _show(self, name: str, panel: Panel) -> None:
        table = self.query_one(f"#{name}", RecordTable)
        table.fill(panel.rows)
        table.border_title = panel.title
        self._about[name] = panel.contacts
        self._contacts = {key: contact for about in self._about.values() for key, contact in about.items()}
        self.waiting.discard(name)

    # -- actions on the selected row -------------------------------------------------------------

    def _selected(self) -> tuple[str, str] | None:
        focused = self.focused if isinstance(self.focused, RecordTable) else self.query_one("#agenda", RecordTable)
        key = focused.selected_key()
        if key is None:
            return None
        kind, _, ref = key.partition(":")
        return kind, ref

    def selected_contact(self) -> int | None:
        """The selected row's contact: a follow-up's, a cold contact, a recent interaction's first."""
        selected = self._selected()
        return None if selected is None else self._contacts.get(":".join(selected))

    def _follow_up(self) -> int | None:
        selected = self._selected()
        if selected is None or selected[0] != "follow-up":
            self.notify("select a follow-up in the agenda first", severity="warning")
            return None
        return int(selected[1])

    def action_open(self) -> None:
        """The full view behind the row: the pipeline board for the money, else the row's contact."""
        selected = self._selected()
        if selected is None:
            return
        if selected[0] in ("stage", "forecast"):
            self.app.action_go("pipeline")  # type: ignore[attr-defined]
            return
        if selected[0] == "case":
            from crmcli.tui.screens.cases import CaseScreen

            self.app.push_screen(CaseScreen(int(selected[1])))
            return
        contact = self.selected_contact()
        if contact is not None:
            from crmcli.tui.screens.contact import ContactScreen

            self.app.push_screen(ContactScreen(contact))

    def on_data_table_row_selected(self, event: RecordTable.RowSelected) -> None:
        self.action_open()

    def action_done(self) -> None:
        follow_up = self._follow_up()
        if follow_up is not None:
            self.write(lambda: complete(self.context, follow_up, None))

    def action_done_and_log(self) -> None:
        follow_up = self._follow_up()
        if follow_up is not None:
            self.done_and_log(follow_up)

    def action_snooze(self) -> None:
        follow_up = self._follow_up()
        if follow_up is not None:
            self.snooze_follow_up(follow_up)
