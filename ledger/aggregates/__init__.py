"""One aggregate per module. Public methods check the rules; private ``@event`` methods only apply state, because
their bodies run again on every replay and history must replay under today's code without re-judging it."""

from ledger.aggregates.application import Application
from ledger.aggregates.assessor import Assessor
from ledger.aggregates.command_receipt import CommandReceipt
from ledger.aggregates.credential import Credential, StatusIndexClaim
from ledger.aggregates.day import Day
from ledger.aggregates.issuer_key import IssuerKey
from ledger.aggregates.mail import Mail
from ledger.aggregates.number_claim import RegistrationNumberClaim
from ledger.aggregates.ppd_audit import PpdAudit
from ledger.aggregates.registrant import Registrant
from ledger.aggregates.registration import Registration
from ledger.aggregates.requested_credential import RequestedCredential

__all__ = [
    "Application",
    "Assessor",
    "CommandReceipt",
    "Credential",
    "Day",
    "IssuerKey",
    "Mail",
    "PpdAudit",
    "Registrant",
    "Registration",
    "RegistrationNumberClaim",
    "RequestedCredential",
    "StatusIndexClaim",
]
