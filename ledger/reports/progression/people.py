"""People over time, from the statistics rows: each person's state on any day (background band, working pattern, sex
and broad ethnic group as given by then, and the level held), and the days it changed."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from ledger.domain.background import CHARACTERISTICS
from ledger.reports.progression.shape import LEFT_REGISTER

Given = tuple[bool, str | None, tuple[str | None, ...]]
"""One answer set as the statistics keep it: answered at all, the band, and each characteristic's group (in the
order of ``CHARACTERISTICS``)."""


# -- people over time, from the statistics rows
@dataclass(frozen=True)
class State:
    responded: bool
    band: str | None
    level: str | None  # the level held, while registered (or suspended); None otherwise
    working_pattern: str | None = None  # employed, freelance or both; None: not given
    sex: str | None = None  # female or male; None: not given
    ethnic_group: str | None = None  # the census's five broad groups; None: not given


class People:
    """Each person's background and standing over time, by pseudonym."""

    def __init__(self, rows: dict[str, list[dict[str, Any]]]) -> None:
        self.enrolled = {p["person"]: p["enrolled_on"] for p in rows["people"] if not p["erased"]}
        self.answers: dict[str, list[tuple[date, int, Given]]] = defaultdict(list)
        for a in rows["answers"]:
            if a["person"] in self.enrolled:
                groups = tuple(a.get(c) for c in CHARACTERISTICS)  # rows made before these columns have none
                self.answers[a["person"]].append((a["on"], a["seq"], (a["responded"], a["band"], groups)))
        for answers in self.answers.values():
            answers.sort(key=lambda a: (a[0], a[1]))
        self.standing: dict[str, list[tuple[date, int, str, str | None]]] = defaultdict(list)
        for e in rows["events"]:
            if e["kind"] in ("awarded", "reinstated", *LEFT_REGISTER) and e["person"] in self.enrolled:
                self.standing[e["person"]].append((e["on"], e["seq"], e["kind"], e["level"]))
        for standing in self.standing.values():
            standing.sort(key=lambda s: (s[0], s[1]))

    def given_at(self, person: str, day: date) -> Given | None:
        """The person's latest answer set given by ``day``, or None."""
        found = None
        for on, _, given in self.answers.get(person, ()):
            if on > day:
                break
            found = given
        return found

    def band_at(self, person: str, day: date) -> str | None:
        given = self.given_at(person, day)
        return given[1] if given else None

    def characteristic_at(self, person: str, day: date, characteristic: str) -> str | None:
        """The group of ``characteristic`` (working_pattern, sex, ethnic_group) the person had given by ``day``."""
        given = self.given_at(person, day)
        return given[2][CHARACTERISTICS.index(characteristic)] if given else None

    def timeline(self, person: str) -> list[tuple[date, State]]:
        """The person's state after each day on which it changed, from enrolment."""
        changes: dict[date, list[tuple[int, int, Any]]] = defaultdict(list)
        for on, seq, given in self.answers.get(person, ()):
            changes[on].append((0, seq, ("answer", given)))
        for on, seq, kind, level in self.standing.get(person, ()):
            changes[on].append((1, seq, (kind, level)))
        enrolled = self.enrolled[person]
        if enrolled is not None:
            changes.setdefault(enrolled, [])
        responded, band, level, held = False, None, None, None
        groups: tuple[str | None, ...] = (None,) * len(CHARACTERISTICS)
        out: list[tuple[date, State]] = []
        for day in sorted(changes):
            for _, _, (kind, a) in sorted(changes[day], key=lambda c: (c[0], c[1])):
                if kind == "answer":
                    responded, band, groups = a
                elif kind == "awarded":
                    level = held = a
                elif kind == "reinstated":
                    level = held
                else:
                    level = None
            out.append((day, State(responded, band, level, **dict(zip(CHARACTERISTICS, groups, strict=True)))))
        return out


def state_at(timeline: list[tuple[date, State]], day: date) -> State | None:
    state = None
    for on, s in timeline:
        if on > day:
            break
        state = s
    return state


def registered_view(state: State) -> Any:
    """The representation table's view of a person (``Analyses.representation``): the level held and the band, while
    registered. The days it may be shown as at are the days every snapshot table chooses among (``snapshots``)."""
    return (state.level, state.band) if state.level else None
