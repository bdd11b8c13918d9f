"""The races of tests/reliability/test_reliability_concurrency.py: the register the workers race on (``Scene``,
``build_scene``), each worker's commands round by round (``plan_rounds``), and the workers themselves -- threads in
processes started with ``spawn`` (``run_process``), each with its own Ledger, waiting at one barrier before every
round's command and recording what it was told."""

from __future__ import annotations

import json
import random
import threading
import traceback
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from ledger.app.ledger import Ledger
from ledger.domain.clock import SettableClock
from ledger.domain.errors import Conflict, RuleBroken
from ledger.processes.issuance import CredentialIssuer
from ledger.processes.keyring import Keyring
from ledger.settings import Settings
from tests.builders.records import assessed, assessors, awarded, enrol, log_ppd, submitted
from tests.conftest import MASTER_KEY

YEAR = 2026
START = date(2026, 1, 5)
LATER = START + timedelta(days=345)  # 20 days before the first year's renewal date


class Narrow(random.Random):
    """A worker's randomness, with registration numbers and status indexes drawn from small ranges so that
    concurrent awards and issuers collide on them (ids stay random: ``randbytes`` is untouched)."""

    def __init__(self, seed: int, numbers: int, indexes: int) -> None:
        super().__init__(seed)
        self.numbers, self.indexes = numbers, indexes

    def randint(self, a: int, b: int) -> int:
        return super().randint(a, min(b, a + self.numbers - 1))

    def randrange(self, start: int, stop: Any = None, step: int = 1) -> int:
        if stop is None:
            return super().randrange(min(start, self.indexes))
        return super().randrange(start, stop, step)


# -- the commands a worker can be given --------------------------------------------------------------------------------
def perform(ledger: Ledger, op: dict[str, Any]) -> Any:
    kind, target = op["kind"], UUID(op["target"])
    if kind == "decide":
        return ledger.decide(target, op["decision"], op["reasons"], op["by"])
    if kind == "renew":
        return str(ledger.renew(target, op["by"]))
    if kind == "suspend":
        return ledger.suspend(target, op["reasons"], op["by"])
    if kind == "decide_audit":
        return ledger.decide_audit(target, YEAR, "not_renewed", op["reasons"], op["by"])
    if kind == "appeal_audit":
        return ledger.appeal_audit(target, YEAR, op["reasons"])
    if kind == "decide_audit_appeal":
        return ledger.decide_audit_appeal(target, YEAR, op["upheld"], op["reasons"], op["by"])
    if kind == "issue":
        result = CredentialIssuer(ledger, batch_size=25).catch_up()
        return {"issued": result.issued, "already": result.already_issued}
    raise AssertionError(kind)


def run_worker(
    url: str, worker: int, rounds: list[dict | None], barrier: Any, numbers: int, indexes: int, out: list[dict]
) -> None:
    try:
        # one thread uses each Ledger: small pools, so 16 of them fit the server's 100 connections
        ledger = Ledger(
            Settings(database_url=url, master_key=MASTER_KEY, db_pool_size=1),
            clock=SettableClock(LATER),
            rng=Narrow(1000 + worker, numbers, indexes),
        )
    except Exception as error:  # noqa: BLE001 - reported, and the others are released from the barrier
        out.append(
            {
                "round": -1,
                "worker": worker,
                "kind": "open",
                "target": "",
                "outcome": "crash",
                "message": repr(error),
                "trace": traceback.format_exc(),
            }
        )
        barrier.abort()
        return
    lost = [0]
    save = ledger.save

    def counted_save(*aggregates: Any, **kwargs: Any) -> Any:  # how often a save lost a race (then retried)
        try:
            return save(*aggregates, **kwargs)
        except IntegrityError:
            lost[0] += 1
            raise

    ledger.save = counted_save  # type: ignore[method-assign]
    try:
        for number, op in enumerate(rounds):
            barrier.wait(timeout=120)
            if op is None:
                continue
            lost[0] = 0
            record = {"round": number, "worker": worker, **op}
            try:
                record.update(outcome="ok", value=perform(ledger, op))
            except (Conflict, RuleBroken) as error:
                record.update(outcome=type(error).__name__, message=str(error))
            except Exception as error:  # noqa: BLE001 - a crash is a finding: recorded, then asserted against
                record.update(outcome="crash", message=f"{type(error).__name__}: {error}", trace=traceback.format_exc())
            record["lost_saves"] = lost[0]
            out.append(record)
    finally:
        ledger.close()


def run_process(
    url: str,
    workers: list[int],
    plans: list[list[dict | None]],
    barrier: Any,
    numbers: int,
    indexes: int,
    result_file: str,
) -> None:
    """A process's threads, one Ledger each; their records written to ``result_file``."""
    out: list[dict] = []
    threads = [
        threading.Thread(target=run_worker, args=(url, w, plan, barrier, numbers, indexes, out))
        for w, plan in zip(workers, plans, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    Path(result_file).write_text(json.dumps(out, default=str))


# -- the register the workers race on --------------------------------------------------------------------------------
@dataclass
class Scene:
    applications: list[UUID]  # assessed, ready to decide (each by several registrars)
    renewing: list[UUID]  # registrants with a renewal declared, waiting for the registrar
    judged: list[UUID]  # registrants whose 2026 audit is judged 'not met', waiting for a decision
    not_renewed: list[UUID]  # registrants whose 2026 audit was decided 'not renewed', within the appeal window


def build_scene(ledger: Ledger, clock: SettableClock, size: int) -> Scene:
    pair = assessors(ledger)
    applications = []
    for i in range(size):
        person = enrol(ledger, f"Applicant {i} Race")
        application = submitted(ledger, person)
        assessed(ledger, application, pair)
        applications.append(application)
    renewing = [awarded(ledger, f"Renewer {i} Race", pair=pair)[0] for i in range(size)]
    judged = [awarded(ledger, f"Audited {i} Race", pair=pair)[0] for i in range(size)]
    not_renewed = [awarded(ledger, f"Appealing {i} Race", pair=pair)[0] for i in range(size)]
    clock.set(LATER)
    categories = ledger.framework.rules.ppd_categories[:3]
    for person in renewing:
        log_ppd(ledger, person, categories)
        ledger.submit_renewal(person)
    (auditor,) = assessors(ledger, 1)
    not_met = {code: "not_met" for code in ledger.framework.rules.audit_standards}
    for person in judged + not_renewed:
        log_ppd(ledger, person, categories)
        activities = [a["id"] for a in ledger.registration(person).ppd]
        ledger.select_for_audit(person, YEAR, "race")
        ledger.submit_audit_profile(person, YEAR, "Summary.", "Statement.", [str(a) for a in activities])
        ledger.assign_audit_assessor(person, YEAR, auditor, "registrar")
        ledger.judge_audit(person, YEAR, auditor, not_met)
    for person in not_renewed:
        ledger.decide_audit(person, YEAR, "not_renewed", "No standard met.", "registrar")
    Keyring(ledger).active()  # the issuer key exists before the issuers race (see RELIABILITY.md)
    return Scene(applications, renewing, judged, not_renewed)


def plan_rounds(scene: Scene, workers: int, chance: random.Random) -> list[list[dict | None]]:
    """Each target's racing commands go to different workers in the same round."""
    groups: list[list[dict]] = []
    for application in scene.applications:
        groups.append(
            [
                {
                    "kind": "decide",
                    "target": str(application),
                    "decision": chance.choice(["award", "reject"]),
                    "reasons": f"Decision {k}.",
                    "by": f"registrar {k}",
                }
                for k in range(chance.choice([2, 3]))
            ]
        )
    for person in scene.renewing:
        groups.append(
            [
                {"kind": "renew", "target": str(person), "by": "registrar A"},
                {"kind": "suspend", "target": str(person), "reasons": "Complaint.", "by": "registrar B"},
                {
                    "kind": chance.choice(["renew", "suspend"]),
                    "target": str(person),
                    "reasons": "Again.",
                    "by": "registrar C",
                },
            ]
        )
    for person in scene.judged:
        groups.append(
            [
                {"kind": "decide_audit", "target": str(person), "reasons": f"Not met ({k}).", "by": f"registrar {k}"}
                for k in range(2)
            ]
            + [{"kind": "appeal_audit", "target": str(person), "reasons": "Please look again."}]
        )
    for person in scene.not_renewed:
        groups.append(
            [
                {"kind": "appeal_audit", "target": str(person), "reasons": "My statement was missed."},
                {"kind": "appeal_audit", "target": str(person), "reasons": "And again."},
                {
                    "kind": "decide_audit_appeal",
                    "target": str(person),
                    "upheld": chance.random() < 0.5,
                    "reasons": "Considered.",
                    "by": "registrar",
                },
            ]
        )
    chance.shuffle(groups)
    plans: list[list[dict | None]] = [[] for _ in range(workers)]
    while groups:  # fill a round with as many groups as there are workers for
        free = list(range(workers))
        chance.shuffle(free)
        row: list[dict | None] = [None] * workers
        while groups and len(groups[0]) <= len(free):
            for op in groups.pop(0):
                row[free.pop()] = op
        for w in range(workers):
            plans[w].append(row[w])
    for w in range(workers):  # then every worker's issuer at once, twice
        plans[w] += [{"kind": "issue", "target": str(UUID(int=0))}] * 2
    return plans
