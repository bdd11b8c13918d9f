"""The register's fixed vocabularies: where a registration, an application, a PPD audit, a letter or a key stands,
and the other closed sets of codes the rules name.

Each is a ``StrEnum``: a member *is* its string (``RegistrationStatus.REGISTERED == "registered"``), so events,
read-model rows and JSON keep exactly the strings they always held, and a value read back from any of them compares
equal to the member. Vocabularies the framework data file defines (judgements, PPD categories, audit standards) are
data, not code, and are not here; only the codes the commands themselves name are.
"""

from __future__ import annotations

from enum import StrEnum


class RegistrationStatus(StrEnum):
    """Where a registration stands: it drives the public register and the credential status lists."""

    REGISTERED = "registered"
    SUSPENDED = "suspended"
    LAPSED = "lapsed"
    REMOVED = "removed"
    RESIGNED = "resigned"


LIVE = frozenset({RegistrationStatus.REGISTERED, RegistrationStatus.SUSPENDED})
"""Registered or suspended: the person holds a level and must keep it in good standing."""

SUSPENDING = frozenset({RegistrationStatus.SUSPENDED, RegistrationStatus.LAPSED, RegistrationStatus.RESIGNED})
"""A registration in one of these sets the suspension bit of every credential it holds that has one (credentials
issued before the one-entry status design)."""
WITHDRAWING = SUSPENDING | {RegistrationStatus.REMOVED}
"""A registration entering one of these revokes every credential issued for it so far, for good; a return to good
standing (a lifted suspension, a reinstatement, a renewal, a new award) calls for a new credential."""


class ApplicationStatus(StrEnum):
    """Where an application stands, from draft to decision and appeal."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    INFORMATION_REQUESTED = "information_requested"
    DECIDED = "decided"
    APPEALED = "appealed"
    WITHDRAWN = "withdrawn"


OPEN_APPLICATION = frozenset(
    {
        ApplicationStatus.DRAFT,
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.INFORMATION_REQUESTED,
        ApplicationStatus.APPEALED,
    }
)
"""An application in one of these is still open: the registrant cannot start another."""


class RouteCode(StrEnum):
    """How an application shows competence: by qualification (standard) or by experience (equivalency)."""

    STANDARD = "standard"
    EQUIVALENCY = "equivalency"


class Outcome(StrEnum):
    """A decision on an application (every framework version must define these outcomes)."""

    AWARD = "award"
    DEFER = "defer"
    REJECT = "reject"


class Remedy(StrEnum):
    """What an upheld appeal against an application's decision does."""

    AWARD = "award"
    REASSESS = "reassess"


NOT_MET = "not_met"
"""The judgement (of a competency area or an audit standard) that stands in the way of an award or an accepted audit.
Judgements are framework data; this one code the rules name."""


class AuditOutcome(StrEnum):
    """The registrar's decision on a PPD audit."""

    ACCEPTED = "accepted"
    DEFERRED = "deferred"
    NOT_RENEWED = "not_renewed"


class Appeal(StrEnum):
    """Where an appeal stands: lodged and pending, then upheld or dismissed (a PPD audit's appeal against 'not
    renewed'; the statistics say an application's appeal was dismissed the same way)."""

    PENDING = "pending"
    UPHELD = "upheld"
    DISMISSED = "dismissed"


class AuditStage(StrEnum):
    """Where a PPD audit stands, in the words people read (the aggregate and the audits read model say it so)."""

    AWAITING_PROFILE = "awaiting profile"
    WITH_REGISTRAR = "profile received"
    WITH_ASSESSOR = "with assessor"
    JUDGED = "judged"
    ACCEPTED = "accepted"
    NOT_RENEWED = "not renewed"
    APPEALED = "appealed"
    ENDED = "ended"


class Listing(StrEnum):
    """A registrant's public-listing choice: found by name in the register, or only by an exact number."""

    LISTED = "listed"
    VERIFY_ONLY = "verify-only"


class MailStatus(StrEnum):
    """A letter in the outbox."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class KeyRole(StrEnum):
    """What an issuer key signs: credentials and status lists, trust bundles, or transparency-log checkpoints."""

    ISSUER = "issuer"
    ROOT = "root"
    LOG = "log"


class KeyState(StrEnum):
    """Where an issuer key is in its life."""

    GENERATED = "generated"
    ACTIVE = "active"
    RETIRED = "retired"
    COMPROMISED = "compromised"


class CredentialTrigger(StrEnum):
    """Why a register credential was signed: the kind of registration event that called for it."""

    AWARD = "award"
    RENEWAL = "renewal"
    REINSTATEMENT = "reinstatement"
    REISSUE = "reissue"
    SUSPENSION_LIFTED = "lifted"
