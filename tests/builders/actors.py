"""A service with one account per role (two registrants, two assessors, the registrar, the auditor, the admin) and
a way to act as each through the JSON API (staff with a second factor set up: their tokens are asked for with a
code from it)."""

from __future__ import annotations

from tests.builders import second_factor
from tests.builders.records import QUALIFICATION, enrol, judgements

PASSWORD = "correct horse battery staple"


class Actors:
    """A service with one account per role (two registrants, two assessors) and a way to act as each."""

    def __init__(self, ledger) -> None:
        from fastapi.testclient import TestClient

        from ledger.api.main import create_app
        from ledger.app.accounts import Accounts

        self.ledger = ledger
        self.app = create_app(ledger, worker="followers")
        self.client = TestClient(self.app)
        self.client.__enter__()  # the lifespan: the service's worker follows while the actors act
        accounts = Accounts(ledger.engine)
        self.registrant = enrol(ledger, "Ada Applicant")
        self.other_registrant = enrol(ledger, "Otto Other")
        self.assessors = [ledger.appoint_assessor("Asha Assessor"), ledger.appoint_assessor("Ben Assessor")]
        self.unassigned_assessor = ledger.appoint_assessor("Cy Unassigned")
        self.organisation = ledger.register_organisation("Acme Studios", "office@acme.example", "registrar")
        self.emails = {
            "registrant": ("ada@example.org", dict(registrant_id=self.registrant)),
            "other": ("otto@example.org", dict(registrant_id=self.other_registrant)),
            "assessor": ("asha@example.org", dict(assessor_id=self.assessors[0])),
            "assessor2": ("ben@example.org", dict(assessor_id=self.assessors[1])),
            "unassigned": ("cy@example.org", dict(assessor_id=self.unassigned_assessor)),
            "registrar": ("registrar@example.org", {}),
            "auditor": ("auditor@example.org", {}),
            "admin": ("admin@example.org", {}),
            "organisation": ("office@acme.example", dict(organisation_id=self.organisation)),
        }
        roles = {"other": "registrant", "assessor2": "assessor", "unassigned": "assessor"}
        self.factors: dict[str, second_factor.SecondFactor] = {}
        for who, (email, links) in self.emails.items():
            role = roles.get(who, who)
            accounts.add(email, PASSWORD, role, **links)
            if role not in ("registrant", "organisation"):
                self.factors[who] = second_factor.set_up(ledger, email)
        self._tokens: dict[str, str] = {}

    def close(self) -> None:
        self.client.__exit__(None, None, None)

    def headers(self, who: str | None, **extra: str) -> dict[str, str]:
        if who is None:
            return dict(extra)
        if who not in self._tokens:
            answer = self.client.post("/api/token", data=self.sign_in_form(who))
            assert answer.status_code == 200, answer.text
            self._tokens[who] = answer.json()["access_token"]
        return {"Authorization": f"Bearer {self._tokens[who]}", **extra}

    def sign_in_form(self, who: str) -> dict[str, str]:
        """What ``POST /api/token`` takes for ``who``: email, password and (staff) a fresh code."""
        form = {"email": self.emails[who][0], "password": PASSWORD}
        if who in self.factors:
            form["otp"] = self.factors[who].code()
        return form

    def call(self, who, method, path, body=None, **headers):
        return self.client.request(method, path, json=body, headers=self.headers(who, **headers))

    def ok(self, who, method, path, body=None, expect=200, **headers):
        answer = self.call(who, method, path, body, **headers)
        assert answer.status_code == expect, (method, path, answer.status_code, answer.text)
        return answer.json()

    def awarded_application(self) -> tuple[str, str]:
        """The registrant applies, two assessors assess, the registrar awards: (application id, number)."""
        application = self.ok(
            "registrant",
            "POST",
            "/api/applications",
            {"level": "RCT", "route": "standard", "qualification": QUALIFICATION[3]},
        )["id"]
        for area in ("A", "B", "C", "D", "E"):
            self.ok(
                "registrant",
                "POST",
                f"/api/applications/{application}/evidence",
                {"area": area, "text": f"My work for {area}."},
            )
        self.ok("registrant", "POST", f"/api/applications/{application}/submit")
        for assessor in self.assessors:
            self.ok(
                "registrar",
                "POST",
                f"/api/applications/{application}/assign",
                {"assessor_id": str(assessor), "declaration": "No conflict."},
            )
        for who in ("assessor", "assessor2"):
            self.ok(who, "POST", f"/api/applications/{application}/accept", {"declaration": ""})
            self.ok(
                who,
                "POST",
                f"/api/applications/{application}/assessment",
                {
                    "judgements": judgements(self.ledger, "RCT"),
                    "recommendation": "award",
                    "feedback": "Clear evidence.",
                },
            )
        decision = self.ok(
            "registrar", "POST", f"/api/applications/{application}/decision", {"outcome": "award", "reasons": ""}
        )
        return application, decision["registration_number"]

    def accepted_audit(self, year: int) -> str:
        """The awarded registrant is selected for the year's PPD audit and sends a profile through the API; the
        first assessor judges every standard met; the registrar accepts. Returns the registration number."""
        self.ledger.select_for_audit(self.registrant, year, "seed")
        activity = self.ok(
            "registrant",
            "POST",
            "/api/ppd",
            {
                "on": self.ledger.clock.today().isoformat(),
                "category": "work_based",
                "hours": 4,
                "areas": ["A"],
                "learned": "A new console.",
                "impact": "Faster plotting.",
            },
        )["id"]
        (audit,) = self.ok("registrant", "GET", "/api/audits")
        path = f"/api/audits/{audit['number']}/{year}"
        self.ok(
            "registrant",
            "POST",
            f"{path}/profile",
            {"summary": "Touring lighting.", "statement": "All four.", "activities": [activity]},
        )
        self.ok("registrar", "POST", f"{path}/assign", {"assessor_id": str(self.assessors[0])})
        standards = self.ledger.framework.rules.audit_standards
        self.ok(
            "assessor",
            "POST",
            f"{path}/judgement",
            {"judgements": {s: "met" for s in standards}, "feedback": "Well evidenced."},
        )
        self.ok("registrar", "POST", f"{path}/decision", {"outcome": "accepted", "reasons": ""})
        return audit["number"]
