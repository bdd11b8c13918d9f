"""Thousands of mangled tokens: the verifier never raises, never calls a mangled credential valid, and answers each
in bounded time."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.builders.mangled import mutate
from tests.builders.register import Register
from verifier import CHECKS, verify


@pytest.fixture(scope="module")
def genuine(tmp_path_factory):
    register = Register(tmp_path_factory.mktemp("fuzz"))
    shared = register.credential("Valid Val")
    trust = register.trust()
    yield shared, trust, register.clock.now()
    register.ledger.close()


@settings(
    max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=st.data(), form=st.sampled_from(["full", "compact", "url"]))
def test_mangled_tokens_fail_cleanly(genuine, data, form):
    shared, trust, now = genuine
    token = {"full": shared.full, "compact": shared.compact, "url": shared.badge_url}[form]
    mangled = mutate(token, data)
    started = time.perf_counter()
    result = verify(mangled, trust, at=now)
    assert time.perf_counter() - started < 0.5
    if mangled.strip() not in (shared.full, shared.compact, shared.badge_url):
        # base64url has spare bits in its last character: a change there can leave the bytes as they were
        same_bytes = result.valid and result.subject.registration_number == shared.number
        assert not result.valid or same_bytes, (mangled, result.to_json())
    assert len(result.checks) == len(CHECKS) and all(
        c.outcome in ("pass", "fail", "not checked") for c in result.checks
    )
    assert all(isinstance(c.reason, str) and c.reason for c in result.checks)


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=500),
        st.text(max_size=500),
        st.integers(),
        st.none(),
        st.lists(st.text(max_size=5), max_size=5),
    )
)
def test_arbitrary_values_are_a_failed_format_check(value):
    from datetime import UTC, datetime

    from verifier import Trust

    result = verify(value, Trust(issuer=None, keys={}), at=datetime(2026, 1, 1, tzinfo=UTC))
    assert not result.valid


def test_a_verdict_for_the_genuine_token_is_stable(genuine):
    shared, trust, now = genuine
    assert verify(shared.full, trust, at=now + timedelta(seconds=1)).valid
