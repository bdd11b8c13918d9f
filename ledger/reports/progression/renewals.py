"""Renewal and PPD audit analyses: who renews, and how audits fall, by band; the part of ``Analyses`` about the
years after registration."""

from __future__ import annotations

from datetime import date
from typing import Any

from ledger.reports.progression import suppression
from ledger.reports.progression.counts import Column, Counts, Rate, _flow, by_band, where
from ledger.reports.progression.people import People
from ledger.reports.progression.shape import Table


class RenewalAnalyses:
    """Needs what ``Analyses`` sets up: the statistics rows, the people over time, the period asked and the levels."""

    rows: dict[str, list[dict[str, Any]]]
    people: People
    today: date
    asked_from: date | None
    asked_to: date | None
    levels: list[str]

    def renewals(self) -> Table:
        table = Table(
            "renewals",
            "Renewals and lapses by background",
            "Each renewal date met or missed in the period: renewed, lapsed (not renewed in time), or "
            "lapsed after a PPD audit decided 'not renewed'; by band and by level.",
            ["Renewed", "Lapsed", "Lapsed after audit", "Total", "Renewal rate", "Lapse rate"],
        )
        records = [
            {"on": e["on"], "kind": e["kind"], "level": e["level"], "band": self.people.band_at(e["person"], e["on"])}
            for e in self.rows["events"]
            if e["kind"] in ("renewed", "lapsed", "lapsed_after_audit") and e["person"] in self.people.enrolled
        ]
        inside = _flow(table, records, self.today, self.asked_from, self.asked_to)
        if table.period is None:
            return table
        columns = [
            Column("Renewed", lambda r: r["kind"] == "renewed"),
            Column("Lapsed", lambda r: r["kind"] == "lapsed"),
            Column("Lapsed after audit", lambda r: r["kind"] == "lapsed_after_audit"),
            Column("Total", parts=("Renewed", "Lapsed", "Lapsed after audit")),
        ]
        rates = [
            Rate("Renewal rate", ("Renewed",), ("Renewed", "Lapsed", "Lapsed after audit")),
            Rate("Lapse rate", ("Lapsed", "Lapsed after audit"), ("Renewed", "Lapsed", "Lapsed after audit")),
        ]
        counts = Counts(inside, ("level", "band"), columns, table)
        table.rows = counts.rows("By background", by_band(), rates, "All backgrounds")
        table.rows += counts.rows("By level", [(c, where("level", c)) for c in self.levels], rates, "All levels")
        return table

    def audits(self) -> list[Table]:
        selections = Table(
            "audit_selections",
            "PPD audit selections by background",
            "Registrants selected at random for a PPD audit in the period, by band: each band's "
            "share of the selections (the sample is random, so it should mirror the register).",
            ["Selected", "Share of selections"],
        )
        records = [
            {"on": e["on"], "band": self.people.band_at(e["person"], e["on"])}
            for e in self.rows["events"]
            if e["kind"] == "audit_selected" and e["person"] in self.people.enrolled
        ]
        inside = _flow(selections, records, self.today, self.asked_from, self.asked_to)
        if selections.period is not None:
            selections.rows = Counts(inside, ("band",), [Column("Selected", lambda r: True)]).rows(
                "", by_band(), total_label="All"
            )
            everyone = selections.rows[-1].cells["Selected"]
            for row in selections.rows:
                row.cells["Share of selections"] = suppression.percentage(row.cells["Selected"], everyone)
        outcomes = Table(
            "audit_outcomes",
            "PPD audit outcomes by background",
            "PPD audit decisions in the period, by band: accepted, deferred (more time, once) or not "
            "renewed, and the share of decisions accepted and not renewed.",
            ["Accepted", "Deferred", "Not renewed", "Decisions", "Accepted %", "Not renewed %"],
        )
        records = [
            {"on": e["on"], "outcome": e["outcome"], "band": self.people.band_at(e["person"], e["on"])}
            for e in self.rows["events"]
            if e["kind"] == "audit_decided" and e["person"] in self.people.enrolled
        ]
        inside = _flow(outcomes, records, self.today, self.asked_from, self.asked_to)
        if outcomes.period is not None:
            columns = [
                Column("Accepted", lambda r: r["outcome"] == "accepted"),
                Column("Deferred", lambda r: r["outcome"] == "deferred"),
                Column("Not renewed", lambda r: r["outcome"] == "not_renewed"),
                Column("Decisions", parts=("Accepted", "Deferred", "Not renewed")),
            ]
            every = ("Accepted", "Deferred", "Not renewed")
            outcomes.rows = Counts(inside, ("band",), columns).rows(
                "",
                by_band(),
                [Rate("Accepted %", ("Accepted",), every), Rate("Not renewed %", ("Not renewed",), every)],
                "All",
            )
        appeals = Table(
            "audit_appeals",
            "Appeals against PPD audit outcomes by background",
            "Appeals against a 'not renewed' audit outcome decided in the period, by band: upheld (the "
            "audit accepted) or dismissed (the registration lapses).",
            ["Upheld", "Dismissed", "Appeals", "Upheld %"],
        )
        records = [
            {"on": e["on"], "outcome": e["outcome"], "band": self.people.band_at(e["person"], e["on"])}
            for e in self.rows["events"]
            if e["kind"] == "audit_appeal_decided" and e["person"] in self.people.enrolled
        ]
        inside = _flow(appeals, records, self.today, self.asked_from, self.asked_to)
        if appeals.period is not None:
            columns = [
                Column("Upheld", lambda r: r["outcome"] == "upheld"),
                Column("Dismissed", lambda r: r["outcome"] == "dismissed"),
                Column("Appeals", parts=("Upheld", "Dismissed")),
            ]
            appeals.rows = Counts(inside, ("band",), columns).rows(
                "", by_band(), [Rate("Upheld %", ("Upheld",), ("Upheld", "Dismissed"))], "All"
            )
        return [selections, outcomes, appeals]
