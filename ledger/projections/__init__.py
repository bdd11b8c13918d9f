"""Read models built from the events, and the runner that feeds them."""

from ledger.projections.audits import AuditsProjection
from ledger.projections.base import Projection
from ledger.projections.calendar import CalendarProjection
from ledger.projections.casework import CaseworkProjection
from ledger.projections.credentials import CredentialsProjection
from ledger.projections.outbox import OutboxProjection
from ledger.projections.register import RegisterProjection
from ledger.projections.renewals import RenewalsProjection
from ledger.projections.statistics import StatisticsProjection

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
