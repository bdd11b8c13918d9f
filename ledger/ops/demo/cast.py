"""The demo's cast: names, qualifications and awarding bodies to draw from, a person's plan, and what a run
reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

FIRST = [
    "Aisha",
    "Ben",
    "Chloe",
    "Dev",
    "Ella",
    "Femi",
    "Grace",
    "Harun",
    "Isla",
    "Jamal",
    "Kasia",
    "Liam",
    "Maya",
    "Niamh",
    "Owen",
    "Priya",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Uma",
    "Vik",
    "Wren",
    "Xander",
    "Yasmin",
    "Zac",
    "Alfie",
    "Bea",
    "Callum",
    "Dina",
    "Eilidh",
    "Finn",
    "Gwen",
    "Hamza",
    "Ife",
    "Jess",
    "Kofi",
    "Lowri",
]
LAST = [
    "Adeyemi",
    "Brown",
    "Chen",
    "Davies",
    "Evans",
    "Fraser",
    "Ghosh",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "MacLeod",
    "Nowak",
    "O'Brien",
    "Patel",
    "Quigley",
    "Roberts",
    "Singh",
    "Thomas",
    "Usman",
    "Vaughan",
    "Williams",
    "Xu",
    "Young",
    "Zielinski",
    "Okafor",
    "Campbell",
    "Murphy",
    "Kaur",
    "Wilson",
]
QUALIFICATIONS = {
    3: "Level 3 Extended Diploma in Creative Media Production",
    4: "Higher National Certificate in Technical Theatre",
    5: "Foundation Degree in Production Arts",
    6: "BA (Hons) Technical Arts and Special Effects",
    7: "MA Sound Design",
}
BODIES = ["Pearson", "UAL Awarding Body", "NCFE", "a UK university", "City & Guilds"]
EVIDENCE = "Portfolio item and reflective account showing how I meet this standard on recent productions."


@dataclass
class DemoResult:
    registrants: int
    years: int
    seed: int
    started: date
    ended: date
    commands: int = 0
    refused: int = 0
    credentials: int = 0
    refusals: list[str] = field(default_factory=list)
    events: int = 0
    seconds: float = 0.0
    kinds: dict[str, int] = field(default_factory=dict)
    ticked_days: int = 0
    audits: int = 0


@dataclass
class Person:
    registrant_id: UUID
    band_weight: float  # socio-economic tilt of this person's chances (demo realism only)
    application: UUID | None = None
    level: str | None = None
    registered: bool = False
    assessors: list[UUID] = field(default_factory=list)
    working_pattern: str | None = None  # as answered (None: not answered); whether they link to an employer
    disciplines: list[str] = field(default_factory=list)  # which employer they link to
