"""Issue 9, part 1: many threads in many processes, each with its own Ledger on one PostgreSQL database, issuing
conflicting commands on the same applications, registrations and audits at the same moment.

``tests/reliability/test_concurrency.py`` shows the mechanism on one registration (a stale save refused; six
suspensions, one wins). Here the races are many and mixed. Workers are threads inside processes started with
``spawn``; each round every worker waits at one barrier (shared by all processes) and then issues its command, so
the commands of a round race each other:

- **decide**: two or three registrars decide the same application at once (award or reject); every award also
  claims a registration number, drawn from a deliberately narrow range so that awards of different applications
  compete for the same numbers (``RegistrationNumberClaim``);
- **renew / suspend**: renewals of a declared renewal race suspensions of the same registration;
- **audit**: registrars decide the same PPD audit ('not renewed') while the registrant appeals it;
- **appeal / decide appeal**: the appeal of a 'not renewed' audit races the registrar's decision on that appeal;
- **issue**: every worker runs a ``CredentialIssuer`` catch-up at once, status indexes drawn from a narrow range so
  that they compete for indexes as well as for credentials.

Afterwards, from the event store: every command that said it succeeded has its event and the number of events of
each kind equals the number of successes (nothing lost, nothing twice); one registration per person, unique
registration numbers, unique status indexes, one credential per award or renewal, each application and audit
decided at most once; and every loser was told with ``Conflict`` or ``RuleBroken`` and a message, never a crash or
a silent success. Run with ``-s`` for the figures;
``pytest -m slow tests/reliability/test_reliability_concurrency.py -s`` runs the larger form.

The scene, the plan and the workers are in tests/builders/races.py; Ledgers starting together on one database are
in test_reliability_concurrency_startup.py.
"""

from __future__ import annotations

import json
import multiprocessing
import random
import time
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ledger.app.ledger import Ledger
from ledger.domain.clock import SettableClock
from ledger.processes.issuance import TOPICS as TRIGGER_TOPICS
from ledger.settings import Settings
from tests.builders.races import START, YEAR, Scene, build_scene, plan_rounds, run_process
from tests.conftest import MASTER_KEY, _reset_postgres


# -- the checks -------------------------------------------------------------------------------------------------------
def events_since(ledger: Ledger, start: int) -> list[Any]:
    return [
        ledger.mapper.to_domain_event(n)
        for n in ledger.recorder.select_notifications(start=start, limit=10**9, inclusive_of_start=False)
    ]


def check(ledger: Ledger, scene: Scene, records: list[dict], before: int) -> dict[str, Any]:
    crashes = [r for r in records if r["outcome"] == "crash"]
    assert not crashes, "a worker crashed:\n" + "\n".join(r["trace"] for r in crashes[:3])
    for r in records:
        if r["outcome"] != "ok":
            assert r["message"].strip(), f"a loser was told nothing: {r}"
    new = events_since(ledger, before)
    kinds = Counter(type(e).__qualname__ for e in new)
    ok = Counter(r["kind"] for r in records if r["outcome"] == "ok")
    by_target: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in records:
        by_target[(r["kind"], r["target"])].append(r)

    # nothing lost, nothing twice: one event per success, of each kind
    assert kinds["Application.Decided"] == ok["decide"]
    assert kinds["Registration.Renewed"] == ok["renew"]
    assert kinds["Registration.Suspended"] == ok["suspend"]
    assert kinds["PpdAudit.Decided"] == ok["decide_audit"]
    assert kinds["PpdAudit.Appealed"] == ok["appeal_audit"]
    assert kinds["PpdAudit.AppealDecided"] == ok["decide_audit_appeal"]
    # each success has its own event, on its own aggregate
    decided_apps = Counter(e.originator_id for e in new if type(e).__qualname__ == "Application.Decided")
    for application in scene.applications:
        racers = by_target[("decide", str(application))]
        winners = [r for r in racers if r["outcome"] == "ok"]
        assert len(winners) == 1 == decided_apps[application], racers  # decided exactly once
        app = ledger.application(application)
        assert app.outcome == winners[0]["decision"] and app.status == "decided"
        if app.outcome == "award":
            assert ledger.registration(app.registrant_id).number == winners[0]["value"]
    for person in scene.renewing:
        registration = ledger.registration(person)
        renewed = [r for r in by_target[("renew", str(person))] if r["outcome"] == "ok"]
        suspended = [r for r in by_target[("suspend", str(person))] if r["outcome"] == "ok"]
        assert len(renewed) <= 1 and len(suspended) <= 1 and (renewed or suspended)
        assert registration.status == ("suspended" if suspended else "registered")
        assert (registration.valid_until == date.fromisoformat(renewed[0]["value"])) if renewed else True
    for person in scene.judged:
        audit = ledger.ppd_audit(person, YEAR)
        decided = [r for r in by_target[("decide_audit", str(person))] if r["outcome"] == "ok"]
        appealed = [r for r in by_target[("appeal_audit", str(person))] if r["outcome"] == "ok"]
        assert len(decided) == 1 and audit.outcome == "not_renewed", by_target[("decide_audit", str(person))]
        assert len(appealed) <= 1 and (audit.appeal == "pending") == bool(appealed)
    for person in scene.not_renewed:
        audit = ledger.ppd_audit(person, YEAR)
        appealed = [r for r in by_target[("appeal_audit", str(person))] if r["outcome"] == "ok"]
        heard = [r for r in by_target[("decide_audit_appeal", str(person))] if r["outcome"] == "ok"]
        assert len(appealed) == 1 and len(heard) <= 1
        if heard:
            assert audit.appeal == ("upheld" if heard[0]["upheld"] else "dismissed")
            assert ledger.registration(person).status == ("registered" if heard[0]["upheld"] else "lapsed")
        else:
            assert audit.appeal == "pending" and ledger.registration(person).status == "registered"

    # the register's invariants, over the whole store
    everything = events_since(ledger, 0)
    opened = Counter(e.originator_id for e in everything if type(e).__qualname__ == "Registration.Opened")
    assert all(n == 1 for n in opened.values())
    registrants = Counter(ledger.repository.get(r).registrant_id for r in opened)
    assert all(n == 1 for n in registrants.values()), "two registrations for one person"
    numbers = Counter(ledger.repository.get(r).number for r in opened)
    assert all(n == 1 for n in numbers.values()), "a registration number given twice"
    claims = [e for e in everything if type(e).__qualname__ == "RegistrationNumberClaim.Claimed"]
    assert len(claims) == len(opened)
    credentials = [e for e in everything if type(e).__qualname__ == "Credential.Issued"]
    triggers = ledger.recorder.select_notifications(start=0, limit=10**9, topics=TRIGGER_TOPICS)
    assert len({(c.originator_id) for c in credentials}) == len(credentials) == len(triggers)
    assert {
        (ledger.repository.get(c.originator_id).registration_id, ledger.repository.get(c.originator_id).trigger_version)
        for c in credentials
    } == {(n.originator_id, n.originator_version) for n in triggers}, "a trigger without its one credential"
    issued = sum(r["value"]["issued"] for r in records if r["kind"] == "issue")
    assert issued == len(credentials)  # the scene issued none: every credential is one an issuer here said it issued
    # one status entry per credential: a revocation index, unique; no suspension index (a suspension revokes)
    held = [ledger.repository.get(c.originator_id) for c in credentials]
    assert all(c.suspension_index is None for c in held), "a new credential was given a suspension index"
    indexes = Counter(c.revocation_index for c in held)
    assert all(n == 1 for n in indexes.values()), "a status index given twice"
    index_claims = [e for e in everything if type(e).__qualname__ == "StatusIndexClaim.Claimed"]
    assert len(index_claims) == len(credentials) and {e.purpose for e in index_claims} <= {"revocation"}
    assert {(e.purpose, e.index) for e in index_claims} == {("revocation", i) for i in indexes}
    return {"events": len(new), "kinds": kinds, "ok": ok, "issued": issued, "numbers": len(numbers)}


def race(postgres_server: str, *, processes: int, threads: int, size: int, seed: int, tmp_path: Path) -> None:
    started = time.perf_counter()
    _reset_postgres(postgres_server)
    url = postgres_server
    clock = SettableClock(START)
    setup = Ledger(Settings(database_url=url, master_key=MASTER_KEY), clock=clock, rng=random.Random(seed))
    try:
        scene = build_scene(setup, clock, size)
        before = setup.recorder.max_notification_id() or 0
        existing = len(setup.recorder.select_notifications(start=0, limit=10**9, topics=TRIGGER_TOPICS))
        workers = processes * threads
        plans = plan_rounds(scene, workers, random.Random(seed))
        numbers = size + 4  # registration numbers drawn from hardly more than the awards the races can make
        indexes = 4 * (existing + 2 * size) + 40  # status indexes from a few times as many as will be issued
        context = multiprocessing.get_context("spawn")
        barrier = context.Barrier(workers)
        built = time.perf_counter() - started
        began = time.perf_counter()
        children = []
        for p in range(processes):
            mine = list(range(p * threads, (p + 1) * threads))
            child = context.Process(
                target=run_process,
                args=(
                    url,
                    mine,
                    [plans[w] for w in mine],
                    barrier,
                    numbers,
                    indexes,
                    str(tmp_path / f"process-{p}.json"),
                ),
            )
            child.start()
            children.append(child)
        for child in children:
            child.join(600)
            assert child.exitcode == 0, f"a worker process failed (exit code {child.exitcode})"
        raced = time.perf_counter() - began
        records = [r for p in range(processes) for r in json.loads((tmp_path / f"process-{p}.json").read_text())]
        figures = check(setup, scene, records, before)
    finally:
        setup.close()
    outcomes = Counter((r["kind"], r["outcome"]) for r in records)
    told = Counter(r["message"].split(";")[0].split(":")[0][:70] for r in records if r["outcome"] != "ok")
    rounds = len(plans[0])
    print(
        f"\n[concurrency] {processes} processes x {threads} threads, {rounds} rounds, {len(records)} commands "
        f"tried; {sum(figures['ok'].values())} succeeded, {sum(1 for r in records if r['outcome'] != 'ok')} told "
        f"no ({outcomes_total(outcomes, 'Conflict')} Conflict, {outcomes_total(outcomes, 'RuleBroken')} "
        f"RuleBroken), 0 crashes; {figures['events']} events written; {figures['issued']} credentials issued by "
        f"{sum(1 for r in records if r['kind'] == 'issue')} racing issuer runs; "
        f"{sum(r['lost_saves'] for r in records)} saves lost a race and were retried "
        f"({sum(r['lost_saves'] for r in records if r['kind'] == 'decide')} by decisions, "
        f"{sum(r['lost_saves'] for r in records if r['kind'] == 'issue')} by issuers); "
        f"{figures['numbers']} registrations, numbers unique; setup {built:.1f} s, races {raced:.1f} s"
    )
    for (kind, outcome), n in sorted(outcomes.items()):
        print(f"  {kind:20} {outcome:10} {n}")
    for message, n in told.most_common():
        print(f"  told {n:3}x: {message}")


def outcomes_total(outcomes: Counter, outcome: str) -> int:
    return sum(n for (_, o), n in outcomes.items() if o == outcome)


@pytest.mark.postgres
def test_threads_and_processes_racing_on_postgres(postgres_server, tmp_path):
    race(postgres_server, processes=2, threads=3, size=8, seed=1, tmp_path=tmp_path)


@pytest.mark.slow
@pytest.mark.postgres
def test_many_threads_and_processes_racing_on_postgres(postgres_server, tmp_path):
    race(postgres_server, processes=4, threads=4, size=40, seed=2, tmp_path=tmp_path)
