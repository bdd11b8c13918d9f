"""The offline web verifier (verifier/web) in real headless Chromium, and the trust bundle it is given: an older
bundle, a forged one, or a root.json naming no key is refused in the Python verifier's words; status older than 24
hours is not current (unless the person using the page accepts older status); a compression bomb in a status list
costs a failed check, not the tab. The page, its server and the browser are in tests/builders/web_verifier.py.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest

from tests.builders.web_verifier import (
    VERDICT_TIMEOUT_MS,
    Problems,
    browser_fixture,  # noqa: F401 - the browser fixture
    failed,
    open_page,
    python_verdict,
    site_fixture,  # noqa: F401 - the site fixture
    wait_for_new_verdict,
)


def test_an_older_trust_bundle_is_refused_with_the_python_words(
    browser: Any, site: dict[str, Any], tmp_path: Path
) -> None:
    from verifier import TrustError, load_trust

    load_trust(site["bundle"], root=site["root"], cache_dir=tmp_path)
    with pytest.raises(TrustError) as refused:
        load_trust(site["older_bundle"], root=site["root"], cache_dir=tmp_path)
    server = site["server"]
    context = browser.new_context()
    problems = Problems(context)
    try:
        verdict, _, page = open_page(context, site["badges"]["valid"])
        assert verdict["valid"] is True
        server.publish(site["older_bundle"], site["root"])
        page.close()
        page = context.new_page()
        page.goto(site["badges"]["valid"])
        page.wait_for_selector("#verdict[data-state=error]", timeout=VERDICT_TIMEOUT_MS)
        assert page.inner_text("#verdict-title") == "Could not run"
        assert page.inner_text("#summary") == str(refused.value)
        assert page.is_hidden("#subject")
    finally:
        server.publish(site["bundle"], site["root"])
        context.close()
    assert problems.seen == []


def test_a_compression_bomb_in_a_status_list_costs_a_failed_check_not_the_tab(
    browser: Any, site: dict[str, Any]
) -> None:
    context = browser.new_context()
    problems = Problems(context)
    try:
        verdict, _, page = open_page(context, site["badges"]["valid"])
        at = datetime.now(UTC).isoformat()
        verdict = page.evaluate(
            """async ([bundle, root, token, at]) => {
            at = regverify.parseTime(at, "at");
            const trust = await regverify.loadTrust(bundle, regverify.parseRootJwk(root), { at });
            return (await regverify.verify(token, trust, at)).toJSON();
        }""",
            [site["bomb_bundle"], json.dumps(site["root"]), site["badges"]["valid"], at],
        )
        assert verdict == python_verdict(
            site["badges"]["valid"], site["bomb_bundle"], site["root"], datetime.fromisoformat(at)
        )
        assert failed(verdict) == ["revocation"]
        assert verdict["checks"][7]["reason"] == (
            "the revocation list cannot be read: the status list expands beyond "
            "2,097,152 bytes: refused as a compression bomb"
        )
        assert page.evaluate("1 + 1") == 2  # the tab lives on
    finally:
        context.close()
    assert problems.seen == []


def test_status_older_than_24_hours_is_not_current_in_the_browser(browser: Any, site: dict[str, Any]) -> None:
    """The attack: a browser given an old trust bundle (made before a removal), days later. The removed person's
    badge is not valid once the bundle's status is more than 24 hours old (it was 7 days), in Python's words; the
    person using the page may accept older status ("Accept status up to"), which the page remembers."""
    server = site["server"]
    older = site["older_bundle"]
    as_of = datetime.fromisoformat(
        jwt.decode(
            jwt.decode(older, options={"verify_signature": False})["status_lists"]["revocation"],
            options={"verify_signature": False},
        )["validFrom"].replace("Z", "+00:00")
    )
    at = as_of + timedelta(hours=25)
    context = browser.new_context()  # a fresh browser: no bundle number remembered
    problems = Problems(context)
    try:
        server.publish(older, site["root"])
        url = site["badges"]["revoked"]
        verdict, _, page = open_page(context, url, at)
        assert verdict == python_verdict(url, older, site["root"], at)
        assert verdict["valid"] is False and failed(verdict) == ["status freshness"]
        assert page.inner_text("#failed-list") == (
            "its current status cannot be confirmed: the register's lists on this device are more than 24 hours "
            "old; connect to the internet and check again"
        )
        assert page.inner_text("#status-as-of") == (
            f"Status checked against the register's lists of {as_of.day} {as_of:%B %Y, %H:%M} UTC."
        )
        assert page.inner_text("#subject-name") == "Rex Removed"  # whose it is, still
        assert page.inner_text("#trust-warning").startswith("These keys and lists are older than the register")
        page.click("#trust-details summary")
        assert page.inner_text("#trust-notes").endswith("a newer one should be fetched.")
        assert page.input_value("#max-status-age") == "24h"
        assert [o.inner_text() for o in page.query_selector_all("#max-status-age option")] == [
            "24 hours (recommended)",
            "7 days",
            "30 days",
        ]
        assert page.inner_text("label[for=max-status-age]") == "Accept status up to:"
        page.close()
    finally:
        server.publish(site["bundle"], site["root"])
        context.close()

    context = browser.new_context()
    context.on("page", problems.watch)
    try:
        url = site["badges"]["valid"]
        at = datetime.now(UTC) + timedelta(days=2)
        verdict, _, page = open_page(context, url, at)
        assert failed(verdict) == ["status freshness"]
        assert verdict == python_verdict(url, site["bundle"], site["root"], at)
        verdict = wait_for_new_verdict(page, lambda: page.select_option("#max-status-age", "7d"))
        assert verdict["valid"] is True and page.get_attribute("#verdict", "data-state") == "valid"
        assert verdict == python_verdict(url, site["bundle"], site["root"], at, timedelta(days=7))
        assert page.evaluate("localStorage.getItem('regverify.maxStatusAge')") == "7d"
        page.reload()
        page.wait_for_selector("#verdict[data-ms]", timeout=VERDICT_TIMEOUT_MS)
        assert page.input_value("#max-status-age") == "7d"  # remembered
        assert page.evaluate("window.regverifyResult")["valid"] is True
        verdict = wait_for_new_verdict(page, lambda: page.select_option("#max-status-age", "24h"))
        assert failed(verdict) == ["status freshness"]
        page.evaluate("localStorage.setItem('regverify.maxStatusAge', '1000d')")  # not a choice: the default
        page.reload()
        page.wait_for_selector("#verdict[data-ms]", timeout=VERDICT_TIMEOUT_MS)
        assert page.input_value("#max-status-age") == "24h" and failed(page.evaluate("window.regverifyResult")) == [
            "status freshness"
        ]
    finally:
        context.close()
    assert problems.seen == []


def test_the_page_never_takes_a_bundle_s_own_root(browser: Any, site: dict[str, Any]) -> None:
    """The attack: a bundle signed by an attacker's key, carrying that key. The page checks bundles against the
    site's root.json and never trusts on first use: a forged bundle, or a root.json naming no key, is refused
    with Python's words; regverify.loadTrust trusts a bundle's own root only when asked explicitly."""
    from verifier import RootNotPinned, TrustError, load_trust

    with pytest.raises(RootNotPinned) as not_pinned:
        load_trust(site["bundle"])
    with pytest.raises(TrustError) as forged:
        load_trust(site["forged_bundle"], root=site["root"])
    tofu = load_trust(site["bundle"], trust_on_first_use=True)
    server = site["server"]
    seen: list[Any] = []
    try:
        cases = ((site["bundle"], None, not_pinned), (site["forged_bundle"], site["root"], forged))
        for bundle, root, refused in cases:
            server.publish(bundle, root)
            fresh = browser.new_context()  # its own service worker and cache: nothing kept from the last case
            seen.append(Problems(fresh))
            page = fresh.new_page()
            page.goto(site["badges"]["valid"])
            page.wait_for_selector("#verdict[data-state=error]", timeout=VERDICT_TIMEOUT_MS)
            assert page.inner_text("#verdict-title") == "Could not run"
            assert page.inner_text("#summary") == str(refused.value)
            assert page.is_hidden("#subject")
            fresh.close()
        server.publish(site["bundle"], site["root"])
        context = browser.new_context()
        seen.append(Problems(context))
        verdict, _, page = open_page(context, site["badges"]["valid"])
        assert verdict["valid"] is True
        answers = page.evaluate(
            """async ([bundle, forged]) => {
            const attempt = async (...args) => {
              try {
                const trust = await regverify.loadTrust(...args);
                return { notes: trust.notes, pinnedOnFirstUse: trust.pinnedOnFirstUse, rootKid: trust.rootKid };
              } catch (error) {
                return { error: error.name, message: error.message };
              }
            };
            return [await attempt(bundle, null), await attempt(bundle, undefined, {}),
                    await attempt(forged, null), await attempt(bundle, null, { trustOnFirstUse: true })];
        }""",
            [site["bundle"], site["forged_bundle"]],
        )
        for refusal in answers[:3]:
            assert refusal == {"error": "TrustError", "message": str(not_pinned.value)}
        assert answers[3] == {"notes": tofu.notes, "pinnedOnFirstUse": True, "rootKid": site["root"]["kid"]}
        context.close()
    finally:
        server.publish(site["bundle"], site["root"])
    assert all(problems.seen == [] for problems in seen)
