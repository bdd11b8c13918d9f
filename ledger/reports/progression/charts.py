"""Charts of the progression and fairness report, drawn by matplotlib (Agg, no pyplot state) as SVG. Each chart says
what it shows and marks where a figure was suppressed: no bar is drawn for it, the word "suppressed" stands in its
place, and the caption lists the suppressed figures. Charts draw only what the report's tables show (already
rounded and suppressed): they never see a raw count."""

from __future__ import annotations

import base64
import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure as PlotFigure  # noqa: E402 - after choosing the backend

from ledger.reports.progression.shape import (  # noqa: E402
    BENCHMARKS,
    RESPONSE_TARGETS,
    ROUTE_NAMES,
    Report,
    Table,
    band_name,
)
from ledger.reports.progression.suppression import Figure  # noqa: E402

matplotlib.rcParams.update(
    {
        "svg.fonttype": "none",
        "svg.hashsalt": "regledger",
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
)
COLOURS = ["#1d4f91", "#00703c", "#d4351c", "#6f72af", "#505a5f"]
BAND_LABELS = [band_name(b) for b in ("professional", "intermediate", "lower", None)]
BAND_AXIS = "socio-economic band (main earner's occupation when the person was 14)"
PATTERN_AXIS = "working pattern"
NOT_KNOWN_LABEL = band_name(None)  # "Not known": a characteristic not given, too


@dataclass
class Chart:
    key: str
    title: str
    caption: str
    svg: str
    suppressed: list[str] = field(default_factory=list)

    @property
    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode()

    @property
    def alt(self) -> str:
        return f"{self.title}. {self.caption}"


def _svg(figure: PlotFigure) -> str:
    out = io.StringIO()
    figure.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None})
    return out.getvalue()


def _bars(
    title: str,
    groups: list[str],
    series: list[tuple[str, list[Figure]]],
    ylabel: str,
    lines: Sequence[tuple[float, str]] = (),
    percent: bool = True,
    xlabel: str = "",
) -> tuple[str, list[str]]:
    """Grouped bars; a suppressed figure gets no bar and the word 'suppressed' in its place."""
    figure = PlotFigure(figsize=(7.5, 3.6))
    axes = figure.add_subplot()
    width = 0.8 / max(1, len(series))
    suppressed: list[str] = []
    top = 100.0 if percent else 1.0
    for figures in (f for _, f in series):
        for f in figures:
            if not f.suppressed and isinstance(f.value, (int, float)):
                top = max(top, float(f.value))
    for s, (name, figures) in enumerate(series):
        if all(f.suppressed or f.value is None for f in figures):  # still in the legend, saying why it has no bars
            axes.bar([], [], color=COLOURS[s % len(COLOURS)], label=f"{name} (every figure suppressed)")
        for g, f in enumerate(figures):
            x = g - 0.4 + width * (s + 0.5)
            if f.suppressed or f.value is None:
                axes.text(
                    x, top * 0.02, "suppressed", rotation=90, ha="center", va="bottom", fontsize=7, color="#505a5f"
                )
                suppressed.append(f"{groups[g]}, {name}")
                continue
            if float(f.value) == 0:  # a bar of no height: say 0, so it does not read as missing
                axes.text(x, 0, "0", ha="center", va="bottom", fontsize=7)
            axes.bar(
                x,
                float(f.value),
                width * 0.92,
                color=COLOURS[s % len(COLOURS)],
                label=name if g == next(i for i, h in enumerate(figures) if not h.suppressed) else None,
            )
    for y, label in lines:
        axes.axhline(y, color="#1b1b1b", linestyle="--", linewidth=0.8)
        axes.text(0.99, y, label, va="bottom", ha="right", fontsize=7, transform=axes.get_yaxis_transform())
    axes.set_xticks(range(len(groups)), [textwrap.fill(g, 16) for g in groups])  # long names on two lines
    axes.set_ylabel(ylabel)
    if xlabel:
        axes.set_xlabel(xlabel)
    axes.set_ylim(0, top * 1.12)
    axes.set_title(title, loc="left", fontsize=10)
    if len(series) > 1:
        axes.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _svg(figure), suppressed


def _column(table: Table, group: str, labels: list[str], column: str) -> list[Figure]:
    out = []
    for label in labels:
        row = table.row(group, label)
        out.append(row.cells[column] if row is not None else Figure("text", None, True, "no row"))
    return out


def _cells(table: Table, places: list[tuple[str, str]], column: str) -> list[Figure]:
    """The figures in ``column`` of the rows at ``places`` (group, label), from anywhere in the table."""
    out = []
    for group, label in places:
        row = table.row(group, label)
        out.append(row.cells[column] if row is not None else Figure("text", None, True, "no row"))
    return out


def _series_names(table: Table) -> list[str]:
    """The groups a representation-by table gives shares of: its columns ending " %", without it."""
    return [c.removesuffix(" %") for c in table.columns if c.endswith(" %")]


def _caption(about: str, table: Table, suppressed: list[str]) -> str:
    where = (
        ("Suppressed (too few people to show): " + "; ".join(suppressed) + ".")
        if suppressed
        else "No figure in this chart was suppressed."
    )
    return f"{about} Period: {table.period_words}. {where}"


def representation_chart(report: Report) -> Chart | None:
    table = report.table("representation")
    if table.period is None:
        return None
    groups = [r.label for r in table.rows]
    series = [
        (band_name(b), [r.cells[f"{band_name(b)} %"] for r in table.rows])
        for b in ("professional", "intermediate", "lower")
    ]
    lines = [(pct, f"{name.replace('_', ' ')}, professional {pct}%") for name, pct in BENCHMARKS.items()]
    title = "Background of registered people at each level"
    svg, suppressed = _bars(title, groups, series, "% of those with a known band", lines)
    about = (
        "Share of people registered at each level from professional, intermediate and lower socio-economic "
        "backgrounds (of those whose band is known); dashed lines: the professional-background benchmarks."
    )
    return Chart("representation", title, _caption(about, table, suppressed), svg, suppressed)


def response_chart(report: Report) -> Chart | None:
    table = report.table("response_over_time")
    if table.period is None or not table.rows:
        return None
    figure = PlotFigure(figsize=(7.5, 3.2))
    axes = figure.add_subplot()
    shown = [(r.label, r.cells["Response rate"]) for r in table.rows]
    xs = [i for i, (_, f) in enumerate(shown) if not f.suppressed]
    axes.plot(xs, [float(shown[i][1].given) for i in xs], marker="o", color=COLOURS[0])
    suppressed = [label for label, f in shown if f.suppressed]
    for i, (_, f) in enumerate(shown):
        if f.suppressed:
            axes.text(i, 3, "suppressed", rotation=90, ha="center", va="bottom", fontsize=7, color="#505a5f")
    for i, target in enumerate(RESPONSE_TARGETS):  # the first target's label under its line, the next's above
        axes.axhline(target, color="#1b1b1b", linestyle="--", linewidth=0.8)
        axes.text(
            0.99,
            target,
            f"target {target}%",
            va="top" if i == 0 else "bottom",
            ha="right",
            fontsize=7,
            transform=axes.get_yaxis_transform(),
        )
    axes.set_xticks(range(len(shown)), [label for label, _ in shown], rotation=45, ha="right")
    axes.set_xlim(-0.5, len(shown) - 0.5)
    axes.set_ylim(0, 105)
    axes.set_ylabel("% of everyone enrolled")
    title = "Response rate to the background questions"
    axes.set_title(title, loc="left", fontsize=10)
    about = (
        f"Share of everyone enrolled who answered the background questions, at the end of each block of "
        f"quarters; dashed lines: the targets of {RESPONSE_TARGETS[0]}% and {RESPONSE_TARGETS[1]}%."
    )
    return Chart("response", title, _caption(about, table, suppressed), _svg(figure), suppressed)


def outcomes_chart(report: Report) -> Chart | None:
    table = report.table("outcomes")
    if table.period is None:
        return None
    series = [
        (name, _column(table, f"{name}, by background", BAND_LABELS, "Award rate"))
        for name in ("Standard", "Equivalency")
    ]
    title = "Award rate by route and background"
    svg, suppressed = _bars(title, BAND_LABELS, series, "% of decided applications awarded")
    about = "Share of decided applications awarded at first decision, by route and socio-economic band."
    return Chart("outcomes", title, _caption(about, table, suppressed), svg, suppressed)


def progression_chart(report: Report) -> Chart | None:
    table = report.table("progression")
    if table.period is None:
        return None
    series = [
        (name, _column(table, f"{name}, by background", BAND_LABELS, "Average (months)"))
        for name in ("Standard", "Equivalency")
    ]
    title = "Time from one level to the next"
    svg, suppressed = _bars(title, BAND_LABELS, series, "average months between awards", percent=False)
    about = (
        "Average months between being awarded one level and the next, by the route of the higher award and "
        "by socio-economic band."
    )
    return Chart("progression", title, _caption(about, table, suppressed), svg, suppressed)


def renewals_chart(report: Report) -> Chart | None:
    table = report.table("renewals")
    if table.period is None:
        return None
    labels = [*BAND_LABELS, "All backgrounds"]
    series = [(rate, _column(table, "By background", labels, rate)) for rate in ("Renewal rate", "Lapse rate")]
    title = "Renewals and lapses by background"
    svg, suppressed = _bars(title, labels, series, "% of renewal dates")
    about = "Share of renewal dates in the period met by renewing, and missed (lapsed), by socio-economic band."
    return Chart("renewals", title, _caption(about, table, suppressed), svg, suppressed)


def audits_chart(report: Report) -> Chart | None:
    table = report.table("audit_outcomes")
    if table.period is None:
        return None
    labels = [*BAND_LABELS, "All"]
    series = [(rate, _column(table, "", labels, rate)) for rate in ("Accepted %", "Not renewed %")]
    title = "PPD audit outcomes by background"
    svg, suppressed = _bars(title, labels, series, "% of audit decisions")
    about = "Share of PPD audit decisions that accepted the record, and that decided 'not renewed', by band."
    return Chart("audits", title, _caption(about, table, suppressed), svg, suppressed)


def working_pattern_outcomes_chart(report: Report) -> Chart | None:
    table = report.table("working_pattern_outcomes")
    if table.period is None:
        return None
    labels = [r.label for r in table.rows if r.group == "By working pattern" and r.label != "All working patterns"]
    series = [("All routes", _column(table, "By working pattern", labels, "Award rate"))]
    series += [
        (name, _column(table, f"{name}, by working pattern", labels, "Award rate")) for name in ROUTE_NAMES.values()
    ]
    title = "Award rate by working pattern and route"
    svg, suppressed = _bars(title, labels, series, "% of decided applications awarded", xlabel=PATTERN_AXIS)
    about = (
        "Share of decided applications awarded at first decision, by the applicant's working pattern (employed, "
        "freelance, or both), for all routes and for each route."
    )
    return Chart("working_pattern_outcomes", title, _caption(about, table, suppressed), svg, suppressed)


def working_pattern_progression_chart(report: Report) -> Chart | None:
    table = report.table("working_pattern_progression")
    if table.period is None:
        return None
    labels = [r.label for r in table.rows if r.group == "By working pattern"]
    steps = [r.group.removesuffix(", by working pattern") for r in table.rows if r.group.endswith("working pattern")]
    steps = [s for s in dict.fromkeys(steps) if s != "By working pattern"]
    series = [("All steps", _column(table, "By working pattern", labels, "Average (months)"))]
    series += [(step, _column(table, f"{step}, by working pattern", labels, "Average (months)")) for step in steps]
    title = "Time from one level to the next by working pattern"
    svg, suppressed = _bars(title, labels, series, "average months between awards", percent=False, xlabel=PATTERN_AXIS)
    about = (
        "Average months between being awarded one level and the next, by working pattern when the person moved "
        "up, for all steps and for each step."
    )
    return Chart("working_pattern_progression", title, _caption(about, table, suppressed), svg, suppressed)


def _representation_by_chart(report: Report, key: str, noun: str) -> Chart | None:
    table = report.table(key)
    if table.period is None:
        return None
    labels = [*BAND_LABELS, "All backgrounds"]
    series = [(name, _column(table, "By background", labels, f"{name} %")) for name in _series_names(table)]
    title = f"The {noun} of registered people within each background"
    svg, suppressed = _bars(title, labels, series, f"% of those in the band whose {noun} is known", xlabel=BAND_AXIS)
    about = (
        f"Share of each {noun} among people registered in each socio-economic band (of those whose {noun} is "
        f"known): an intersection, so each share needs a base of at least 45 people."
    )
    return Chart(key, title, _caption(about, table, suppressed), svg, suppressed)


def band_by_sex_chart(report: Report) -> Chart | None:
    return _representation_by_chart(report, "band_by_sex", "sex")


def band_by_ethnic_group_chart(report: Report) -> Chart | None:
    return _representation_by_chart(report, "band_by_ethnic_group", "ethnic group")


def feedback_chart(report: Report) -> Chart | None:
    table = report.table("feedback_by_band")
    if table.period is None:
        return None
    labels = [*BAND_LABELS, "All backgrounds"]
    rates = ("Deferral rate", "Rejection rate", "Appeal rate")
    series = [(rate, _column(table, "By background", labels, rate)) for rate in rates]
    title = "Deferrals, rejections and appeals by background"
    svg, suppressed = _bars(title, labels, series, "% (see caption for each base)", xlabel=BAND_AXIS)
    about = (
        "Share of first decisions that deferred, and that rejected, the application (each comes with feedback), "
        "and share of those deferrals and rejections that were appealed, by socio-economic band."
    )
    return Chart("feedback", title, _caption(about, table, suppressed), svg, suppressed)


def advanced_level_chart(report: Report) -> Chart | None:
    table = report.table("advanced_level_by_band")
    if table.period is None:
        return None
    share = next(c for c in table.columns if c.endswith(" %"))
    top = share.removesuffix(" %")
    series = [("All routes", _column(table, "By background", BAND_LABELS, share))]
    series += [
        (
            f"First awarded by the {name.lower()} route",
            _column(table, f"First awarded by the {name.lower()} route, by background", BAND_LABELS, share),
        )
        for name in ROUTE_NAMES.values()
    ]
    title = f"Share of registered people at the advanced level ({top}) by background"
    svg, suppressed = _bars(title, BAND_LABELS, series, f"% of registered people at {top}", xlabel=BAND_AXIS)
    about = (
        f"Share of people registered at the end of the period who hold the highest level, {top}, by "
        "socio-economic band, for everyone and by the route of their first award."
    )
    return Chart("advanced_level", title, _caption(about, table, suppressed), svg, suppressed)


def _award_rate_by_chart(report: Report, characteristic: str, noun: str) -> Chart | None:
    table = report.table(f"award_rate_by_band_and_{characteristic}")
    if table.period is None:
        return None
    labels = [*BAND_LABELS, "All backgrounds"]
    groups = [
        r.label
        for r in table.rows
        if r.group == f"All backgrounds, by {noun}" and r.label not in ("All", NOT_KNOWN_LABEL)
    ]
    series = [
        (group, _cells(table, [(f"{band}, by {noun}", group) for band in labels], "Award rate")) for group in groups
    ]
    title = f"Award rate by background and {noun}"
    svg, suppressed = _bars(title, labels, series, "% of decided applications awarded", xlabel=BAND_AXIS)
    about = (
        f"Share of decided applications awarded at first decision for each {noun} within each socio-economic band: "
        f"an intersection, so each rate needs a base of at least 45 decisions (those whose {noun} is not known are "
        "in the table)."
    )
    return Chart(f"award_rate_by_{characteristic}", title, _caption(about, table, suppressed), svg, suppressed)


def award_rate_by_sex_chart(report: Report) -> Chart | None:
    return _award_rate_by_chart(report, "sex", "sex")


def award_rate_by_ethnic_group_chart(report: Report) -> Chart | None:
    return _award_rate_by_chart(report, "ethnic_group", "ethnic group")


def charts(report: Report) -> list[Chart]:
    """Every chart the report's periods allow (a table not yet reported has no chart)."""
    made = [
        draw(report)
        for draw in (
            representation_chart,
            response_chart,
            outcomes_chart,
            progression_chart,
            renewals_chart,
            audits_chart,
            working_pattern_outcomes_chart,
            working_pattern_progression_chart,
            band_by_sex_chart,
            band_by_ethnic_group_chart,
            feedback_chart,
            advanced_level_chart,
            award_rate_by_sex_chart,
            award_rate_by_ethnic_group_chart,
        )
    ]
    return [c for c in made if c is not None]
