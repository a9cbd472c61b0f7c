"""The dashboard (``6``): the numbers that run the business for a month, quarter or year,
each beside the period before it; the forecast of the pipeline by month; why deals were
lost; how people were reached; each team member's numbers.

The figures are read in a thread worker (``crm_tui.services.dashboard``); the charts are
drawn by plotext, their numbers written beside them. Each figure takes the focus (tab, or
the arrow keys) and Enter opens the records behind it where they are worked on: the deals
in the pipeline, the contacts in their list, the interactions in the log, each narrowed to
the period (escape there shows everything again).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Static
from textual.worker import get_current_worker
from textual_plotext import PlotextPlot

from crm_tui import bidi, display
from crm_tui.services.dashboard import Dashboard, Figures, Span, before, period_of
from crm_tui.services.interactions import ComplaintFilter, InteractionQuery
from crm_tui.services.reports import Amounts, Period
from crm_tui.text import for_terminal
from screens.base import CrmScreen, plural
from screens.deal_dialogs import DealFilter
from screens.text import safe
from screens.widgets.keybar import KeyBar
from screens.widgets.topbar import TopBar


def money(amounts: Amounts) -> str:
    """Amounts per currency, one line each ("–" for none)."""
    if not amounts:
        return "–"
    return "\n".join(display.amount(minor, code) for code, minor in sorted(amounts.items()))


def _number(value: float | int | None, unit: str = "") -> str:
    if value is None:
        return "–"
    shown = f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"
    return display.digits(shown + unit)


def _label(text: str, width: int = 12) -> str:
    """A chart's label: cleaned of control characters, cut (saying so), laid out."""
    return bidi.layout(bidi.cut(for_terminal(text, single_line=True), width))


class Figure(Static, can_focus=True):
    """A figure on the dashboard; ``opens``: what Enter shows of the records behind it (a
    key of ``DashboardScreen.open_records``)."""

    def __init__(self, opens: str, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self.opens = opens


# What each tile opens, in the order of ``tiles``.
TILE_OPENS = ("won", "closed", "closed", "won", "won", "leads", "complaints", "resolved")


def tiles(now: Figures, then: Figures) -> list[tuple[str, str, str]]:
    """(title, this period, the period before) for each figure tile."""
    return [
        ("Revenue won", money(now.revenue), money(then.revenue)),
        (
            "Deals won / lost",
            f"{_number(now.won)} / {_number(now.lost)}",
            f"{_number(then.won)} / {_number(then.lost)}",
        ),
        ("Win rate", _number(now.win_rate, "%"), _number(then.win_rate, "%")),
        ("Average deal", money(now.average), money(then.average)),
        ("Sales cycle", _number(now.cycle_days, " days"), _number(then.cycle_days, " days")),
        (
            "New leads → customers",
            f"{_number(now.new_leads)} → {_number(now.converted)} ({_number(now.conversion, '%')})",
            f"{_number(then.new_leads)} → {_number(then.converted)}",
        ),
        (
            "Complaints opened / resolved",
            f"{_number(now.complaints_opened)} / {_number(now.complaints_resolved)}",
            f"{_number(then.complaints_opened)} / {_number(then.complaints_resolved)}",
        ),
        (
            "Median days to resolve",
            _number(now.resolve_median_days),
            _number(then.resolve_median_days),
        ),
    ]


class DashboardScreen(CrmScreen):
    """How the business is doing, this period beside the last."""

    SUB_TITLE = "Dashboard"
    DEFAULT_CSS = """
    DashboardScreen #dashboard-status { height: 1; padding: 0 1; color: $text-muted; }
    /* The charts' width must not change when the figures make the body scroll. */
    DashboardScreen #dashboard-body { scrollbar-gutter: stable; }
    DashboardScreen #dashboard-tiles { layout: grid; grid-size: 4; height: auto; }
    DashboardScreen .tile { height: auto; min-height: 4; padding: 0 1;
                            border: round $primary 40%; }
    DashboardScreen .tile:focus { border: round $accent; }
    DashboardScreen Figure.chart-numbers:focus, DashboardScreen #dashboard-tables Figure:focus {
        background: $boost; }
    /* The numbers beside a chart, one per line, are never cut: the row grows instead. */
    DashboardScreen #dashboard-charts { height: auto; }
    DashboardScreen .chart-box { width: 1fr; height: auto; }
    DashboardScreen PlotextPlot { height: 12; }
    DashboardScreen .chart-numbers { height: auto; color: $text-muted; padding: 0 1; }
    DashboardScreen #dashboard-tables { height: auto; }
    DashboardScreen #dashboard-team, DashboardScreen #dashboard-stages { width: 1fr;
                                     padding: 0 1; height: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "span('month')", "Month", id="dashboard.month"),
        Binding("Q", "span('quarter')", "Quarter", key_display="Q", id="dashboard.quarter"),
        Binding("y", "span('year')", "Year", id="dashboard.year"),
        Binding(
            "left_square_bracket", "shift(-1)", "Earlier", key_display="[", id="dashboard.earlier"
        ),
        Binding("right_square_bracket", "shift(1)", "Later", key_display="]", id="dashboard.later"),
        Binding("c", "currency", "Currency", id="dashboard.currency"),
        Binding("enter", "open", "Open", id="dashboard.open"),
        Binding("right,l", "app.focus_next", "Next", show=False),
        Binding("left,h", "app.focus_previous", "Previous", show=False),
    ]

    class Loaded(Message):
        def __init__(self, dashboard: Dashboard) -> None:
            super().__init__()
            self.dashboard = dashboard

    def __init__(self) -> None:
        super().__init__()
        self.span = Span.MONTH
        self.period: Period | None = None
        self.dashboard: Dashboard | None = None
        self.currency_index = 0

    def compose(self) -> ComposeResult:
        yield TopBar("dashboard")
        yield Static("", id="dashboard-status")
        with VerticalScroll(id="dashboard-body"):
            with Horizontal(id="dashboard-tiles"):
                for index, opens in enumerate(TILE_OPENS):
                    yield Figure(opens, classes="tile", id=f"tile-{index}")
            with Horizontal(id="dashboard-charts"):
                for name in ("forecast", "lost", "channels"):
                    with Vertical(classes="chart-box"):
                        yield PlotextPlot(id=f"chart-{name}")
                        yield Figure(name, classes="chart-numbers", id=f"numbers-{name}")
            with Horizontal(id="dashboard-tables"):
                yield Figure("won", id="dashboard-team")
                yield Figure("won", id="dashboard-stages")
        yield KeyBar()

    def on_screen_resume(self) -> None:
        self.load()

    def refresh_data(self) -> None:
        self.load()

    @property
    def jalali(self) -> bool:
        return display.current().calendar is display.Calendar.JALALI

    def load(self) -> None:
        if self.period is None:
            self.period = period_of(self.today, self.span, jalali=self.jalali)
        self._load(self.period)

    @work(thread=True, exclusive=True, group="dashboard")
    def _load(self, period: Period) -> None:
        from crm_tui.services.dashboard import build_dashboard

        worker = get_current_worker()

        def load() -> Dashboard | None:
            with self.read() as session:
                return build_dashboard(
                    session=session,
                    period=period,
                    today=self.today,
                    jalali=self.jalali,
                    # Another period asked for since (exclusive cancels this worker, but
                    # a thread runs on): stop reading this one.
                    wanted=lambda: not worker.is_cancelled,
                )

        found = self.guarded(load)
        if found is not None:
            self.post_message(self.Loaded(found))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.dashboard.current.period != self.period:
            return  # read for a period left since (the newer one's load follows)
        self.dashboard = found = message.dashboard
        now, then = found.current.period, found.previous.period
        self.query_one("#dashboard-status", Static).update(
            # The keys to change it (m, Q, y, [ and ]) are in the key bar.
            Content(f"{self.span} {_span_text(now)} · beside {_span_text(then)}")
        )
        for index, (title, current, previous) in enumerate(tiles(found.current, found.previous)):
            self.query_one(f"#tile-{index}", Figure).update(
                Content.assemble(
                    (title, "bold $text-accent"),
                    "\n",
                    (current, "bold"),
                    "\n",
                    (f"before: {previous}", "$text-muted"),
                )
            )
        self._forecast()
        self._bars("lost", "Lost reasons", found.current.lost_reasons)
        self._bars("channels", "Interactions per channel", found.current.channels)
        self._tables(found)

    def _forecast(self) -> None:
        """Pipeline value and its weighted part by month of expected close, one currency at
        a time (c shows the next): amounts in different currencies are never drawn as one."""
        assert self.dashboard is not None
        rows = self.dashboard.forecast.rows
        currencies = sorted({code for row in rows for code in row["value"]})
        plot = self.query_one("#chart-forecast", PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        numbers = self.query_one("#numbers-forecast", Static)
        if not currencies:
            plt.title("Forecast: no open deals with a close date")
            numbers.update("")
            plot.refresh()
            return
        code = currencies[self.currency_index % len(currencies)]
        months = [bidi.layout(display.digits(row["month"][2:])) for row in rows]
        values = [row["value"].get(code, 0) for row in rows]
        weighted = [row["weighted"].get(code, 0) for row in rows]
        # plotext takes ``labels``; textual-plotext's stub names it ``label`` (a str).
        positions = list(range(1, len(months) + 1))
        plt.multiple_bar(positions, [values, weighted], labels=["value", "weighted"])  # type: ignore[call-arg]
        plt.xticks([])  # the months are named in order in the numbers below
        plt.title(f"Forecast, {code}" + (" (c: next)" if len(currencies) > 1 else ""))
        plt.yticks([], [])
        plot.refresh()

        def bare(minor: int) -> str:  # the currency is said once, above
            return display.amount(minor, code).removesuffix(f" {code}")

        lines = [f"{code}: value / weighted"]
        lines += [
            f"{month}: {bare(v)} / {bare(w)}"
            for month, v, w in zip(months, values, weighted, strict=True)
        ]
        numbers.update(Content("\n".join(lines)))

    def _bars(self, name: str, title: str, points: list[tuple[str, int]]) -> None:
        plot = self.query_one(f"#chart-{name}", PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(title)
        if points:
            counts = [count for _, count in points]
            plt.bar(list(range(1, len(points) + 1)), counts)
            # The bars are named in order in the numbers below: plotext's own names under
            # them were not the same ones from one drawing to the next.
            plt.xticks([])
            # Counts are whole: plotext's own ticks read 0.67, 1.33 for a count of 2.
            step = max(1, -(-max(counts) // 4))
            ticks: list[float] = list(range(0, max(counts) + 1, step))
            plt.yticks(ticks, [_number(tick) for tick in ticks])
        plot.refresh()
        shown = "\n".join(f"{_label(label, 24)} {_number(count)}" for label, count in points)
        self.query_one(f"#numbers-{name}", Static).update(Content(shown or "none"))

    def _tables(self, found: Dashboard) -> None:
        lines: list[Any] = [("Team", "bold $text-accent")]
        for row in found.team.rows:
            lines.append(
                f"\n{safe(row['owner'], single_line=True)}: won {_number(row['won'])} "
                f"({money(row['value_won']).replace(chr(10), ', ')}), "
                f"open deals {_number(row['open_deals'])}, open tasks {_number(row['open_tasks'])}"
            )
        self.query_one("#dashboard-team", Static).update(Content.assemble(*lines))
        stages: list[Any] = [("Days in each stage (deals won)", "bold $text-accent")]
        for row in found.stage_days.rows:
            stages.append(
                f"\n{safe(row['stage'], single_line=True)}: "
                f"{_number(row['days'])} days ({plural(row['deals'], 'deal')})"
            )
        self.query_one("#dashboard-stages", Static).update(Content.assemble(*stages))

    # -- the period -----------------------------------------------------------------------

    def action_span(self, span: str) -> None:
        self.span = span
        self.period = period_of(self.today, span, jalali=self.jalali)
        self.load()

    def action_shift(self, step: int) -> None:
        if self.period is None:
            return
        if step < 0:
            self.period = before(self.period, jalali=self.jalali)
        else:
            after = self.period.end + timedelta(days=1)
            self.period = period_of(after, self.span, jalali=self.jalali)
        self.load()

    def action_currency(self) -> None:
        self.currency_index += 1
        if self.dashboard is not None:
            self._forecast()

    # -- the records behind a figure ------------------------------------------------------

    def on_mount(self) -> None:
        self.query_one("#tile-0", Figure).focus()

    def action_open(self) -> None:
        focused = self.focused
        if isinstance(focused, Figure) and self.dashboard is not None:
            self.open_records(focused.opens, self.dashboard.current.period)

    def open_records(self, opens: str, period: Period) -> None:
        """Show the records behind a figure of ``period`` on the screen that works them."""
        start, end = period.instants
        span = _span_text(period)
        if opens in ("won", "lost", "closed"):
            outcome = None if opens == "closed" else opens
            chosen = DealFilter(label=f"{opens} {span}", closed_in=(start, end), outcome=outcome)
            self._switch("pipeline", lambda screen: screen.show_deals(chosen))
        elif opens == "forecast":
            self._switch("pipeline", lambda screen: screen.show_deals(DealFilter()))
        elif opens == "leads":
            self._switch("contacts", lambda screen: screen.show_added(start, end, span))
        else:
            query = {
                "complaints": InteractionQuery(
                    complaint=ComplaintFilter.ANY, since=start, until=end
                ),
                "resolved": InteractionQuery(complaint=ComplaintFilter.ANY, resolved=(start, end)),
                "channels": InteractionQuery(since=start, until=end),
            }[opens]
            self._switch("log", lambda screen: screen.show_query(query, span))

    def _switch(self, mode: str, then: Any) -> None:
        self.app.switch_mode(mode)
        self.app.call_after_refresh(lambda: then(self.app.screen))


def _span_text(period: Period) -> str:
    return f"{display.day(period.start)} to {display.day(period.end)}"
