"""A command with an Idempotency-Key acts at most once, however its first attempt ended: ``Ledger.once`` saves the
command's events and the key's ``CommandReceipt`` in one transaction, on SQLite and PostgreSQL. The faults here are
real: the store really commits, and only the acknowledgement is lost (the error a dropped connection gives)."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError, OperationalError

from ledger.domain.errors import InvalidInput

DIGEST = "a" * 64


def enrolments(ledger: Any) -> list[str]:
    return [
        n.topic
        for n in ledger.recorder.select_notifications(start=1, limit=100_000)
        if n.topic.endswith("Registrant.Enrolled")
    ]


def enrol(ledger: Any, name: str = "Rosa Diaz") -> Any:
    return lambda: {"id": str(ledger.enrol(name, "rosa@example.org", ["performing_arts"], None, "listed"))}


def test_a_key_acts_once_and_a_retry_gets_the_first_answer(ledger):
    first, acted = ledger.once("account-1:k1", DIGEST, enrol(ledger))
    again, acted_again = ledger.once("account-1:k1", DIGEST, lambda: pytest.fail("the retry acted"))
    assert acted and not acted_again and again == first
    assert len(enrolments(ledger)) == 1
    # the same key from another account is another request
    other, acted_other = ledger.once("account-2:k1", DIGEST, enrol(ledger, "Amy Santiago"))
    assert acted_other and other != first and len(enrolments(ledger)) == 2


def test_a_key_reused_for_another_request_is_refused_and_changes_nothing(ledger):
    ledger.once("account-1:k1", DIGEST, enrol(ledger))
    before = ledger.recorder.max_notification_id()
    with pytest.raises(InvalidInput, match="different request"):
        ledger.once("account-1:k1", "b" * 64, enrol(ledger))
    assert ledger.recorder.max_notification_id() == before


def test_a_refused_command_leaves_the_key_free_for_the_corrected_request(ledger):
    with pytest.raises(InvalidInput, match="listing"):
        ledger.once(
            "account-1:k1",
            DIGEST,
            lambda: ledger.enrol("Rosa", "rosa@example.org", ["performing_arts"], None, "nowhere"),
        )
    assert ledger.recorder.max_notification_id() in (None, 0)
    answer, acted = ledger.once("account-1:k1", DIGEST, enrol(ledger))
    assert acted and len(enrolments(ledger)) == 1


@pytest.mark.parametrize("lost_with", [OperationalError, IntegrityError])
def test_a_commit_whose_acknowledgement_was_lost_is_not_acted_on_again(ledger, monkeypatch, lost_with):
    """The store commits, then the caller sees an error: a dropped connection (``OperationalError``: the service
    answers 503 and the client retries), or the library's own retry of the insert conflicting with what it had
    already committed (``IntegrityError``). Before receipts, the second case ran the command again with a new id."""
    real_insert = ledger.recorder.insert_events
    lost = []

    def commit_then_lose_the_answer(stored_events, **kwargs):
        result = real_insert(stored_events, **kwargs)
        if not lost:
            lost.append(len(stored_events))
            raise lost_with("server closed the connection unexpectedly")
        return result

    monkeypatch.setattr(ledger.recorder, "insert_events", commit_then_lose_the_answer)
    if lost_with is OperationalError:
        with pytest.raises(OperationalError):
            ledger.once("account-1:k1", DIGEST, enrol(ledger))
        answer, acted = ledger.once("account-1:k1", DIGEST, enrol(ledger))  # the client's retry
        assert not acted
    else:
        answer, acted = ledger.once("account-1:k1", DIGEST, enrol(ledger))  # the conflict is read as "it acted"
    assert lost == [2]  # the enrolment and the receipt, in one insert
    assert len(enrolments(ledger)) == 1
    assert ledger.registrant(uuid.UUID(answer["id"])) is not None


def test_two_requests_with_one_key_at_once_act_once(make_ledger):
    """Two processes' worth of Ledgers race the same key: one acts, the other answers with its answer."""
    ledgers = [make_ledger() for _ in range(2)]
    barrier = threading.Barrier(2)
    answers: list[Any] = [None, None]

    def run(n: int) -> None:
        def act() -> Any:
            answer = enrol(ledgers[n], f"Racer {n}")()
            barrier.wait(10)  # both have acted in memory; now both save
            return answer

        answers[n] = ledgers[n].once("account-1:race", DIGEST, act)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert answers[0][0] == answers[1][0]
    assert sorted(acted for _, acted in answers) == [False, True]
    assert len(enrolments(ledgers[0])) == 1
