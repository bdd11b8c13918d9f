"""Evidence for the design of the full credential's status entries (issue 19, item 5), re-checked on every run.

The register must tell a verifier two things about a credential: removed (for good) and suspended (for a while).
Three designs were weighed; each is built here from a real register credential (the document the issuer signs,
``credentials.achievement.build_achievement_credential``, with the entries ``ledger.processes.signing`` makes):

- ``a``: the list of two ``BitstringStatusListEntry`` objects, purposes ``revocation`` and ``suspension``, that
  credentials carried until December 2026;
- ``b``: one entry of purpose ``message``, ``statusSize`` 2, and a ``statusMessage`` for each of the four values
  (``b3``: the same with only the three messages valid / suspended / revoked);
- ``c``: one ``revocation`` entry (a suspension revokes that credential for good and the register issues a new one
  when the suspension is lifted): the design chosen, and what ``ledger.processes.signing.status_entries`` makes.

Each is run through the Open Badges 3.0 AchievementCredential JSON schema and the VC Data Model 2.0 JSON schema
(``../shared/standards``), the entry rules of W3C Bitstring Status List v1.0 section 2.1 (restated below, one
check per MUST), JSON-LD expansion with the VC 2.0 and OB 3.0.3 contexts (``credentials.jsonld``), and the
register's own verifier (``verifier.checks.unchecked_statuses``). What other verifiers do with each is not code
that can run here; README.md ("Credentials") gives it with the source files. The outcome of every check is
asserted, so a change of schema, context or code that changes the evidence fails here.
"""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from credentials.achievement import Issuer, Level, StatusEntry, build_achievement_credential
from credentials.jsonld import problems as json_ld_problems
from credentials.status_list import StatusList, build_status_list_credential, status_list_url
from ledger.processes.signing import status_entries
from tests.builders.schemas import errors, validator
from verifier.checks import unchecked_statuses

ISSUER = Issuer(
    id="https://register.creativetechnicians.org.uk",
    name="Register of Creative Technicians",
    url="https://register.creativetechnicians.org.uk",
)
LEVEL = Level(
    code="RCT",
    name="Registered Creative Technician",
    post_nominal="RCT",
    description="Applies proven techniques and procedures to well-defined technical tasks.",
    criteria="Assessed against every competency area by the standard or the equivalency route.",
    alignments=(),
)
CREDENTIAL_ID = "urn:uuid:3978344f-8596-4c3a-a978-8fcaba3903c5"
MESSAGE_LIST = "https://register.creativetechnicians.org.uk/status/message"
FOUR_MESSAGES = [
    {"status": "0x0", "message": "valid"},
    {"status": "0x1", "message": "suspended"},
    {"status": "0x2", "message": "revoked"},
    {"status": "0x3", "message": "undefined"},  # BSL 2.1: "undefined" marks a value not defined (yet)
]


def register_credential(status: Any) -> dict[str, Any]:
    """The register's credential with ``status`` as its ``credentialStatus`` (a list of entries, or one object)."""
    document = build_achievement_credential(
        credential_id=CREDENTIAL_ID,
        issuer=ISSUER,
        subject_id="urn:uuid:0d2e1b5c-4c7e-4a47-9a8a-6a1c9a6f4e11",
        name="Siân Okafor",
        registration_number="RG-0012345-67",
        level=LEVEL,
        valid_from=datetime(2026, 1, 5, 9, tzinfo=UTC),
        valid_until=datetime(2027, 1, 5, 9, tzinfo=UTC),
        status=[],
        achievement_id="https://register.creativetechnicians.org.uk/levels/RCT",
    )
    document["credentialStatus"] = status
    return document


def message_entry(messages: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "id": f"{CREDENTIAL_ID}#status",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "message",
        "statusListIndex": "94567",
        "statusSize": 2,
        "statusListCredential": MESSAGE_LIST,
        "statusMessage": messages,
        "statusReference": "https://register.creativetechnicians.org.uk/about/status",
    }


def design(name: str) -> dict[str, Any]:
    issuer_url = ISSUER.id
    (revocation,) = (entry.to_json(f"{CREDENTIAL_ID}#{entry.purpose}") for entry in status_entries(issuer_url, 94567))
    suspension = StatusEntry("suspension", status_list_url(issuer_url, "suspension"), 23).to_json(
        f"{CREDENTIAL_ID}#suspension"
    )
    return {
        "a": lambda: register_credential([revocation, suspension]),
        "b": lambda: register_credential(message_entry(FOUR_MESSAGES)),
        "b3": lambda: register_credential(message_entry(FOUR_MESSAGES[:3])),
        "c": lambda: register_credential(revocation),
    }[name]()


DESIGNS = ["a", "b", "b3", "c"]


@pytest.fixture(scope="module")
def open_badges():
    return validator("standards/openbadges/ob_v3p0_achievementcredential_schema.json")


@pytest.fixture(scope="module")
def vcdm():
    return validator("standards/vcdm/verifiable-credential-schema.json")


# --- Bitstring Status List v1.0 (W3C Recommendation, 15 May 2025), section 2.1, one check per MUST ------------------

_HEX = re.compile(r"0x[0-9a-fA-F]+")


def bitstring_entry_problems(entry: Any) -> list[str]:
    """Where ``entry`` breaks a MUST of Bitstring Status List v1.0 section 2.1 (BitstringStatusListEntry)."""
    if not isinstance(entry, dict):
        return ["an entry is an object"]
    found = []
    if entry.get("type") != "BitstringStatusListEntry":
        found.append("type MUST be BitstringStatusListEntry")
    if not isinstance(entry.get("statusPurpose"), str):
        found.append("statusPurpose MUST be a string")
    index = entry.get("statusListIndex")
    if not (isinstance(index, str) and index.isascii() and index.isdigit()):
        found.append("statusListIndex MUST be an integer >= 0 expressed as a string in base 10")
    if not (isinstance(entry.get("statusListCredential"), str) and "://" in entry["statusListCredential"]):
        found.append("statusListCredential MUST be a URL")
    if "id" in entry and entry["id"] == entry.get("statusListCredential"):
        found.append("id MUST NOT be the URL of the status list")
    size = entry.get("statusSize", 1)  # "If statusSize is not present ... MUST be processed as 1"
    if not (isinstance(size, int) and not isinstance(size, bool) and size > 0):
        return [*found, "statusSize MUST be an integer greater than zero"]
    messages = entry.get("statusMessage")
    if size > 1 and messages is None:
        found.append("statusMessage MUST be present when statusSize is greater than 1")
    if messages is not None:
        if not isinstance(messages, list):
            return [*found, "statusMessage MUST be an array"]
        if len(messages) != 2**size:
            found.append(f"statusMessage MUST have {2**size} elements (2 ** statusSize), not {len(messages)}")
        for i, message in enumerate(messages):
            if not (
                isinstance(message, dict)
                and isinstance(message.get("status"), str)
                and _HEX.fullmatch(message["status"])
                and isinstance(message.get("message"), str)
            ):
                found.append(f"statusMessage[{i}] MUST contain status (hexadecimal, 0x) and message")
    return found


def entries(document: dict[str, Any]) -> list[Any]:
    status = document.get("credentialStatus")
    return status if isinstance(status, list) else [status]


# --- the evidence --------------------------------------------------------------------------------------------------

OPEN_BADGES_ACCEPTS = {"a": False, "b": True, "b3": True, "c": True}
BITSTRING_PROBLEMS = {
    "a": [],
    "b": [],
    "b3": ["statusMessage MUST have 4 elements (2 ** statusSize), not 3"],
    "c": [],
}
REGISTER_VERIFIER_SKIPS = {
    "a": [],
    "b": [
        "credentialStatus has the purpose 'message', which this verifier does not check: its status cannot be checked"
    ],
    "b3": [
        "credentialStatus has the purpose 'message', which this verifier does not check: its status cannot be checked"
    ],
    "c": [],
}


@pytest.mark.parametrize("name", DESIGNS)
def test_open_badges_3_schema(open_badges, name):
    """OB 3.0 ``credentialStatus`` is ``$ref CredentialStatus``: one object (id and type required, other members
    allowed). A list is its only objection to design a; it does not look inside the entry (b3 passes)."""
    found = errors(open_badges, design(name))
    assert (found == []) is OPEN_BADGES_ACCEPTS[name], found
    if not OPEN_BADGES_ACCEPTS[name]:
        assert [e.split(":")[0] for e in found] == ["credentialStatus"]
        assert found[0].endswith("is not of type 'object'")


@pytest.mark.parametrize("name", DESIGNS)
def test_vc_data_model_2_schema_accepts_every_design(vcdm, name):
    """VC Data Model 2.0 4.10: "a single object or a set of one or more objects"; the schema's oneOf says so."""
    assert errors(vcdm, design(name)) == []


@pytest.mark.parametrize("name", DESIGNS)
def test_bitstring_status_list_entry_rules(name):
    found = [problem for entry in entries(design(name)) for problem in bitstring_entry_problems(entry)]
    assert found == BITSTRING_PROBLEMS[name]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"type": "StatusList2021Entry"}, "type MUST be BitstringStatusListEntry"),
        ({"statusPurpose": ["message"]}, "statusPurpose MUST be a string"),
        ({"statusListIndex": 94567}, "statusListIndex MUST be an integer >= 0 expressed as a string in base 10"),
        ({"statusListIndex": "-1"}, "statusListIndex MUST be an integer >= 0 expressed as a string in base 10"),
        ({"statusListCredential": "status/message"}, "statusListCredential MUST be a URL"),
        ({"id": MESSAGE_LIST}, "id MUST NOT be the URL of the status list"),
        ({"statusSize": 0}, "statusSize MUST be an integer greater than zero"),
        ({"statusSize": True}, "statusSize MUST be an integer greater than zero"),
        ({"statusMessage": None}, "statusMessage MUST be present when statusSize is greater than 1"),
        ({"statusMessage": {"status": "0x0"}}, "statusMessage MUST be an array"),
        ({"statusSize": 3}, "statusMessage MUST have 8 elements (2 ** statusSize), not 4"),
        ({"statusMessage": [*FOUR_MESSAGES[:3], {"status": "3", "message": "x"}]}, "statusMessage[3] MUST contain"),
        ({"statusMessage": [*FOUR_MESSAGES[:3], {"status": "0x3"}]}, "statusMessage[3] MUST contain"),
    ],
)
def test_each_bitstring_rule_can_fail(change, problem):
    entry = {**message_entry(copy.deepcopy(FOUR_MESSAGES)), **change}
    if change.get("statusMessage", "") is None:
        del entry["statusMessage"]
    found = bitstring_entry_problems(entry)
    assert len(found) == 1 and found[0].startswith(problem), found


def test_a_one_bit_entry_may_carry_two_messages_and_needs_none():
    entry = {**message_entry([FOUR_MESSAGES[0], FOUR_MESSAGES[1]]), "statusSize": 1}
    assert bitstring_entry_problems(entry) == []
    del entry["statusSize"], entry["statusMessage"]
    assert bitstring_entry_problems(entry) == []


@pytest.mark.parametrize("name", DESIGNS)
def test_json_ld_keeps_every_status_term(name):
    """The VC 2.0 context defines statusSize, statusMessage and statusReference on BitstringStatusListEntry, so no
    design loses a status term in JSON-LD expansion (problems elsewhere in the credential are not this test's)."""
    found = [p for p in json_ld_problems(design(name)) if p.path.startswith("credentialStatus")]
    assert found == []


def test_a_message_list_cannot_say_what_section_2_2_asks_of_it():
    """BSL 2.2: for purpose ``message`` the list's ``credentialSubject.statusSize`` MUST be given and the messages
    defined in ``credentialSubject.statusMessages``; the VC 2.0 context (protected) defines neither term on
    BitstringStatusList, so JSON-LD drops both: a Data Integrity proof over the list would not cover them."""
    status_list = build_status_list_credential(
        list_id=MESSAGE_LIST,
        issuer=ISSUER,
        purpose="revocation",
        encoded_list=StatusList(2 * 131_072).encode(),
        valid_from=datetime(2026, 1, 5, tzinfo=UTC),
        valid_until=datetime(2026, 1, 6, tzinfo=UTC),
    )
    status_list["credentialSubject"]["statusPurpose"] = "message"
    assert json_ld_problems(status_list) == []
    status_list["credentialSubject"] |= {"statusSize": 2, "statusMessages": FOUR_MESSAGES}
    found = json_ld_problems(status_list)
    assert sorted((p.rule, p.path) for p in found) == [
        ("undefined terms", "credentialSubject.statusMessages"),
        ("undefined terms", "credentialSubject.statusSize"),
    ]


@pytest.mark.parametrize("name", DESIGNS)
def test_the_register_verifier_reads_revocation_and_suspension_only(name):
    assert unchecked_statuses(design(name)) == REGISTER_VERIFIER_SKIPS[name]


def test_only_design_c_passes_every_check(open_badges, vcdm):
    """The decision in one line: the designs every check above accepts."""
    passing = [
        name
        for name in DESIGNS
        if errors(open_badges, design(name)) == []
        and errors(vcdm, design(name)) == []
        and not [p for entry in entries(design(name)) for p in bitstring_entry_problems(entry)]
        and not unchecked_statuses(design(name))
    ]
    assert passing == ["c"]
