"""W3C Bitstring Status List: the spec's own example, bit order, round trips, bounded decoding (a GZIP bomb is
refused quickly and in little memory), random allocation, and the signed status list credential."""

from __future__ import annotations

import base64
import gzip
import json
import random
import time
import tracemalloc
import zlib
from datetime import UTC, datetime

import jsonschema
import jwt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credentials.achievement import Issuer, sign_credential_jwt
from credentials.keys import generate_key
from credentials.status_list import (
    MIN_LENGTH,
    StatusList,
    StatusListError,
    StatusListFull,
    allocate_index,
    build_status_list_credential,
    status_list_url,
)
from tests.conftest import shared_file

ISSUER = Issuer(
    "https://register.creativetechnicians.org.uk",
    "Register of Creative Technicians",
    "https://register.creativetechnicians.org.uk",
)


def encoded(raw: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(gzip.compress(raw, mtime=0)).rstrip(b"=").decode()


def test_the_recommendations_example_decodes_to_an_empty_list_of_131072():
    example = json.loads(shared_file("standards/status-list/spec-example.json").read_text())
    status_list = StatusList.decode(example["encodedList"])
    assert status_list.length == example["length_bits"] == MIN_LENGTH
    assert status_list.set_indexes() == example["set_indexes"] == []


def test_index_0_is_the_most_significant_bit_of_the_first_byte():
    status_list = StatusList()
    status_list.set(0)
    status_list.set(9)
    status_list.set(MIN_LENGTH - 1)
    raw = gzip.decompress(base64.urlsafe_b64decode(status_list.encode()[1:] + "=="))
    assert raw[0] == 0b1000_0000 and raw[1] == 0b0100_0000 and raw[-1] == 0b0000_0001
    assert StatusList.decode(encoded(b"\x20" + bytes(MIN_LENGTH // 8 - 1))).set_indexes() == [2]


def test_set_clear_and_get():
    status_list = StatusList()
    status_list.set(42)
    assert status_list.get(42) and not status_list.get(41) and not status_list.get(43)
    status_list.set(42, False)
    assert not status_list.get(42)
    with pytest.raises(IndexError):
        status_list.get(MIN_LENGTH)
    with pytest.raises(IndexError):
        status_list.set(-1)


def test_encoding_is_multibase_base64url_without_padding_and_deterministic():
    status_list = StatusList()
    status_list.set(94567)
    text = status_list.encode()
    assert text.startswith("u") and "=" not in text and "+" not in text and "/" not in text
    assert text == status_list.encode()
    assert len(text) < 200  # 16 KiB of mostly zeros compresses to almost nothing


@settings(max_examples=25, deadline=None)
@given(st.sets(st.integers(0, MIN_LENGTH * 2 - 1), max_size=300))
def test_round_trip_of_any_set_of_bits(indexes):
    status_list = StatusList(MIN_LENGTH * 2)
    for index in indexes:
        status_list.set(index)
    again = StatusList.decode(status_list.encode())
    assert again.length == MIN_LENGTH * 2
    assert again.set_indexes() == sorted(indexes)


def test_round_trip_of_a_dense_random_list():
    rng = random.Random(7)
    status_list = StatusList()
    chosen = set(rng.sample(range(MIN_LENGTH), 40_000))
    for index in chosen:
        status_list.set(index)
    assert set(StatusList.decode(status_list.encode()).set_indexes()) == chosen


def test_lists_shorter_than_the_minimum_cannot_be_made():
    with pytest.raises(ValueError, match="at least 131,072"):
        StatusList(MIN_LENGTH - 8)
    with pytest.raises(ValueError, match="multiple of 8"):
        StatusList(MIN_LENGTH + 1)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("zH4sIAAAAAAAAA", "multibase prefix 'u'"),
        ("uH4sI+AAA/AAA", "not base64url"),
        ("uH4sIA", "wrong length"),
        ("u" + base64.urlsafe_b64encode(b"not gzip at all").decode().rstrip("="), "not valid GZIP"),
        (encoded(bytes(1000)), "fewer than the minimum 131,072"),
        (encoded(bytes(MIN_LENGTH // 8))[:-12], "truncated|not valid GZIP"),
        (
            "u"
            + base64.urlsafe_b64encode(gzip.compress(bytes(MIN_LENGTH // 8), mtime=0) + b"extra").decode().rstrip("="),
            "after the end of its GZIP stream",
        ),
    ],
)
def test_bad_encodings_are_refused_with_reasons(text, reason):
    with pytest.raises(StatusListError, match=reason):
        StatusList.decode(text)


def test_a_corrupted_checksum_is_refused():
    compressed = bytearray(gzip.compress(bytes(MIN_LENGTH // 8), mtime=0))
    compressed[-8] ^= 0xFF  # the CRC-32 in the GZIP trailer
    with pytest.raises(StatusListError, match="not valid GZIP"):
        StatusList.decode("u" + base64.urlsafe_b64encode(bytes(compressed)).decode().rstrip("="))


@pytest.fixture(scope="module")
def gzip_bomb() -> str:
    """One GiB of zeros, GZIP-compressed (4.5 MB), encoded as a status list."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(4 << 20)
    parts = [compressor.compress(zeros) for _ in range(256)] + [compressor.flush()]
    return "u" + base64.urlsafe_b64encode(b"".join(parts)).decode().rstrip("=")


def test_a_gzip_bomb_is_refused_quickly_and_in_little_memory(gzip_bomb):
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(StatusListError, match="decompresses to more than 16,777,216 bytes"):
            StatusList.decode(gzip_bomb)
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seconds < 3, f"took {seconds:.1f} s"
    assert peak < 64 * 2**20, f"peak {peak / 2**20:.0f} MiB"


def test_a_smaller_cap_refuses_sooner(gzip_bomb):
    tracemalloc.start()
    try:
        with pytest.raises(StatusListError, match="decompresses to more than 4,194,304 bytes"):
            StatusList.decode(gzip_bomb, max_bytes=2**22)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 32 * 2**20  # copies of the 6 MB text, its 4.5 MB of bytes, at most 4 MiB out and a chunk
    with pytest.raises(StatusListError, match="6,247,303 characters, longer than any list of at most 1,048,576"):
        StatusList.decode(gzip_bomb, max_bytes=2**20)  # refused before decoding anything


def test_allocation_is_random_without_collision_and_repeatable():
    taken: set[int] = set()
    for _ in range(2000):
        taken.add(allocate_index(random.Random(len(taken)), taken))
    assert len(taken) == 2000
    assert min(taken) < MIN_LENGTH // 10 and max(taken) > MIN_LENGTH * 9 // 10  # spread, not sequential
    assert allocate_index(random.Random(5), set()) == allocate_index(random.Random(5), set())


def test_allocation_finds_the_last_free_index_and_then_says_full():
    class AllButOne:
        def __contains__(self, index):
            return index != 77_777

    assert allocate_index(random.Random(1), AllButOne()) == 77_777
    with pytest.raises(StatusListFull, match="all 131,072 indexes"):
        allocate_index(random.Random(1), range(MIN_LENGTH))


def test_status_list_credential_validates_and_signs():
    status_list = StatusList()
    status_list.set(94567)
    list_id = status_list_url(ISSUER.id, "revocation")
    assert list_id == "https://register.creativetechnicians.org.uk/status/revocation"
    document = build_status_list_credential(
        list_id=list_id,
        issuer=ISSUER,
        purpose="revocation",
        encoded_list=status_list.encode(),
        valid_from=datetime(2026, 1, 5, tzinfo=UTC),
        valid_until=datetime(2026, 1, 6, tzinfo=UTC),
    )
    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert document["credentialSubject"] == {
        "id": f"{list_id}#list",
        "type": "BitstringStatusList",
        "statusPurpose": "revocation",
        "encodedList": status_list.encode(),
    }
    schema = json.loads(shared_file("standards/vcdm/verifiable-credential-schema.json").read_text())
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER).validate(
        document
    )

    key = generate_key()
    token = sign_credential_jwt(document, key, issued_at=datetime(2026, 1, 5, tzinfo=UTC))
    payload = jwt.decode(token, key.public_key, algorithms=["ES256"], options={"verify_exp": False})
    assert payload["iss"] == ISSUER.id and payload["sub"] == f"{list_id}#list"
    assert StatusList.decode(payload["credentialSubject"]["encodedList"]).set_indexes() == [94567]


def test_status_list_credential_refuses_bad_input():
    good = {
        "list_id": "https://x.example/status/suspension",
        "issuer": "https://x.example",
        "purpose": "suspension",
        "encoded_list": StatusList().encode(),
        "valid_from": datetime(2026, 1, 5),
        "valid_until": datetime(2026, 1, 6),
    }
    assert build_status_list_credential(**good)["issuer"] == "https://x.example"
    with pytest.raises(ValueError, match="purpose"):
        build_status_list_credential(**{**good, "purpose": "refresh"})
    with pytest.raises(StatusListError):
        build_status_list_credential(**{**good, "encoded_list": encoded(bytes(10))})
    with pytest.raises(ValueError, match="after its validFrom"):
        build_status_list_credential(**{**good, "valid_until": good["valid_from"]})


def test_list_urls_come_from_the_issuer_url_or_its_did_web():
    assert (
        status_list_url("did:web:register.example:body", "suspension")
        == "https://register.example/body/status/suspension"
    )
    with pytest.raises(ValueError, match="https URL or a did:web"):
        status_list_url("urn:uuid:1234", "revocation")
