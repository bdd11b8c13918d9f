"""The competency framework: levels, competency areas, routes and rules, loaded from the versioned data file
``framework.json`` beside this module.

The data file is the standard; the register only reads it (``ledger.domain.framework_file``, which refuses a bad file
at load time with a message that says what is wrong and where), and asks questions of it
(``ledger.domain.framework_model``). ``FRAMEWORK`` is the framework in force.
"""

from __future__ import annotations

from ledger.domain.framework_file import load_framework
from ledger.domain.framework_model import (
    REQUIRED_OUTCOMES,
    REQUIRED_ROUTES,
    Area,
    Discipline,
    Framework,
    FrameworkError,
    Level,
    Route,
    Rules,
)

FRAMEWORK: Framework = load_framework()

__all__ = [
    "FRAMEWORK",
    "REQUIRED_OUTCOMES",
    "REQUIRED_ROUTES",
    "Area",
    "Discipline",
    "Framework",
    "FrameworkError",
    "Level",
    "Route",
    "Rules",
    "load_framework",
]
