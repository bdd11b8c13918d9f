"""The register an auditor derives from an audit bundle with nothing but this package: each registration's number,
level, status, registered-since and valid-until dates, listing and erasure, read from the stored events, and its
digest, which equals what ``regledger register --digest`` prints for the live register (the same rows, the same
canonical form). Personal data stays sealed: names are not part of it."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

_STATUS = {
    "Registration.Lapsed": "lapsed",
    "Registration.SuspensionLifted": "registered",
    "Registration.Removed": "removed",
    "Registration.Resigned": "resigned",
    "Registration.Suspended": "suspended",
}


def _value(state: dict[str, Any], name: str) -> Any:
    value = state.get(name)
    return value.get("_data_") if isinstance(value, dict) and "_type_" in value else value


def derive_register(folder: str | Path) -> dict[str, dict[str, Any]]:
    """Registration number -> what the register says of it, from the bundle's events in order."""
    registrants: dict[str, dict[str, Any]] = {}
    registrations: dict[str, dict[str, Any]] = {}
    with open(Path(folder) / "events.jsonl", "rb") as lines:
        for line in lines:
            record = json.loads(line)
            kind = record["topic"].rpartition(":")[2]
            if not kind.startswith(("Registrant.", "Registration.")):
                continue
            state = json.loads(base64.b64decode(record["state"]))
            owner = record["id"].replace("-", "")
            if kind == "Registrant.Enrolled":
                registrants[owner] = {"listing": _value(state, "listing") or "listed", "erased": False}
            elif kind == "Registrant.DetailsChanged":
                changes = state.get("changes") or {}
                person = registrants.get(owner)
                if person is not None and not person["erased"] and "listing" in changes:
                    person["listing"] = changes["listing"]
            elif kind == "Registrant.Erased" and owner in registrants:
                registrants[owner]["erased"] = True
            elif kind == "Registration.Opened":
                registrations[owner] = {
                    "number": state["number"],
                    "registrant": _value(state, "registrant_id"),
                    "level": None,
                    "status": None,
                    "since": None,
                    "until": None,
                }
            elif owner in registrations:
                row = registrations[owner]
                if kind == "Registration.LevelAwarded":
                    if row["since"] is None or row["status"] not in ("registered", "suspended"):
                        row["since"] = _value(state, "awarded_on")
                    row.update(level=state["level"], status="registered", until=_value(state, "valid_until"))
                elif kind in _STATUS:
                    row["status"] = _STATUS[kind]
                elif kind == "Registration.Reinstated":
                    row.update(status="registered", until=_value(state, "valid_until"))
                elif kind == "Registration.Renewed":
                    row["until"] = _value(state, "valid_until")
    register = {}
    for row in registrations.values():
        person = registrants.get(row["registrant"])
        if person is not None:
            register[row["number"]] = {**row, "listing": person["listing"], "erased": person["erased"]}
    return register


def register_digest(register: dict[str, dict[str, Any]]) -> str:
    digest = hashlib.sha256()
    for number in sorted(register):
        row = register[number]
        line = [number, row["level"], row["status"], row["since"], row["until"], row["listing"], row["erased"]]
        digest.update(json.dumps(line, separators=(",", ":")).encode("utf-8") + b"\n")
    return digest.hexdigest()
