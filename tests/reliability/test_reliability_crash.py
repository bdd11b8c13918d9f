"""Issue 9, part 2: the projection runner, the credential issuer and the mail sender, each killed with SIGKILL at
random points many times over a large catch-up, end where an uninterrupted run on a copy of the same register ends.

One register (a demo, its credentials not yet issued and its letters not yet sent) is copied. The copy is worked
through once, without interruption, in this process: the issuer, then the projection runner, then the mail sender,
each timed. The original is worked through by child processes (forked from a server that has already imported the
ledger, so a child starts in milliseconds) that are killed with SIGKILL after a random fraction of that time, over
and over, then once more without interruption. Then:

- every read model of ``ALL_PROJECTIONS`` equals the copy's, row for row (the status-list indexes, drawn at random,
  and the letters' random Message-IDs aside), and every one is at the head of the log;
- one credential per award, renewal, reinstatement and lifted suspension (none missing, none twice), the same
  credentials as the copy's, every status index unique, each credential with its one revocation index and no
  suspension index;
- each letter reached the SMTP server (aiosmtpd, one per register) at most once; every letter the outbox calls sent
  arrived exactly once; a letter whose sender was killed after recording ``Sending`` stays ``sending`` (stuck, for a
  person to check by its Message-ID) rather than being sent again: those are counted, and every other letter is as
  the copy's.

The CI form is small; ``pytest -m slow tests/reliability/test_reliability_crash.py -s`` runs the full one (more
registrants, the daily tick's events, more kills). Run with ``-s`` to print the figures. The child processes, the SMTP
servers, the copies and what is compared are in tests/builders/crash.py.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import replace
from datetime import date, datetime

import pytest

from ledger.domain.clock import SettableClock
from ledger.ops.demo import run_demo
from ledger.processes.issuance import TOPICS as TRIGGER_TOPICS
from ledger.processes.keyring import Keyring
from ledger.read.projections.runner import ProjectionRunner
from ledger.settings import Settings
from tests.builders.crash import (
    COMPONENTS,
    Figures,
    copy_of_fixture,  # noqa: F401 - the copy_of fixture
    credential_facts,
    forget_read_models,
    kill_repeatedly,
    message_ids_of,
    outbox_rows,
    read_models,
    run_component,
    smtp_servers_fixture,  # noqa: F401 - the smtp_servers fixture
)
from tests.conftest import MASTER_KEY


# -- the test ----------------------------------------------------------------------------------------------------------
def crash_and_compare(database_url, make_ledger, smtp_servers, copy_of, *, registrants, years, tick, kills, seed):
    started = time.perf_counter()
    clock = SettableClock(date(2026, 6, 1))
    ledger = make_ledger(clock=clock, rng=random.Random(seed))
    demo = run_demo(ledger, clock, registrants=registrants, years=years, seed=seed, tick=tick, issue_credentials=False)
    assert demo.refused == 0, demo.refusals
    Keyring(ledger).active()  # the one issuer key, made before the copy so that both registers sign with it
    forget_read_models(ledger)  # the demo's tick kept them up to date: make the runner catch up on everything
    now = clock.now().isoformat()
    ledger.close()
    copy_url = copy_of(database_url)
    built = time.perf_counter() - started

    figures = Figures()
    clean_port, clean_inbox = smtp_servers()
    crash_port, crash_inbox = smtp_servers()
    base = Settings(
        database_url=database_url, master_key=MASTER_KEY, smtp_host="127.0.0.1", mail_from="registrar@register.example"
    )
    clean = make_ledger(
        settings=replace(base, database_url=copy_url, smtp_port=clean_port),
        clock=SettableClock(datetime.fromisoformat(now)),
    )
    results = {}
    for component in COMPONENTS:
        began = time.perf_counter()
        results[component] = run_component(clean, component)
        figures.clean_seconds[component] = time.perf_counter() - began
    assert not results["mailer"].stuck and results["mailer"].failed == 0

    chance = random.Random(seed * 7919)
    began = time.perf_counter()
    for component in COMPONENTS:
        kill_repeatedly(
            database_url, crash_port, now, component, kills, figures.clean_seconds[component], chance, figures
        )
    crashing_seconds = time.perf_counter() - began
    crashed = make_ledger(
        settings=replace(base, smtp_port=crash_port), clock=SettableClock(datetime.fromisoformat(now))
    )

    # every read model at the head, and equal to the copy's
    head = crashed.recorder.max_notification_id()
    assert ProjectionRunner(crashed).positions() == {name: head for name in ProjectionRunner(crashed).positions()}
    crashed_models, clean_models = read_models(crashed), read_models(clean)
    assert crashed_models.keys() == clean_models.keys()
    for name in clean_models:
        assert crashed_models[name] == clean_models[name], f"read model {name} differs from the uninterrupted run's"

    # credentials: one per trigger, the same as the copy's, unique status indexes
    triggers = len(crashed.recorder.select_notifications(start=0, limit=10**9, topics=TRIGGER_TOPICS))
    facts, indexes = credential_facts(crashed)
    clean_facts, _ = credential_facts(clean)
    assert facts == clean_facts
    assert len({(f[0], f[1]) for f in facts}) == len(facts), "two credentials for one trigger"
    assert all(n == 1 for n in indexes.values()), "a status index was given twice"
    assert sum(indexes.values()) == len(facts), "a credential without its one (revocation) index, or with more"
    assert {purpose for purpose, _ in indexes} == {"revocation"}, "a new credential was given a suspension index"
    issued_events = len(
        crashed.recorder.select_notifications(
            start=0, limit=10**9, topics=["ledger.aggregates.credential:Credential.Issued"]
        )
    )
    assert issued_events == len(facts)
    # triggers whose registrant was erased, and suspensions lifted after the renewal date, get no credential
    unissued = triggers - len(facts)
    assert unissued == results["issuer"].erased + results["issuer"].past_due
    erased, past_due = results["issuer"].erased, results["issuer"].past_due

    # letters: none twice; every one the outbox calls sent arrived once; the rest stuck, not re-sent
    letters, clean_letters = outbox_rows(crashed), outbox_rows(clean)
    assert letters.keys() == clean_letters.keys()
    received = Counter(crash_inbox.message_ids)
    assert all(n == 1 for n in received.values()), "a message arrived twice"
    owners = message_ids_of(crashed)
    assert set(received) <= set(owners), "a message arrived that no Sending event records"
    arrivals = Counter(owners[m] for m in received)
    assert all(n == 1 for n in arrivals.values()), "a letter arrived twice"
    stuck_received = stuck_lost = 0
    for letter_id, row in letters.items():
        twin = clean_letters[letter_id]
        if row.status == "sending":
            assert twin.status == "sent"
            if arrivals[letter_id]:
                stuck_received += 1
            else:
                stuck_lost += 1
            continue
        assert (row.kind, row.subject, row.status, row.queued_at) == (
            twin.kind,
            twin.subject,
            twin.status,
            twin.queued_at,
        )
        if row.status == "sent":
            assert arrivals[letter_id] == 1 and owners.get(row.message_id) == letter_id
            assert row.attempts == twin.attempts == 1
    assert len(clean_inbox.message_ids) == sum(1 for r in clean_letters.values() if r.status == "sent")
    sent = sum(1 for r in letters.values() if r.status == "sent")

    print(
        f"\n[crash {database_url.split(':')[0]}] {registrants} registrants, {years} years, tick={tick}: "
        f"{head} events, {len(facts)} credentials ({erased} triggers of erased registrants, {past_due} lifts past "
        f"due), {len(letters)} letters; register built and copied in {built:.1f} s"
    )
    for component in COMPONENTS:
        print(
            f"  {component}: clean run {figures.clean_seconds[component]:.2f} s; {figures.runs[component]} child "
            f"runs, {figures.killed[component]} killed part-way, {figures.finished[component]} finished before "
            "the kill, then one to the end"
        )
    print(
        f"  letters: {sent} sent once each, {stuck_received} stuck after arriving, {stuck_lost} stuck without "
        f"arriving, 0 sent twice; {len(crash_inbox.message_ids)} messages received "
        f"(the copy: {len(clean_inbox.message_ids)}); crash phase {crashing_seconds:.1f} s, "
        f"total {time.perf_counter() - started:.1f} s"
    )
    assert sum(figures.killed.values()) >= len(COMPONENTS), figures


def test_sigkill_at_random_points_ends_where_an_uninterrupted_run_ends(
    database_url, make_ledger, smtp_servers, copy_of
):
    crash_and_compare(
        database_url, make_ledger, smtp_servers, copy_of, registrants=50, years=2, tick=False, kills=2, seed=3
    )


@pytest.mark.slow
def test_sigkill_many_times_over_a_large_catch_up_with_the_tick(database_url, make_ledger, smtp_servers, copy_of):
    crash_and_compare(
        database_url, make_ledger, smtp_servers, copy_of, registrants=400, years=3, tick=True, kills=25, seed=9
    )
