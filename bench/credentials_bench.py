"""Credential issuing: (a) full Open Badges credentials for a framework level (through the per-level template the
issuer uses; the plain build-then-sign path beside it) and (b) compact QR-badge credentials issued per second
(build + sign) beside (c) pyca/cryptography's raw signing rate over the same signing input bytes, and the ratios
a/c and b/c; (d) the Open Badges 3.0 JWT form of the same credential (RS256, the issuer's second key) beside raw
RS256 signing, and (e) all three forms as the issuer makes them for each credential; QR version and badge URL length
for names of 10, 40 and 70 characters; milliseconds to draw a PNG."""

from __future__ import annotations

import argparse
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

ISSUER_URL = "https://register.creativetechnicians.org.uk"
NAMES = {
    10: "Ada Okafor",
    40: "Siobhan Featherstonehaugh-Montgomery Jnr",
    70: "Alexandra Catherine Montgomery-Featherstonehaugh Ekwueme-Okafor Junior",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--credentials", type=int, default=2000, help="credentials of each kind to issue (default 2000)"
    )
    parser.add_argument("--draws", type=int, default=50, help="QR PNGs to draw for the timing (default 50)")
    parser.add_argument("--alg", choices=["ES256", "EdDSA"], default="ES256", help="signing algorithm (default ES256)")
    parser.add_argument(
        "--level",
        choices=["RCT", "RCP", "ACP"],
        default="RCT",
        help="the framework level the credentials award (default RCT, the smallest)",
    )


def _rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding

    from credentials.achievement import (
        CredentialTemplate,
        Issuer,
        StatusEntry,
        build_achievement_credential,
        sign_credential_jwt,
    )
    from credentials.compact import badge_url, build_compact_claims, sign_compact
    from credentials.keys import generate_key
    from credentials.qr import qr_png, qr_version
    from credentials.status_list import status_list_url

    key = generate_key(args.alg)
    issuer = Issuer(ISSUER_URL, "Register of Creative Technicians", ISSUER_URL)
    # the register's own level, as the issuer describes it (criteria and alignments from the framework)
    from ledger.domain.framework import FRAMEWORK
    from ledger.processes.issuance import describe_level

    level = describe_level(FRAMEWORK, args.level, ISSUER_URL)
    valid_from = datetime(2026, 1, 5, 9, tzinfo=UTC)
    valid_until = valid_from + timedelta(days=365)
    status = [StatusEntry("revocation", status_list_url(ISSUER_URL, "revocation"), 94_567)]
    ids = [f"urn:uuid:{uuid.uuid4()}" for _ in range(args.credentials)]
    subjects = {credential_id: f"urn:uuid:{uuid.uuid4()}" for credential_id in ids}

    def full(credential_id: str) -> str:
        document = build_achievement_credential(
            credential_id=credential_id,
            issuer=issuer,
            subject_id=subjects[credential_id],
            name=NAMES[40],
            registration_number="RG-0012345-67",
            level=level,
            valid_from=valid_from,
            valid_until=valid_until,
            status=status,
            achievement_id=f"{ISSUER_URL}/framework/{level.code}",
        )
        return sign_credential_jwt(document, key, issued_at=valid_from)

    def compact(credential_id: str, name: str = NAMES[40]) -> str:
        claims = build_compact_claims(
            credential_id=credential_id,
            issuer_id=ISSUER_URL,
            name=name,
            registration_number="RG-0012345-67",
            level_code=level.code,
            valid_from=valid_from,
            valid_until=valid_until,
            status=status,
        )
        return sign_compact(claims, key)

    def raw_rate(token: str) -> float:
        signing_input = token.rsplit(".", 1)[0].encode("ascii")
        if args.alg == "ES256":

            def sign() -> bytes:
                return key.private_key.sign(signing_input, ec.ECDSA(hashes.SHA256()))
        else:

            def sign() -> bytes:
                return key.private_key.sign(signing_input)

        started = time.perf_counter()
        for _ in range(args.credentials):
            sign()
        return _rate(args.credentials, time.perf_counter() - started)

    template = CredentialTemplate(
        issuer=issuer, level=level, achievement_id=f"{ISSUER_URL}/framework/{level.code}", key=key
    )

    sign = template.sign
    started = time.perf_counter()
    for credential_id in ids:  # each token is made and dropped, as the raw loop's signatures are
        token = sign(
            credential_id=credential_id,
            subject_id=subjects[credential_id],
            name=NAMES[40],
            registration_number="RG-0012345-67",
            valid_from=valid_from,
            valid_until=valid_until,
            revocation_index=94_567,
            issued_at=valid_from,
        )
    full_rate = _rate(args.credentials, time.perf_counter() - started)
    full_tokens = [token]
    started = time.perf_counter()
    for credential_id in ids:
        full(credential_id)
    plain_rate = _rate(args.credentials, time.perf_counter() - started)
    started = time.perf_counter()
    for credential_id in ids:
        badge = compact(credential_id)
    compact_tokens = [badge]
    compact_rate = _rate(args.credentials, time.perf_counter() - started)
    raw_full, raw_compact = raw_rate(full_tokens[0]), raw_rate(compact_tokens[0])

    # (d) the Open Badges 3.0 JWT form, RS256, and (e) the three forms together, as the issuer signs them
    from credentials.ob3_jwt import payload_of, sign_ob3_jwt

    rsa_key = generate_key("RS256")
    payload = payload_of(full_tokens[0])
    ob3_count = max(args.credentials // 10, 50)  # RS256 signs about ten times slower than ES256
    started = time.perf_counter()
    for _ in range(ob3_count):
        ob3 = sign_ob3_jwt(payload, rsa_key, issued_at=valid_from)
    ob3_rate = _rate(ob3_count, time.perf_counter() - started)
    ob3_input = ob3.rpartition(".")[0].encode("ascii")
    started = time.perf_counter()
    for _ in range(ob3_count):
        rsa_key.private_key.sign(ob3_input, padding.PKCS1v15(), hashes.SHA256())
    raw_ob3 = _rate(ob3_count, time.perf_counter() - started)
    all_three = 1 / (1 / full_rate + 1 / compact_rate + 1 / ob3_rate)

    figures: dict[str, Any] = {
        "alg": args.alg,
        "credentials": args.credentials,
        "a_full_credentials_per_s": round(full_rate),
        "c_raw_sign_full_input_per_s": round(raw_full),
        "ratio_a_over_c": round(full_rate / raw_full, 3),
        "a_plain_full_credentials_per_s": round(plain_rate),
        "ratio_a_plain_over_c": round(plain_rate / raw_full, 3),
        "full_jwt_bytes": len(full_tokens[0]),
        "b_compact_credentials_per_s": round(compact_rate),
        "c_raw_sign_compact_input_per_s": round(raw_compact),
        "ratio_b_over_c": round(compact_rate / raw_compact, 3),
        "d_ob3_rs256_credentials_per_s": round(ob3_rate),
        "c_raw_rs256_sign_per_s": round(raw_ob3),
        "ratio_d_over_c": round(ob3_rate / raw_ob3, 3),
        "ob3_jwt_bytes": len(ob3),
        "e_all_three_forms_per_s": round(all_three),
        "ratio_e_over_a": round(all_three / full_rate, 3),
    }
    for length, name in NAMES.items():
        url = badge_url(ISSUER_URL, compact(ids[0], name))
        figures[f"name_{length}_url_bytes"] = len(url.encode("utf-8"))
        figures[f"name_{length}_qr_version_M"] = qr_version(url)
    url = badge_url(ISSUER_URL, compact_tokens[0])
    started = time.perf_counter()
    for _ in range(args.draws):
        qr_png(url)
    figures["qr_png_ms_name_40"] = round((time.perf_counter() - started) * 1000 / args.draws, 2)
    return figures
