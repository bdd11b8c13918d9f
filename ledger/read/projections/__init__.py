"""Read models built from the events, and the runner that feeds them."""

from ledger.read.projections.audits import AuditsProjection
from ledger.read.projections.base import Projection
from ledger.read.projections.calendar import CalendarProjection
from ledger.read.projections.casework import CaseworkProjection
from ledger.read.projections.credentials import CredentialsProjection
from ledger.read.projections.outbox import OutboxProjection
from ledger.read.projections.register import RegisterProjection
from ledger.read.projections.renewals import RenewalsProjection
from ledger.read.projections.statistics import StatisticsProjection

ALL_PROJECTIONS: tuple[type[Projection], ...] = (
    RegisterProjection,
    CaseworkProjection,
    RenewalsProjection,
    CredentialsProjection,
    OutboxProjection,
    AuditsProjection,
    StatisticsProjection,
    CalendarProjection,
)

__all__ = [
    "ALL_PROJECTIONS",
    "AuditsProjection",
    "CalendarProjection",
    "CaseworkProjection",
    "CredentialsProjection",
    "OutboxProjection",
    "Projection",
    "RegisterProjection",
    "RenewalsProjection",
    "StatisticsProjection",
]
