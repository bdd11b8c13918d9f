"""Hostile input (issue 9, part 4), the parsers: hypothesis on every parser that reads what a stranger (or a damaged
file) gives it -- registration numbers, share tokens, compact credential ids, background answers, framework files,
trust bundles -- each a clean refusal or a faithful reading, never a crash. ``REGLEDGER_PARSER_EXAMPLES`` sets the
examples a parser (default 300). test_reliability_hostile.py says what the other hostile-input modules cover."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import given as given_

from tests.builders.hostile import fresh_fixture  # noqa: F401 - the fresh fixture
from tests.builders.mangled import mutate


def _st():
    from hypothesis import strategies

    return strategies


# -- every parser that reads what a stranger (or a damaged file) gives it: a clean refusal, never a crash
PARSER_EXAMPLES = int(os.environ.get("REGLEDGER_PARSER_EXAMPLES", "300"))
parser_settings = settings(
    max_examples=PARSER_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _number_like():
    from hypothesis import strategies as st

    from ledger.domain.regnumber import format_number

    genuine = st.integers(1, 9_999_999).map(format_number)
    mangled = st.tuples(genuine, st.integers(0, 14), st.characters()).map(
        lambda t: t[0][: t[1]] + t[2] + t[0][t[1] + 1 :]
    )
    return st.one_of(genuine, mangled, st.text(max_size=40), genuine.map(str.lower), genuine.map(lambda n: f" {n} "))


@parser_settings
@given_(text=_number_like())
def test_registration_numbers_parse_or_are_refused(text):
    from ledger.domain.regnumber import InvalidRegistrationNumber, looks_like_number, parse_number

    try:
        number = parse_number(text)
    except InvalidRegistrationNumber as error:
        assert str(error)
        return
    assert looks_like_number(number) and parse_number(number) == number  # canonical, and stays so


@parser_settings
@given_(data=_st().binary(max_size=300), token=_st().tuples(*[_st().binary(min_size=1, max_size=120)] * 3))
def test_share_tokens_pack_back_exactly_and_garbage_is_refused(data, token):
    import base64
    import struct
    import zlib

    from ledger.read.sharing import pack_token, unpack_token

    text = ".".join(base64.urlsafe_b64encode(part).rstrip(b"=").decode() for part in token)
    assert unpack_token(pack_token(text)) == text
    try:
        unpack_token(data)
    except (ValueError, zlib.error, struct.error):
        pass  # a clean refusal of bytes that were never a packed token


@parser_settings
@given_(
    short=_st().one_of(
        _st().text(max_size=30),
        _st().uuids().map(lambda u: __import__("credentials.compact", fromlist=["short_id"]).short_id(f"urn:uuid:{u}")),
        _st().integers(),
        _st().none(),
    )
)
def test_compact_credential_ids_read_back_or_are_refused(short):
    from credentials.compact import long_id, short_id

    try:
        long = long_id(short)
    except ValueError:
        return
    assert long.startswith("urn:uuid:") and short_id(long) == short


@parser_settings
@given_(
    answers=_st().one_of(
        _st().none(),
        _st().integers(),
        _st().text(max_size=5),
        _st().lists(_st().text(max_size=5), max_size=3),
        _st().dictionaries(
            _st().one_of(_st().sampled_from(["parental_occupation_14", "school_type", "x"]), _st().text(max_size=8)),
            _st().one_of(
                _st().text(max_size=12),
                _st().sampled_from(["professional", "prefer_not_to_say"]),
                _st().integers(),
                _st().none(),
                _st().lists(_st().integers(), max_size=2),
                _st().dictionaries(_st().text(max_size=3), _st().integers(), max_size=2),
            ),
            max_size=4,
        ),
    )
)
def test_background_answers_are_checked_never_crash(answers):
    from ledger.domain.background import check_answers
    from ledger.domain.errors import InvalidInput

    try:
        checked = check_answers(answers)
    except InvalidInput as error:
        assert error.field.startswith("background")
        return
    assert checked == answers


@parser_settings
@given_(data=_st().data())
def test_a_damaged_framework_file_is_refused_with_a_reason(tmp_path_factory, data):
    import json

    import ledger.domain.framework
    from ledger.domain.framework import FrameworkError, load_framework

    original = Path(ledger.domain.framework.__file__).with_name("framework.json")
    document = json.loads(original.read_text("utf-8"))
    for _ in range(data.draw(_st().integers(1, 3))):
        document = _mutate_json(document, data)
    path = tmp_path_factory.mktemp("framework") / "framework.json"
    if data.draw(_st().booleans(), label="as text"):
        path.write_text(json.dumps(document), "utf-8")
    else:
        raw = bytearray(json.dumps(document).encode())
        position = data.draw(_st().integers(0, len(raw) - 1))
        raw[position] = data.draw(_st().integers(0, 255))
        path.write_bytes(bytes(raw))
    try:
        load_framework(path)
    except FrameworkError as error:
        assert str(error)


def _mutate_json(node, data):
    """One change somewhere in a JSON document: a value replaced by another type, a key dropped, an item gone."""
    from hypothesis import strategies as st

    if isinstance(node, dict) and node and data.draw(st.booleans()):
        key = data.draw(st.sampled_from(sorted(node)))
        action = data.draw(st.sampled_from(["descend", "drop", "replace"]))
        if action == "drop":
            return {k: v for k, v in node.items() if k != key}
        if action == "replace":
            return {**node, key: data.draw(_json_values())}
        return {**node, key: _mutate_json(node[key], data)}
    if isinstance(node, list) and node and data.draw(st.booleans()):
        index = data.draw(st.integers(0, len(node) - 1))
        action = data.draw(st.sampled_from(["descend", "drop", "duplicate", "replace"]))
        if action == "drop":
            return node[:index] + node[index + 1 :]
        if action == "duplicate":
            return node + [node[index]]
        if action == "replace":
            return node[:index] + [data.draw(_json_values())] + node[index + 1 :]
        return node[:index] + [_mutate_json(node[index], data)] + node[index + 1 :]
    return data.draw(_json_values())


def _json_values():
    from hypothesis import strategies as st

    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-5, 10**6),
        st.floats(allow_nan=False),
        st.text(max_size=10),
        st.lists(st.integers(), max_size=3),
        st.just({}),
        st.just([]),
        st.dictionaries(st.text(max_size=4), st.text(max_size=4), max_size=2),
    )


@parser_settings
@given_(data=_st().data())
def test_a_mangled_trust_bundle_is_refused_cleanly(fresh, data):
    """The verifier's reading of a trust bundle (tests/unit/test_verifier_fuzz.py mangles credentials, not bundles)."""
    from verifier import load_trust
    from verifier.trust import TrustError

    actors = fresh
    bundle = actors.client.get("/trust.jwt").text
    root = actors.client.get("/root.json").json()
    mangled = mutate(bundle, data)
    try:
        trust = load_trust(mangled, root=root)
    except TrustError as error:
        assert str(error)
        return
    assert trust.issuer == actors.ledger.settings.issuer_url.rstrip("/")  # only the genuine bundle (or its bytes)
