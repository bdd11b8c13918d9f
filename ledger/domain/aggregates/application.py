"""An application for a level, by the standard (qualification) or equivalency (experience) route, from draft to
decision and appeal. Two assessors judge every competency area the level requires; the registrar decides.

``Started`` records the framework version the application is made under; its later events are judged by it."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from ledger.domain.aggregates.base import LedgerAggregate
from ledger.domain.errors import InvalidInput, NotFound, RuleBroken
from ledger.domain.sealed import Sealed
from ledger.domain.statuses import NOT_MET, OPEN_APPLICATION, ApplicationStatus, Outcome, Remedy, RouteCode

DRAFT = ApplicationStatus.DRAFT
SUBMITTED = ApplicationStatus.SUBMITTED
INFORMATION_REQUESTED = ApplicationStatus.INFORMATION_REQUESTED
DECIDED = ApplicationStatus.DECIDED
APPEALED = ApplicationStatus.APPEALED
WITHDRAWN = ApplicationStatus.WITHDRAWN
REMEDIES = tuple(Remedy)


class Application(LedgerAggregate):
    class Event(LedgerAggregate.Event):
        """Every event of an application."""

    class Started(LedgerAggregate.Created):
        registrant_id: UUID
        level: str
        route: str
        qualification: dict[str, Any] | None
        experience: dict[str, Any] | None
        framework_version: str
        occurred_at: datetime

    @event(Started)
    def __init__(
        self,
        id: UUID,  # noqa: A002 - chosen by the Ledger (seeded in the demo); applied by the library
        registrant_id: UUID,
        level: str,
        route: str,
        qualification: dict[str, Any] | None,
        experience: dict[str, Any] | None,
        framework_version: str,
        occurred_at: datetime,
    ) -> None:
        self.registrant_id = registrant_id
        self.level = level
        self.route = route
        self.qualification = qualification
        self.experience = experience
        self.framework_version = framework_version
        self.status = DRAFT
        self.evidence: dict[str, int] = {}  # area -> number of items (the text stays sealed in the events)
        self.evidence_areas: dict[UUID, str] = {}  # each written item still there -> its area
        self.files: dict[UUID, dict[str, Any]] = {}  # evidence files attached and not removed, by their id
        self.assessors: list[UUID] = []
        self.accepted: list[UUID] = []  # assessors who accepted their assignment, declaring no conflict of interest
        self.declined: list[UUID] = []  # assessors who declared a conflict of interest with this application
        self.assessments: dict[UUID, dict[str, Any]] = {}
        self.referee_confirmed: bool | None = None
        self.discussion_held = False
        self.outcome: str | None = None
        self.decided_on: date | None = None
        self.appealed = False

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_APPLICATION

    # -- applicant
    def add_evidence(
        self, evidence_id: UUID, area: str, text: Sealed, required_areas: list[str], occurred_at: datetime
    ) -> None:
        if self.status not in (DRAFT, INFORMATION_REQUESTED):
            raise RuleBroken(
                f"evidence can be added to a draft or when more information was asked for; "
                f"this application is {self.status}"
            )
        if area not in required_areas:
            raise InvalidInput(
                "area",
                f"{area!r} is not a competency area assessed at {self.level}; expected one of "
                + ", ".join(required_areas),
            )
        self._evidence_added(evidence_id=evidence_id, area=area, text=text, occurred_at=occurred_at)

    def change_evidence(self, evidence_id: UUID, text: Sealed, occurred_at: datetime) -> None:
        """Rewrite an item of written evidence: only in a draft (once submitted, the assessors judge what was sent)."""
        self._check_draft_item(evidence_id, "changed")
        self._evidence_changed(evidence_id=evidence_id, text=text, occurred_at=occurred_at)

    def remove_evidence(self, evidence_id: UUID, occurred_at: datetime) -> None:
        """Delete an item of written evidence: only in a draft."""
        self._check_draft_item(evidence_id, "deleted")
        self._evidence_removed(evidence_id=evidence_id, occurred_at=occurred_at)

    def _check_draft_item(self, evidence_id: UUID, done: str) -> None:
        if self.status != DRAFT:
            raise RuleBroken(f"evidence can be {done} only before the application is sent; this one is {self.status}")
        if evidence_id not in self.evidence_areas:
            raise NotFound("this application has no such evidence (it may have been deleted already)")

    def files_in(self, area: str) -> list[UUID]:
        """The evidence files attached for ``area`` (a file counts as evidence for its area, as a text does)."""
        return [file_id for file_id, file in self.files.items() if file["area"] == area]

    def attach_file(
        self,
        file_id: UUID,
        area: str,
        digest: str,
        address: str,
        name: Sealed,
        media_type: str,
        size: int,
        required_areas: list[str],
        occurred_at: datetime,
    ) -> None:
        """An evidence file for a competency area (its content is stored apart, sealed, at ``address``). Files are
        added while evidence can be: to a draft, or when more information was asked for."""
        if self.status not in (DRAFT, INFORMATION_REQUESTED):
            raise RuleBroken(
                f"files can be added to a draft or when more information was asked for; this application is "
                f"{self.status}"
            )
        if area not in required_areas:
            raise InvalidInput(
                "area",
                f"{area!r} is not a competency area assessed at {self.level}; expected one of "
                + ", ".join(required_areas),
            )
        self._file_attached(
            file_id=file_id,
            area=area,
            digest=digest,
            address=address,
            name=name,
            media_type=media_type,
            size=size,
            occurred_at=occurred_at,
        )

    def remove_file(self, file_id: UUID, occurred_at: datetime) -> None:
        """Remove an evidence file: only from a draft (once submitted, the assessors judge what was sent)."""
        if self.status != DRAFT:
            raise RuleBroken(
                f"files can be removed only before the application is submitted; this one is {self.status}"
            )
        if file_id not in self.files:
            raise NotFound("this application has no such file (it may have been removed already)")
        self._file_removed(file_id=file_id, occurred_at=occurred_at)

    def submit(self, required_areas: list[str], occurred_at: datetime) -> None:
        if self.status not in (DRAFT, INFORMATION_REQUESTED):
            raise RuleBroken(
                f"only a draft or an application awaiting information can be submitted; this one is {self.status}"
            )
        missing = [a for a in required_areas if not self.evidence.get(a) and not self.files_in(a)]
        if missing:
            raise RuleBroken("evidence is missing for competency area(s) " + ", ".join(missing))
        self._submitted(occurred_at=occurred_at)

    def withdraw(self, occurred_at: datetime) -> None:
        if self.status not in (DRAFT, SUBMITTED, INFORMATION_REQUESTED):
            raise RuleBroken(f"an application that is {self.status} cannot be withdrawn")
        self._withdrawn(occurred_at=occurred_at)

    # -- casework
    def invite_assessor(self, assessor_id: UUID, rules: Any, occurred_at: datetime) -> None:
        """The registrar assigns an assessor, who is invited to accept (declaring they have no conflict of interest)
        or decline (declaring one) before they can assess."""
        self._check_assignable(assessor_id, rules)
        self._assessor_invited(assessor_id=assessor_id, occurred_at=occurred_at)

    def accept_assignment(self, assessor_id: UUID, declaration: Sealed, occurred_at: datetime) -> None:
        """The assessor accepts, declaring in their own words that they have no conflict of interest."""
        self._check_invited(assessor_id)
        self._assignment_accepted(assessor_id=assessor_id, declaration=declaration, occurred_at=occurred_at)

    def decline_assignment(self, assessor_id: UUID, reason: Sealed, occurred_at: datetime) -> None:
        """The assessor declines, declaring a conflict of interest: the assignment ends and the registrar assigns
        another. An assessor who accepted may still decline (a conflict found later) until they have assessed."""
        if self.status not in (SUBMITTED, INFORMATION_REQUESTED) or assessor_id not in self.assessors:
            raise RuleBroken("this assignment is not open: there is nothing to decline")
        if assessor_id in self.assessments:
            raise RuleBroken("this assessor has already recorded an assessment; it can no longer be declined")
        self._assignment_declined(assessor_id=assessor_id, reason=reason, occurred_at=occurred_at)

    def _check_invited(self, assessor_id: UUID) -> None:
        if self.status not in (SUBMITTED, INFORMATION_REQUESTED) or assessor_id not in self.assessors:
            raise RuleBroken("this assignment is not open: there is nothing to accept")
        if assessor_id in self.accepted:
            raise RuleBroken("this assignment was already accepted")

    def _check_assignable(self, assessor_id: UUID, rules: Any) -> None:
        if self.status != SUBMITTED:
            raise RuleBroken(f"assessors are assigned to submitted applications; this one is {self.status}")
        if assessor_id in self.assessors:
            raise RuleBroken("this assessor is already assigned to the application")
        if assessor_id in self.declined:
            raise RuleBroken("this assessor declared a conflict of interest with this application: assign another")
        if len(self.assessors) >= rules.assessors_per_application:
            raise RuleBroken(
                f"an application has exactly {rules.assessors_per_application} assessors; both are already assigned"
            )

    def release_assessor(self, assessor_id: UUID, occurred_at: datetime) -> bool:
        """The assessor stood down: their assignment ends, unless they already assessed or the case is closed.
        Returns whether it ended."""
        if (
            self.status not in (SUBMITTED, INFORMATION_REQUESTED)
            or assessor_id not in self.assessors
            or assessor_id in self.assessments
        ):
            return False
        self._assessor_released(assessor_id=assessor_id, occurred_at=occurred_at)
        return True

    def confirm_referee(self, confirmed: bool, occurred_at: datetime) -> None:
        if self.route != RouteCode.EQUIVALENCY:
            raise RuleBroken("only equivalency applications have a referee")
        if self.status not in (SUBMITTED, INFORMATION_REQUESTED):
            raise RuleBroken(f"the referee is asked once the application is submitted; this one is {self.status}")
        self._referee_responded(confirmed=confirmed, occurred_at=occurred_at)

    def record_discussion(
        self, held_on: date, assessor_ids: list[UUID], notes: Sealed | None, rules: Any, occurred_at: datetime
    ) -> None:
        if self.route != RouteCode.EQUIVALENCY:
            raise RuleBroken("a professional discussion is part of the equivalency route only")
        if self.status != SUBMITTED:
            raise RuleBroken(
                f"a professional discussion happens while the application is under assessment; "
                f"this one is {self.status}"
            )
        if len(self.assessors) < rules.assessors_per_application or set(assessor_ids) != set(self.assessors):
            raise RuleBroken("the professional discussion is held by both assigned assessors")
        self._discussion_held(held_on=held_on, assessor_ids=list(assessor_ids), notes=notes, occurred_at=occurred_at)

    def record_assessment(
        self,
        assessor_id: UUID,
        judgements: dict[str, str],
        recommendation: str,
        feedback: Sealed | None,
        required_areas: list[str],
        rules: Any,
        occurred_at: datetime,
    ) -> None:
        if self.status != SUBMITTED:
            raise RuleBroken(f"assessments are recorded on submitted applications; this one is {self.status}")
        if assessor_id not in self.assessors:
            raise RuleBroken("only an assessor assigned to this application can assess it")
        if assessor_id not in self.accepted:
            raise RuleBroken(
                "accept the assignment first, declaring that you have no conflict of interest, then assess"
            )
        if assessor_id in self.assessments:
            raise RuleBroken("this assessor has already recorded an assessment")
        if sorted(judgements) != sorted(required_areas):
            raise InvalidInput("judgements", "give one judgement for each of the areas " + ", ".join(required_areas))
        bad = {a: j for a, j in judgements.items() if j not in rules.judgements}
        if bad:
            raise InvalidInput(
                "judgements", f"unknown judgement(s) {bad}; expected one of " + ", ".join(rules.judgements)
            )
        if recommendation not in rules.outcomes:
            raise InvalidInput("recommendation", "expected one of " + ", ".join(rules.outcomes))
        self._assessed(
            assessor_id=assessor_id,
            judgements=dict(judgements),
            recommendation=recommendation,
            feedback=feedback,
            occurred_at=occurred_at,
        )

    def request_information(self, request: Sealed, by: str, occurred_at: datetime) -> None:
        if self.status != SUBMITTED:
            raise RuleBroken(f"more information can be asked of a submitted application; this one is {self.status}")
        self._information_requested(request=request, by=by, occurred_at=occurred_at)

    def decide(
        self, outcome: str, reasons: Sealed | None, by: str, today: date, rules: Any, occurred_at: datetime
    ) -> None:
        if self.status != SUBMITTED:
            raise RuleBroken(f"only a submitted application can be decided; this one is {self.status}")
        if outcome not in rules.outcomes:
            raise InvalidInput("outcome", "expected one of " + ", ".join(rules.outcomes))
        if len(self.assessments) < rules.assessors_per_application:
            raise RuleBroken(
                f"a decision needs {rules.assessors_per_application} assessments; {len(self.assessments)} recorded"
            )
        if outcome != Outcome.AWARD and not reasons:
            raise InvalidInput("reasons", "a deferral or rejection must give reasons")
        if outcome == Outcome.AWARD:
            self._check_can_award()
        self._decided(outcome=outcome, reasons=reasons, by=by, decided_on=today, occurred_at=occurred_at)

    def _check_can_award(self) -> None:
        not_met = sorted({a for s in self.assessments.values() for a, j in s["judgements"].items() if j == NOT_MET})
        if not_met:
            raise RuleBroken("cannot award: an assessor judged area(s) " + ", ".join(not_met) + " not met")
        if self.route == RouteCode.EQUIVALENCY:
            if not self.referee_confirmed:
                raise RuleBroken("cannot award by the equivalency route until the referee has confirmed the experience")
            if not self.discussion_held:
                raise RuleBroken("cannot award by the equivalency route before the professional discussion")

    def appeal(self, grounds: Sealed, today: date, rules: Any, occurred_at: datetime) -> None:
        if self.status != DECIDED or self.outcome == Outcome.AWARD:
            raise RuleBroken("only a deferral or rejection can be appealed")
        if self.appealed:
            raise RuleBroken("this decision was already appealed")
        assert self.decided_on is not None
        deadline = self.decided_on + timedelta(days=rules.appeal_window_days)
        if today > deadline:
            raise RuleBroken(f"the appeal window of {rules.appeal_window_days} days closed on {deadline}")
        self._appealed(grounds=grounds, occurred_at=occurred_at)

    def decide_appeal(
        self, upheld: bool, remedy: str | None, reasons: Sealed | None, by: str, today: date, occurred_at: datetime
    ) -> None:
        if self.status != APPEALED:
            raise RuleBroken(f"there is no appeal to decide; this application is {self.status}")
        if not reasons:
            raise InvalidInput("reasons", "an appeal decision must give reasons")
        if upheld and remedy not in REMEDIES:
            raise InvalidInput("remedy", "an upheld appeal needs a remedy: award or reassess")
        self._appeal_decided(
            upheld=upheld,
            remedy=remedy if upheld else None,
            reasons=reasons,
            by=by,
            decided_on=today,
            occurred_at=occurred_at,
        )

    # -- events: each declared with its stored fields, then applied to the state (and only that: see the package)
    class EvidenceAdded(Event):
        evidence_id: UUID
        area: str
        text: Sealed
        occurred_at: datetime

    @event(EvidenceAdded)
    def _evidence_added(self, evidence_id: UUID, area: str, text: Sealed, occurred_at: datetime) -> None:
        self.evidence[area] = self.evidence.get(area, 0) + 1
        self.evidence_areas[evidence_id] = area

    class EvidenceChanged(Event):
        evidence_id: UUID
        text: Sealed
        occurred_at: datetime

    @event(EvidenceChanged)
    def _evidence_changed(self, evidence_id: UUID, text: Sealed, occurred_at: datetime) -> None:
        pass  # the text is in the event; the state counts items only

    class EvidenceRemoved(Event):
        evidence_id: UUID
        occurred_at: datetime

    @event(EvidenceRemoved)
    def _evidence_removed(self, evidence_id: UUID, occurred_at: datetime) -> None:
        area = self.evidence_areas.pop(evidence_id)
        self.evidence[area] -= 1
        if not self.evidence[area]:
            del self.evidence[area]

    class FileAttached(Event):
        file_id: UUID
        area: str
        digest: str  # keyed (HMAC-SHA-256) digest of the content: the same file is stored once
        address: str  # where the sealed content is stored, under the evidence directory
        name: Sealed
        media_type: str
        size: int
        occurred_at: datetime

    @event(FileAttached)
    def _file_attached(
        self,
        file_id: UUID,
        area: str,
        digest: str,
        address: str,
        name: Sealed,
        media_type: str,
        size: int,
        occurred_at: datetime,
    ) -> None:
        self.files[file_id] = {
            "area": area,
            "digest": digest,
            "address": address,
            "name": name,
            "media_type": media_type,
            "size": size,
            "added": occurred_at,
        }

    class FileRemoved(Event):
        file_id: UUID
        occurred_at: datetime

    @event(FileRemoved)
    def _file_removed(self, file_id: UUID, occurred_at: datetime) -> None:
        self.files.pop(file_id, None)

    class Submitted(Event):
        occurred_at: datetime

    @event(Submitted)
    def _submitted(self, occurred_at: datetime) -> None:
        self.status = SUBMITTED

    class Withdrawn(Event):
        occurred_at: datetime

    @event(Withdrawn)
    def _withdrawn(self, occurred_at: datetime) -> None:
        self.status = WITHDRAWN

    class AssessorAssigned(Event):
        assessor_id: UUID
        declaration: str
        occurred_at: datetime

    @event(AssessorAssigned)
    def _assessor_assigned(self, assessor_id: UUID, declaration: str, occurred_at: datetime) -> None:
        # recorded before assessors declared for themselves, with the registrar's declaration: counts as accepted
        self.assessors.append(assessor_id)
        self.accepted.append(assessor_id)

    class AssessorInvited(Event):
        assessor_id: UUID
        occurred_at: datetime

    @event(AssessorInvited)
    def _assessor_invited(self, assessor_id: UUID, occurred_at: datetime) -> None:
        self.assessors.append(assessor_id)

    class AssignmentAccepted(Event):
        assessor_id: UUID
        declaration: Sealed | None  # the assessor's own words (sealed with the applicant's key)
        occurred_at: datetime

    @event(AssignmentAccepted)
    def _assignment_accepted(self, assessor_id: UUID, declaration: Sealed | None, occurred_at: datetime) -> None:
        self.accepted.append(assessor_id)

    class AssignmentDeclined(Event):
        assessor_id: UUID
        reason: Sealed | None  # the conflict of interest declared (sealed with the applicant's key)
        occurred_at: datetime

    @event(AssignmentDeclined)
    def _assignment_declined(self, assessor_id: UUID, reason: Sealed | None, occurred_at: datetime) -> None:
        self.assessors.remove(assessor_id)
        self.declined.append(assessor_id)
        if assessor_id in self.accepted:
            self.accepted.remove(assessor_id)

    class AssessorReleased(Event):
        assessor_id: UUID
        occurred_at: datetime

    @event(AssessorReleased)
    def _assessor_released(self, assessor_id: UUID, occurred_at: datetime) -> None:
        self.assessors.remove(assessor_id)
        if assessor_id in self.accepted:
            self.accepted.remove(assessor_id)

    class RefereeResponded(Event):
        confirmed: bool
        occurred_at: datetime

    @event(RefereeResponded)
    def _referee_responded(self, confirmed: bool, occurred_at: datetime) -> None:
        self.referee_confirmed = confirmed

    class ProfessionalDiscussionHeld(Event):
        held_on: date
        assessor_ids: list[UUID]
        notes: Sealed | None
        occurred_at: datetime

    @event(ProfessionalDiscussionHeld)
    def _discussion_held(
        self, held_on: date, assessor_ids: list[UUID], notes: Sealed | None, occurred_at: datetime
    ) -> None:
        self.discussion_held = True

    class Assessed(Event):
        assessor_id: UUID
        judgements: dict[str, str]
        recommendation: str
        feedback: Sealed | None
        occurred_at: datetime

    @event(Assessed)
    def _assessed(
        self,
        assessor_id: UUID,
        judgements: dict[str, str],
        recommendation: str,
        feedback: Sealed | None,
        occurred_at: datetime,
    ) -> None:
        self.assessments[assessor_id] = {
            "judgements": judgements,
            "recommendation": recommendation,
            "feedback": feedback,
        }

    class InformationRequested(Event):
        request: Sealed
        by: str
        occurred_at: datetime

    @event(InformationRequested)
    def _information_requested(self, request: Sealed, by: str, occurred_at: datetime) -> None:
        self.status = INFORMATION_REQUESTED

    class Decided(Event):
        outcome: str
        reasons: Sealed | str | None  # a plain string in events recorded before reasons were sealed
        by: str
        decided_on: date
        occurred_at: datetime

    @event(Decided)
    def _decided(
        self, outcome: str, reasons: Sealed | str | None, by: str, decided_on: date, occurred_at: datetime
    ) -> None:
        self.status, self.outcome, self.decided_on = DECIDED, outcome, decided_on

    class Appealed(Event):
        grounds: Sealed
        occurred_at: datetime

    @event(Appealed)
    def _appealed(self, grounds: Sealed, occurred_at: datetime) -> None:
        self.status, self.appealed = APPEALED, True

    class AppealDecided(Event):
        upheld: bool
        remedy: str | None
        reasons: Sealed | str | None  # a plain string in events recorded before reasons were sealed
        by: str
        decided_on: date
        occurred_at: datetime

    @event(AppealDecided)
    def _appeal_decided(
        self,
        upheld: bool,
        remedy: str | None,
        reasons: Sealed | str | None,
        by: str,
        decided_on: date,
        occurred_at: datetime,
    ) -> None:
        if upheld and remedy == Remedy.AWARD:
            self.status, self.outcome, self.decided_on = DECIDED, Outcome.AWARD, decided_on
        elif upheld:  # reassess: fresh assessors, fresh assessments
            self.status, self.outcome, self.decided_on = SUBMITTED, None, None
            self.assessors, self.assessments, self.accepted = [], {}, []
            self.discussion_held = False
        else:
            self.status = DECIDED
