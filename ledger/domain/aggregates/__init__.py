"""One aggregate per module, each declaring its events as nested classes with typed fields (``base`` says why their
names are data). Public methods check the rules; private ``@event`` methods only apply state, because their bodies
run again on every replay and history must replay under today's code without re-judging it."""

from ledger.domain.aggregates.application import Application
from ledger.domain.aggregates.assessor import Assessor
from ledger.domain.aggregates.command_receipt import CommandReceipt
from ledger.domain.aggregates.credential import Credential, StatusIndexClaim
from ledger.domain.aggregates.day import Day
from ledger.domain.aggregates.issuer_key import IssuerKey
from ledger.domain.aggregates.mail import Mail
from ledger.domain.aggregates.number_claim import RegistrationNumberClaim
from ledger.domain.aggregates.organisation import Organisation
from ledger.domain.aggregates.organisation_link import OrganisationLink
from ledger.domain.aggregates.ppd_audit import PpdAudit
from ledger.domain.aggregates.registrant import Registrant
from ledger.domain.aggregates.registration import Registration
from ledger.domain.aggregates.requested_credential import RequestedCredential

__all__ = [
    "Application",
    "Assessor",
    "CommandReceipt",
    "Credential",
    "Day",
    "IssuerKey",
    "Mail",
    "Organisation",
    "OrganisationLink",
    "PpdAudit",
    "Registrant",
    "Registration",
    "RegistrationNumberClaim",
    "RequestedCredential",
    "StatusIndexClaim",
]
