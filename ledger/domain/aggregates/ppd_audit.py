"""A PPD audit: one per registration selected in a year's sample (its id is derived from the registration and the
year). The registrant sends a PPD profile (summary, the activities it draws on, a statement, evidence); an assessor
judges each audit standard met, partly met or not met; the registrar decides:

- **accepted**: no standard is judged not met;
- **deferred**: more time (once) to send a better profile;
- **not renewed**: a standard is not met, or no profile came by its due date. The registrant may appeal within the
  appeal window; the registration keeps its status until the window closes or the appeal is dismissed, and then
  lapses. An upheld appeal accepts the audit.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from ledger.domain.aggregates.base import LedgerAggregate
from ledger.domain.errors import InvalidInput, RuleBroken
from ledger.domain.sealed import Sealed
from ledger.domain.statuses import LIVE, NOT_MET, Appeal, AuditOutcome, AuditStage

AUDIT_NAMESPACE = uuid5(NAMESPACE_URL, "https://regledger.invalid/ppd-audit")

ACCEPTED = AuditOutcome.ACCEPTED
DEFERRED = AuditOutcome.DEFERRED
NOT_RENEWED = AuditOutcome.NOT_RENEWED
OUTCOMES = tuple(AuditOutcome)
OUTCOME_NAMES: dict[str, str] = {ACCEPTED: "Accepted", DEFERRED: "Deferred (more time)", NOT_RENEWED: "Not renewed"}
MAX_ACTIVITIES = 200


def audit_stage(
    *,
    ended_on: date | None,
    appeal: str | None,
    outcome: str | None,
    profile_on: date | None,
    judged: bool,
    assessor_id: Any,
) -> AuditStage:
    """Where an audit stands, in words (the aggregate and the audits read model both say it this way)."""
    if ended_on is not None:
        return AuditStage.ENDED
    if appeal == Appeal.PENDING:
        return AuditStage.APPEALED
    if outcome == ACCEPTED:
        return AuditStage.ACCEPTED
    if outcome == NOT_RENEWED:
        return AuditStage.NOT_RENEWED
    if profile_on is None:
        return AuditStage.AWAITING_PROFILE
    if judged:
        return AuditStage.JUDGED
    return AuditStage.WITH_ASSESSOR if assessor_id is not None else AuditStage.WITH_REGISTRAR


def shown_stage(stage: str, registration_status: str | None) -> str:
    """The stage as shown: an audit still open when its registration stopped being live (lapsed, resigned,
    removed) is closed, since nothing more can happen to it."""
    if registration_status and registration_status not in LIVE and stage not in (AuditStage.ACCEPTED, AuditStage.ENDED):
        return f"closed: registration {registration_status}"
    return stage


class PpdAudit(LedgerAggregate):
    @staticmethod
    def create_id(registration_id: UUID, year: int) -> UUID:
        return uuid5(AUDIT_NAMESPACE, f"{registration_id.hex}/{year}")

    id_for = create_id

    class Event(LedgerAggregate.Event):
        """Every event of a PPD audit."""

    class Requested(LedgerAggregate.Created):
        registration_id: UUID
        registrant_id: UUID
        number: str
        year: int
        seed: str
        profile_due: date
        occurred_at: datetime

    @event(Requested)
    def __init__(
        self,
        registration_id: UUID,
        registrant_id: UUID,
        number: str,
        year: int,
        seed: str,
        profile_due: date,
        occurred_at: datetime,
    ) -> None:
        self.registration_id = registration_id
        self.registrant_id = registrant_id
        self.number = number
        self.year = year
        self.profile_due = profile_due
        self.profile_on: date | None = None
        self.activity_ids: list[UUID] = []
        self.assessor_id: UUID | None = None
        self.judgements: dict[str, str] | None = None
        self.feedback: Sealed | None = None
        self.outcome: str | None = None
        self.decided_on: date | None = None
        self.deferred = False
        self.appeal_by: date | None = None
        self.appeal: Appeal | None = None
        self.ended_on: date | None = None

    # -- questions
    @property
    def stage(self) -> str:
        return audit_stage(
            ended_on=self.ended_on,
            appeal=self.appeal,
            outcome=self.outcome,
            profile_on=self.profile_on,
            judged=self.judgements is not None,
            assessor_id=self.assessor_id,
        )

    @property
    def is_open(self) -> bool:
        """Still to be settled: no outcome yet, deferred, or not renewed and not yet ended or overturned."""
        return self.ended_on is None and self.outcome != ACCEPTED

    @property
    def blocks_renewal(self) -> bool:
        """A 'not renewed' outcome stands (or is under appeal): the registration cannot be renewed meanwhile."""
        return self.outcome == NOT_RENEWED and self.ended_on is None

    def is_due_to_end(self, today: date) -> bool:
        """'Not renewed' takes effect once the appeal window has closed with no appeal, or the appeal is dismissed."""
        if self.outcome != NOT_RENEWED or self.ended_on is not None or self.appeal in (Appeal.PENDING, Appeal.UPHELD):
            return False
        assert self.appeal_by is not None
        return self.appeal == Appeal.DISMISSED or today > self.appeal_by

    def _require_undecided(self, doing: str) -> None:
        if self.ended_on is not None or self.outcome in (ACCEPTED, NOT_RENEWED):
            raise RuleBroken(
                f"this audit was decided ({OUTCOME_NAMES[self.outcome or NOT_RENEWED].lower()}): "
                f"{doing} is no longer possible"
            )

    # -- commands
    def submit_profile(
        self,
        summary: Sealed,
        statement: Sealed,
        evidence: Sealed | None,
        activity_ids: list[UUID],
        recorded: set[UUID],
        today: date,
        occurred_at: datetime,
    ) -> None:
        self._require_undecided("sending a profile")
        if self.judgements is not None:
            raise RuleBroken("the profile has been judged; wait for the registrar's decision")
        if self.profile_on is not None and self.assessor_id is not None:
            raise RuleBroken("the profile is with an assessor; it cannot be replaced now")
        if not activity_ids:
            raise InvalidInput("activities", "a PPD profile draws on at least one recorded PPD activity")
        if len(activity_ids) > MAX_ACTIVITIES:
            raise InvalidInput("activities", f"at most {MAX_ACTIVITIES} activities")
        unknown = [str(a) for a in activity_ids if a not in recorded]
        if unknown:
            raise InvalidInput("activities", f"not in your PPD record: {', '.join(unknown)}")
        self._profile_submitted(
            summary=summary,
            statement=statement,
            evidence=evidence,
            activity_ids=sorted(set(activity_ids), key=str),
            submitted_on=today,
            occurred_at=occurred_at,
        )

    def assign(self, assessor_id: UUID, by: str, occurred_at: datetime) -> None:
        self._require_undecided("assigning an assessor")
        if self.profile_on is None:
            raise RuleBroken("no PPD profile has been sent yet: there is nothing to assess")
        if self.judgements is not None:
            raise RuleBroken("the profile has already been judged")
        if self.assessor_id == assessor_id:
            raise RuleBroken("this assessor is already assigned to the audit")
        self._assessor_assigned(assessor_id=assessor_id, by=by, occurred_at=occurred_at)

    def judge(
        self, assessor_id: UUID, judgements: dict[str, str], feedback: Sealed | None, rules: Any, occurred_at: datetime
    ) -> None:
        if self.assessor_id != assessor_id:
            raise RuleBroken("only the assessor assigned to this audit judges it")
        self._require_undecided("judging")
        if self.judgements is not None:
            raise RuleBroken("this profile was already judged")
        if not isinstance(judgements, dict):
            raise InvalidInput("judgements", "give a judgement for each audit standard")
        missing = [s for s in rules.audit_standards if s not in judgements]
        unknown = [s for s in judgements if s not in rules.audit_standards]
        if missing or unknown:
            raise InvalidInput(
                "judgements",
                "judge exactly the audit standards "
                + ", ".join(rules.audit_standards)
                + (f"; missing {', '.join(missing)}" if missing else "")
                + (f"; unknown {', '.join(map(str, unknown))}" if unknown else ""),
            )
        wrong = {s: j for s, j in judgements.items() if j not in rules.judgements}
        if wrong:
            raise InvalidInput(
                "judgements",
                f"each judgement is one of {', '.join(rules.judgements)}; not {', '.join(map(str, wrong.values()))}",
            )
        self._judged(assessor_id=assessor_id, judgements=dict(judgements), feedback=feedback, occurred_at=occurred_at)

    def decide(
        self, outcome: str, reasons: Sealed | None, by: str, today: date, rules: Any, occurred_at: datetime
    ) -> None:
        self._require_undecided("deciding again")
        if outcome not in OUTCOMES:
            raise InvalidInput("outcome", "expected one of " + ", ".join(OUTCOMES))
        overdue = self.profile_on is None and today > self.profile_due
        if outcome == ACCEPTED:
            if self.judgements is None:
                raise RuleBroken("an audit is accepted only once an assessor has judged the profile")
            if NOT_MET in self.judgements.values():
                raise RuleBroken("a standard was judged not met: defer the audit or decide 'not renewed'")
        if outcome == DEFERRED:
            if self.deferred:
                raise RuleBroken("this audit was already deferred once")
            if self.judgements is None and not overdue:
                raise RuleBroken(
                    f"nothing to defer yet: the profile is due on {self.profile_due}"
                    if self.profile_on is None
                    else "the profile has not been judged yet"
                )
        if outcome == NOT_RENEWED:
            if not overdue and (self.judgements is None or NOT_MET not in self.judgements.values()):
                raise RuleBroken(
                    f"'not renewed' needs a standard judged not met, or no profile by its due date ({self.profile_due})"
                )
        if outcome != ACCEPTED and not reasons:
            raise InvalidInput("reasons", "give the reasons for deferring or not renewing")
        self._decided(
            outcome=outcome,
            reasons=reasons,
            by=by,
            decided_on=today,
            profile_due=today + timedelta(days=rules.audit_deferral_days) if outcome == DEFERRED else None,
            appeal_by=today + timedelta(days=rules.appeal_window_days) if outcome == NOT_RENEWED else None,
            occurred_at=occurred_at,
        )

    def lodge_appeal(self, grounds: Sealed, today: date, occurred_at: datetime) -> None:
        if self.outcome != NOT_RENEWED or self.ended_on is not None:
            raise RuleBroken("only a 'not renewed' audit outcome can be appealed, before it takes effect")
        if self.appeal is not None:
            raise RuleBroken("this audit outcome was already appealed")
        assert self.appeal_by is not None
        if today > self.appeal_by:
            raise RuleBroken(f"the appeal window closed on {self.appeal_by}")
        self._appealed(grounds=grounds, on=today, occurred_at=occurred_at)

    def decide_appeal(self, upheld: bool, reasons: Sealed | None, by: str, today: date, occurred_at: datetime) -> None:
        if self.appeal != Appeal.PENDING:
            raise RuleBroken("there is no appeal to decide on this audit")
        if not reasons:
            raise InvalidInput("reasons", "an appeal decision must give reasons")
        self._appeal_decided(upheld=bool(upheld), reasons=reasons, by=by, decided_on=today, occurred_at=occurred_at)

    def end(self, today: date, occurred_at: datetime) -> None:
        if not self.is_due_to_end(today):
            raise RuleBroken("this audit's outcome does not end the registration (yet)")
        self._ended(on=today, occurred_at=occurred_at)

    # -- events: each declared with its stored fields, then applied to the state (and only that: see the package)
    class ProfileSubmitted(Event):
        summary: Sealed
        statement: Sealed
        evidence: Sealed | None
        activity_ids: list[UUID]
        submitted_on: date
        occurred_at: datetime

    @event(ProfileSubmitted)
    def _profile_submitted(
        self,
        summary: Sealed,
        statement: Sealed,
        evidence: Sealed | None,
        activity_ids: list[UUID],
        submitted_on: date,
        occurred_at: datetime,
    ) -> None:
        self.profile_on = submitted_on
        self.activity_ids = list(activity_ids)
        self.judgements, self.feedback = None, None
        if self.outcome == DEFERRED:
            self.outcome = None  # the new profile is assessed afresh

    class AssessorAssigned(Event):
        assessor_id: UUID
        by: str
        occurred_at: datetime

    @event(AssessorAssigned)
    def _assessor_assigned(self, assessor_id: UUID, by: str, occurred_at: datetime) -> None:
        self.assessor_id = assessor_id

    class Judged(Event):
        assessor_id: UUID
        judgements: dict[str, str]
        feedback: Sealed | None
        occurred_at: datetime

    @event(Judged)
    def _judged(
        self, assessor_id: UUID, judgements: dict[str, str], feedback: Sealed | None, occurred_at: datetime
    ) -> None:
        self.judgements, self.feedback = judgements, feedback

    class Decided(Event):
        outcome: str
        reasons: Sealed | str | None  # a plain string in events recorded before reasons were sealed
        by: str
        decided_on: date
        profile_due: date | None  # deferred: when the new profile is due
        appeal_by: date | None  # not renewed: the last day to appeal
        occurred_at: datetime

    @event(Decided)
    def _decided(
        self,
        outcome: str,
        reasons: Sealed | str | None,
        by: str,
        decided_on: date,
        profile_due: date | None,
        appeal_by: date | None,
        occurred_at: datetime,
    ) -> None:
        self.outcome, self.decided_on = outcome, decided_on
        if outcome == DEFERRED:  # a new profile is due, and is judged afresh
            self.deferred = True
            if profile_due is not None:  # always, for a deferral
                self.profile_due = profile_due
            self.profile_on, self.activity_ids, self.judgements, self.feedback = None, [], None, None
        self.appeal_by = appeal_by

    class Appealed(Event):
        grounds: Sealed
        on: date
        occurred_at: datetime

    @event(Appealed)
    def _appealed(self, grounds: Sealed, on: date, occurred_at: datetime) -> None:
        self.appeal = Appeal.PENDING

    class AppealDecided(Event):
        upheld: bool
        reasons: Sealed | str | None  # a plain string in events recorded before reasons were sealed
        by: str
        decided_on: date
        occurred_at: datetime

    @event(AppealDecided)
    def _appeal_decided(
        self, upheld: bool, reasons: Sealed | str | None, by: str, decided_on: date, occurred_at: datetime
    ) -> None:
        self.appeal = Appeal.UPHELD if upheld else Appeal.DISMISSED
        if upheld:
            self.outcome = ACCEPTED

    class Ended(Event):
        on: date
        occurred_at: datetime

    @event(Ended)
    def _ended(self, on: date, occurred_at: datetime) -> None:
        self.ended_on = on
