"""Read models built from the events, and the runner that feeds them."""

from ledger.projections.base import Projection
from ledger.projections.casework import CaseworkProjection
from ledger.projections.credentials import CredentialsProjection
from ledger.projections.outbox import OutboxProjection
from ledger.projections.register import RegisterProjection
from ledger.projections.renewals import RenewalsProjection

ALL_PROJECTIONS: tuple[type[Projection], ...] = (RegisterProjection, CaseworkProjection, RenewalsProjection,
                                                 CredentialsProjection, OutboxProjection)

__all__ = ["ALL_PROJECTIONS", "CaseworkProjection", "CredentialsProjection", "OutboxProjection", "Projection",
           "RegisterProjection", "RenewalsProjection"]
