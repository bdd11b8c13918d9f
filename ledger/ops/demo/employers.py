"""The demo's employers: four organisations of the kind that take on creative technicians in the UK (a producing
theatre, a broadcaster's facilities arm, a games studio, a costume house), and which registrants link to one.

Linking is what an employed technician does more than a freelancer: a freelancer works for many clients and seldom
lets one of them watch their registration. So about one in four of the employed link (once registered), one in ten
of those who are both, and a few in a hundred of the freelance; people who gave no answer are drawn near the whole's
rate. Each links to the employer their discipline fits (a costume maker to the costume house), else to any.

Every draw here comes from a generator of its own (``Random(f"{seed}:organisations")``), and the organisations'
codes are drawn from it too (the Ledger's own generator is lent it for the four registrations): the rest of the demo,
its people, numbers and outcomes, is what it was without employers."""

from __future__ import annotations

import random
from dataclasses import dataclass
from uuid import UUID

from ledger.app.ledger import Ledger


@dataclass(frozen=True)
class Employer:
    name: str
    contact_email: str
    disciplines: tuple[str, ...]  # the framework's discipline codes whose technicians this employer takes on


EMPLOYERS = (
    Employer("Riverside Playhouse Trust", "people@riversideplayhouse.example", ("performing_arts", "design")),
    Employer(
        "Northgate Broadcast Facilities Ltd", "crewing@northgatefacilities.example", ("media_production", "music_audio")
    ),
    Employer("Tidewater Interactive Ltd", "studio.ops@tidewater.example", ("digital",)),
    Employer("Hartwell & Finch Costume House", "workroom@hartwellfinch.example", ("textiles", "heritage")),
)
LINK_CHANCE = {"employed": 0.25, "both": 0.10, "freelance": 0.03, "prefer_not_to_say": 0.06, None: 0.08}
"""The chance that a newly registered person links to an employer, by their working pattern (None: not answered)."""


class Employers:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(f"{seed}:organisations")
        self.codes: dict[str, str] = {}  # employer name -> its code, once registered
        self.decided: set[UUID] = set()  # registrants already drawn (a second award does not draw again)

    def register(self, ledger: Ledger) -> None:
        """Register the four employers, their codes drawn from this generator, not the Ledger's."""
        lent, ledger.rng = ledger.rng, self.rng
        try:
            for employer in EMPLOYERS:
                made = ledger.register_organisation(employer.name, employer.contact_email, "registrar")
                self.codes[employer.name] = ledger.organisation(made).code
        finally:
            ledger.rng = lent

    def choose(self, registrant_id: UUID, working_pattern: str | None, disciplines: list[str]) -> str | None:
        """The code of the employer this newly registered person links to, or None (most do not). Drawn once a
        person."""
        if not self.codes or registrant_id in self.decided:
            return None
        self.decided.add(registrant_id)
        if self.rng.random() >= LINK_CHANCE.get(working_pattern, LINK_CHANCE[None]):
            return None
        fitting = [e for e in EMPLOYERS if set(e.disciplines) & set(disciplines)] or list(EMPLOYERS)
        return self.codes[self.rng.choice(fitting).name]
