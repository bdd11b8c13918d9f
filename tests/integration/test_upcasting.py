"""Schema change by upcasting: an enrolment stored before the listing choice existed still loads, as listed."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from ledger.domain.aggregates import Registrant
from ledger.read.projections.register import search_register
from ledger.read.projections.runner import ProjectionRunner


def test_a_version_1_enrolment_is_upcast_on_read(ledger):
    registrant_id = uuid.uuid4()
    ledger.vault.create_key(registrant_id)
    ledger.vault.flush()
    sealed_name = ledger.mapper.transcoder.encode(ledger.vault.seal(registrant_id, "Old Timer"))
    sealed_email = ledger.mapper.transcoder.encode(ledger.vault.seal(registrant_id, "old@example.org"))
    state = {  # exactly what version 1 stored: no class_version, no listing
        "timestamp": {"_type_": "datetime_iso", "_data_": "2024-01-02T09:00:00+00:00"},
        "originator_topic": get_topic(Registrant),
        "name": json.loads(sealed_name),
        "email": json.loads(sealed_email),
        "disciplines": ["digital"],
        "background": None,
        "occurred_at": {"_type_": "datetime_iso", "_data_": "2024-01-02T09:00:00+00:00"},
    }
    ledger.recorder.insert_events(
        [
            StoredEvent(
                originator_id=registrant_id,
                originator_version=1,
                topic=get_topic(Registrant.Enrolled),
                state=json.dumps(state).encode(),
            )
        ]
    )

    registrant = ledger.registrant(registrant_id)
    assert registrant.listing == "listed"
    assert ledger.vault.open(registrant.name) == "Old Timer"
    assert registrant.enrolled_at == datetime(2024, 1, 2, 9, tzinfo=UTC)

    # and today's events on top of it replay too
    ledger.change_details(registrant_id, listing="verify-only")
    assert ledger.registrant(registrant_id).listing == "verify-only"
    ProjectionRunner(ledger).catch_up()
    with ledger.engine.connect() as conn:
        assert search_register(conn, query="timer") == []  # no registration yet, and now verify-only


def test_new_enrolments_are_stored_as_version_2(ledger):
    registrant_id = ledger.enrol("New Comer", "new@example.org", ["digital"], listing="verify-only")
    [stored] = ledger.recorder.select_events(registrant_id)
    state = json.loads(stored.state)
    assert state["class_version"] == 2 and state["listing"] == "verify-only"
