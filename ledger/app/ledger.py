"""The Ledger: every command and aggregate query of the register, as one eventsourcing application, put together
from its bounded contexts (each a module of ``ledger.app``; ``ledger.app.wiring`` holds what they share)."""

from __future__ import annotations

from ledger.app.applications import Applications
from ledger.app.assessors import Assessors
from ledger.app.audits import Audits
from ledger.app.bulk_verify import BulkVerify
from ledger.app.evidence_files import EvidenceFiles
from ledger.app.organisations import Organisations
from ledger.app.registrants import Registrants
from ledger.app.registrations import Registrations


class Ledger(Registrants, Assessors, Applications, Registrations, Audits, EvidenceFiles, Organisations, BulkVerify):
    """The register's application. Commands check their rules (here and in the aggregates), then save."""

    name = "regledger"  # the library names the event store's tables after it (regledger_events): never change it
