"""The progression and fairness report as CSV, JSON and HTML (the terminal table is drawn by ``ledger.cli.report``;
the page at /analytics uses the same HTML template). Only the report's figures - rounded, suppressed - go out."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING

from ledger.reports.progression.report import figures
from ledger.reports.progression.shape import Report

if TYPE_CHECKING:
    from jinja2 import Environment

API = Path(__file__).resolve().parents[2] / "api"
TEMPLATES = API / "templates"
STYLESHEETS = [API / "static" / name for name in ("site.css", "analytics.css")]
CSV_COLUMNS = [
    "table",
    "title",
    "period_from",
    "period_to",
    "snapshot",
    "group",
    "row",
    "column",
    "value",
    "shown",
    "suppressed",
    "reason",
]


def to_csv(report: Report) -> str:
    """One line per figure: which table, period, row and column; its value (empty when suppressed), what a reader
    sees, whether it was suppressed and why."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for table, row, column, figure in figures(report):
        assert table.period is not None
        writer.writerow(
            [
                table.key,
                table.title,
                table.period.start.isoformat(),
                table.period.end.isoformat(),
                "yes" if table.snapshot else "no",
                row.group,
                row.label,
                column,
                "" if figure.suppressed or figure.value is None else figure.value,
                figure.shown,
                "yes" if figure.suppressed else "no",
                figure.reason or "",
            ]
        )
    for table in report.tables:
        if table.period is None:
            writer.writerow(
                [
                    table.key,
                    table.title,
                    "",
                    "",
                    "yes" if table.snapshot else "no",
                    "",
                    "",
                    "",
                    "",
                    "not yet reported",
                    "yes",
                    " ".join(table.notes),
                ]
            )
    return out.getvalue()


def to_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False)


def template_environment() -> Environment:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))


def to_html(report: Report, *, with_charts: bool = True, title: str = "Progression and fairness") -> str:
    """A standalone page: the charts (SVG, as images) and every table, with the site's stylesheet inlined."""
    from ledger.reports.progression.charts import charts

    template = template_environment().get_template("progression_report.html")
    return template.render(
        report=report,
        charts=charts(report) if with_charts else [],
        title=title,
        css="\n".join(path.read_text("utf-8") for path in STYLESHEETS),
    )
