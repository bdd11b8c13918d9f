"""The full credential: an Open Badges 3.0 credential that validates against the OB 3.0 and VC Data Model 2.0
schemas (dates really checked), signed as a vc+jwt; and the W3C VC-JOSE-COSE issuance vectors."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import jwt
import pytest

from credentials.achievement import (
    OB_ACHIEVEMENT_CREDENTIAL_SCHEMA,
    Alignment,
    Issuer,
    Level,
    StatusEntry,
    build_achievement_credential,
    sign_credential_jwt,
)
from credentials.keys import generate_key, key_from_jwk
from credentials.status_list import status_list_url
from tests.builders.schemas import errors, validator
from tests.conftest import shared_file

ISSUER = Issuer(
    id="https://register.creativetechnicians.org.uk",
    name="Register of Creative Technicians",
    url="https://register.creativetechnicians.org.uk",
)
LEVEL = Level(
    code="RCT",
    name="Registered Creative Technician",
    post_nominal="RCT",
    description="Applies proven techniques and procedures to well-defined technical tasks in production, rehearsal, "
    "build, installation or post-production.",
    criteria="Assessed against every competency area by the standard or the equivalency route.",
    alignments=(
        Alignment(
            "A",
            "Technical practice",
            "Works safely and competently to a brief.",
            "https://register.creativetechnicians.org.uk/framework/areas/A",
        ),
        Alignment(
            "B",
            "Professional conduct",
            "Acts within the code of conduct.",
            "https://register.creativetechnicians.org.uk/framework/areas/B",
        ),
    ),
)
VALID_FROM = datetime(2026, 1, 5, 9, 0, 0, tzinfo=UTC)
VALID_UNTIL = datetime(2027, 1, 5, 9, 0, 0, tzinfo=UTC)
REVOCATION = StatusEntry("revocation", status_list_url(ISSUER.id, "revocation"), 94567)
SUSPENSION = StatusEntry("suspension", status_list_url(ISSUER.id, "suspension"), 23)


def credential(status=(REVOCATION,), **changes):
    arguments = {
        "credential_id": "urn:uuid:3978344f-8596-4c3a-a978-8fcaba3903c5",
        "issuer": ISSUER,
        "subject_id": "urn:uuid:0d2e1b5c-4c7e-4a47-9a8a-6a1c9a6f4e11",
        "name": "Siân Okafor",
        "registration_number": "RG-0012345-67",
        "level": LEVEL,
        "valid_from": VALID_FROM,
        "valid_until": VALID_UNTIL,
        "status": list(status),
        "achievement_id": "https://register.creativetechnicians.org.uk/levels/RCT",
    }
    return build_achievement_credential(**{**arguments, **changes})


@pytest.fixture(scope="module")
def open_badges():
    return validator("standards/openbadges/ob_v3p0_achievementcredential_schema.json")


@pytest.fixture(scope="module")
def vcdm():
    return validator("standards/vcdm/verifiable-credential-schema.json")


def test_the_shared_examples_pass_so_the_validators_are_the_right_ones(open_badges, vcdm):
    for example in ("example_minimal_valid.json", "example_full.json"):
        document = json.loads(shared_file(f"standards/openbadges/{example}").read_text())
        assert errors(open_badges, document) == []
        assert errors(vcdm, document) == []


def test_the_credential_validates_against_open_badges_3_and_vcdm_2(open_badges, vcdm):
    document = credential()
    assert errors(open_badges, document) == []
    assert errors(vcdm, document) == []


def test_the_credential_reads_as_a_registration(open_badges):
    document = credential()
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert document["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert document["validFrom"] == "2026-01-05T09:00:00Z" and document["validUntil"] == "2027-01-05T09:00:00Z"
    assert document["issuer"] == {"id": ISSUER.id, "type": ["Profile"], "name": ISSUER.name, "url": ISSUER.url}
    subject = document["credentialSubject"]
    assert subject["licenseNumber"] == "RG-0012345-67"
    assert subject["identifier"] == [
        {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": "Siân Okafor"}
    ]
    achievement = subject["achievement"]
    assert achievement["achievementType"] == "Certification"
    assert achievement["name"] == LEVEL.name and achievement["criteria"] == {"narrative": LEVEL.criteria}
    assert [a["targetCode"] for a in achievement["alignment"]] == ["A", "B"]
    assert achievement["alignment"][0]["targetUrl"].endswith("/areas/A")
    assert "Siân Okafor" in document["description"] and "RG-0012345-67" in document["description"]
    assert document["credentialStatus"] == {
        "id": "urn:uuid:3978344f-8596-4c3a-a978-8fcaba3903c5#revocation",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": "https://register.creativetechnicians.org.uk/status/revocation",
    }


def test_the_credential_schema_it_names_is_the_one_it_validates_against():
    schema = json.loads(shared_file("standards/openbadges/ob_v3p0_achievementcredential_schema.json").read_text())
    assert credential()["credentialSchema"][0]["id"] == schema["$id"] == OB_ACHIEVEMENT_CREDENTIAL_SCHEMA


@pytest.mark.parametrize("bad", ["2026-02-30T00:00:00Z", "2026-01-05 09:00:00", "5 January 2026"])
def test_a_bad_date_fails_both_schemas(open_badges, vcdm, bad):
    document = credential()
    document["validFrom"] = bad
    assert any(e.startswith("validFrom:") for e in errors(open_badges, document))
    if bad != "2026-02-30T00:00:00Z":  # the VCDM schema checks dates by pattern only: the 30th of February passes
        assert any(e.startswith("validFrom:") for e in errors(vcdm, document))


def test_missing_achievement_fields_fail_the_open_badges_schema(open_badges):
    document = credential()
    del document["credentialSubject"]["achievement"]["criteria"]
    assert errors(open_badges, document) == ["credentialSubject/achievement: 'criteria' is a required property"]


def test_two_status_entries_are_a_list_which_vcdm_accepts_and_open_badges_3_0_does_not(open_badges, vcdm):
    document = credential(status=(REVOCATION, SUSPENSION))
    assert [entry["statusPurpose"] for entry in document["credentialStatus"]] == ["revocation", "suspension"]
    assert errors(vcdm, document) == []
    # OB 3.0 allows one credentialStatus (1EdTech/openbadges-specification#623): that is its only objection.
    assert [e.split(":")[0] for e in errors(open_badges, document)] == ["credentialStatus"]


def test_no_status_entries_means_no_credential_status(open_badges, vcdm):
    document = credential(status=())
    assert "credentialStatus" not in document
    assert errors(open_badges, document) == [] and errors(vcdm, document) == []


def test_inconsistent_input_is_refused():
    with pytest.raises(ValueError, match="validUntil must come after"):
        credential(valid_until=VALID_FROM)
    with pytest.raises(ValueError, match="one status entry per purpose"):
        credential(status=(REVOCATION, REVOCATION))
    with pytest.raises(ValueError, match="name"):
        credential(name="  ")


def test_signed_credential_is_a_vc_jwt_whose_claims_mirror_the_credential():
    key = generate_key()
    document = credential(status=(REVOCATION, SUSPENSION))
    issued = datetime(2026, 1, 5, 9, 0, 7, 250_000)  # naive: taken as UTC; fractions dropped
    token = sign_credential_jwt(document, key, issued_at=issued)
    assert jwt.get_unverified_header(token) == {"alg": "ES256", "kid": key.kid, "typ": "vc+jwt"}
    payload = jwt.decode(token, key.public_key, algorithms=["ES256"], options={"verify_exp": False})
    claims = {name: payload.pop(name) for name in ("iss", "jti", "sub", "nbf", "exp", "iat")}
    assert payload == document
    assert claims == {
        "iss": ISSUER.id,
        "jti": document["id"],
        "sub": document["credentialSubject"]["id"],
        "nbf": int(VALID_FROM.timestamp()),
        "exp": int(VALID_UNTIL.timestamp()),
        "iat": int(datetime(2026, 1, 5, 9, 0, 7, tzinfo=UTC).timestamp()),
    }
    assert "vc" not in payload


def test_iat_defaults_to_now_as_an_integer():
    before = int(datetime.now(UTC).timestamp())
    token = sign_credential_jwt(credential(), generate_key("EdDSA"))
    iat = jwt.decode(token, options={"verify_signature": False})["iat"]
    assert isinstance(iat, int) and before <= iat <= before + 5


def test_signing_refuses_wrapped_or_contradictory_claims():
    key = generate_key()
    with pytest.raises(ValueError, match="must not carry"):
        sign_credential_jwt({**credential(), "vc": {}}, key)
    with pytest.raises(ValueError, match="disagree"):
        sign_credential_jwt({**credential(), "iss": "https://elsewhere.example"}, key)


def test_tampering_with_a_signed_credential_breaks_the_signature():
    key = generate_key()
    header, payload, signature = sign_credential_jwt(credential(), key).split(".")
    forged = jwt.utils.base64url_decode(payload).replace(b"RG-0012345-67", b"RG-0099999-99")
    token = ".".join([header, jwt.utils.base64url_encode(forged).decode(), signature])
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, key.public_key, algorithms=["ES256"], options={"verify_exp": False})


def issuance_cases():
    cases = json.loads(shared_file("standards/vc-jose-cose/cases.json").read_text())["cases"]
    return [case for case in cases if case["number"] in (1, 2)]


@pytest.mark.parametrize("number", [1, 2])
def test_w3c_vc_jose_cose_issuance_cases(number):
    case = next(case for case in issuance_cases() if case["number"] == number)
    assert case["fn"] == "issue" and case["expected"] == "success"
    document = json.loads(shared_file(f"standards/vc-jose-cose/{case['input']}").read_text())
    method = json.loads(shared_file(f"standards/vc-jose-cose/{case['key']}").read_text())
    key = key_from_jwk(method["secretKeyJwk"])
    token = sign_credential_jwt(copy.deepcopy(document), key)

    header = jwt.get_unverified_header(token)
    assert header == {"alg": method["publicKeyJwk"]["alg"], "kid": method["publicKeyJwk"]["kid"], "typ": "vc+jwt"}
    public = jwt.PyJWK(method["publicKeyJwk"])
    # Case 2's validUntil (2027-01-01) would make the test expire with it; exp is compared exactly below instead.
    payload = jwt.decode(token, public, algorithms=[header["alg"]], options={"verify_exp": False})
    assert payload["iss"] == document["issuer"]
    assert payload["jti"] == document["id"] and payload["sub"] == document["credentialSubject"]["id"]
    assert payload["nbf"] == int(datetime.fromisoformat(document["validFrom"]).timestamp())
    if "validUntil" in document:
        assert payload["exp"] == int(datetime.fromisoformat(document["validUntil"]).timestamp())
    assert {
        name: value for name, value in payload.items() if name not in ("iss", "jti", "sub", "nbf", "exp", "iat")
    } == document


def test_a_jwt_signed_with_one_vector_key_does_not_verify_with_another():
    document = json.loads(shared_file("standards/vc-jose-cose/credential-minimal.json").read_text())
    p256 = json.loads(shared_file("standards/vc-jose-cose/vm-p256.json").read_text())
    other = generate_key()
    token = sign_credential_jwt(document, other)
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, jwt.PyJWK(p256["publicKeyJwk"]), algorithms=["ES256"])


def test_status_entry_checks_its_fields():
    with pytest.raises(ValueError, match="purpose"):
        StatusEntry("refresh", "https://x.example/status", 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="non-negative"):
        StatusEntry("revocation", "https://x.example/status", -1)
    assert StatusEntry("suspension", "https://x.example/s", 5).to_json("urn:x#s")["statusListIndex"] == "5"


@pytest.mark.parametrize("name", ["Siân Okafor", 'Jo "JJ" O\'Brien \\ Ng'])
def test_the_template_signs_what_the_plain_path_signs(name):
    from credentials.achievement import CredentialTemplate

    key = generate_key("EdDSA")  # deterministic signatures: whole tokens can be compared
    template = CredentialTemplate(
        issuer=ISSUER, level=LEVEL, achievement_id="https://register.example/levels/RCT", key=key
    )
    fields = {
        "credential_id": "urn:uuid:3978344f-8596-4c3a-a978-8fcaba3903c5",
        "subject_id": "urn:uuid:0d2e1b5c-4c7e-4a47-9a8a-6a1c9a6f4e11",
        "name": name,
        "registration_number": "RG-0012345-67",
        "valid_from": VALID_FROM,
        "valid_until": VALID_UNTIL,
        "status": [REVOCATION],
    }
    plain = sign_credential_jwt(
        credential(**fields, achievement_id="https://register.example/levels/RCT"), key, issued_at=VALID_FROM
    )
    fast = template.sign(
        **{k: v for k, v in fields.items() if k != "status"},
        issued_at=VALID_FROM,
        revocation_index=REVOCATION.index,
    )
    assert fast.split(".")[0] == plain.split(".")[0]
    payload = jwt.utils.base64url_decode(fast.split(".")[1])
    assert json.loads(payload)["credentialStatus"] == REVOCATION.to_json(f"{fields['credential_id']}#revocation")
    assert json.loads(payload) == json.loads(jwt.utils.base64url_decode(plain.split(".")[1]))
    assert 0 <= len(payload) - len(jwt.utils.base64url_decode(plain.split(".")[1])) <= 6  # padding whitespace only
    assert jwt.decode(fast, key.public_key, algorithms=["EdDSA"], options={"verify_exp": False})
    assert (
        jwt.decode(plain, key.public_key, algorithms=["EdDSA"], options={"verify_exp": False})["credentialSubject"][
            "identifier"
        ][0]["identityHash"]
        == name
    )


def test_the_template_refuses_control_characters():
    from credentials.achievement import CredentialTemplate

    template = CredentialTemplate(
        issuer=ISSUER, level=LEVEL, achievement_id="https://register.example/l", key=generate_key()
    )
    with pytest.raises(ValueError, match="control characters"):
        template.sign(
            credential_id="urn:uuid:3978344f-8596-4c3a-a978-8fcaba3903c5",
            subject_id="urn:uuid:x",
            name="\x00achievement\x00",
            registration_number="RG-0012345-67",
            valid_from=VALID_FROM,
            valid_until=VALID_UNTIL,
            revocation_index=1,
            issued_at=VALID_FROM,
        )
