"""Verification: full credentials and QR badge credentials verified per second on one core with every check on,
beside (a) pyca/cryptography's raw signature verification of the same bytes and (b) pyjwt's ``decode`` of the same
token; the ratios; and, when Chromium is installed, the web verifier's milliseconds from page load to verdict."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--verifications", type=int, default=3000, help="verifications of each kind (default 3000)")
    parser.add_argument("--level", choices=["RCT", "RCP", "ACP"], default="RCT", help="the level awarded")
    parser.add_argument("--no-browser", action="store_true", help="skip the web verifier's timing")


def _rate(count: int, fn: Any) -> float:
    started = time.perf_counter()
    for _ in range(count):
        fn()
    return count / (time.perf_counter() - started)


def run(args: argparse.Namespace) -> dict[str, Any]:
    import random
    import socket
    from datetime import UTC, datetime

    import jwt
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    from ledger.app.ledger import Ledger
    from ledger.domain.clock import SettableClock
    from ledger.processes.issuance import CredentialIssuer
    from ledger.processes.publication import Publisher
    from ledger.read.projections.runner import ProjectionRunner
    from ledger.read.sharing import current_credential
    from ledger.settings import Settings
    from verifier import load_trust, verify
    from verifier.jose import b64url_decode

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory() as tmp:
        clock = SettableClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
        ledger = Ledger(
            Settings(
                database_url=f"sqlite:///{Path(tmp) / 'r.db'}",
                master_key="a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U=",
                issuer_url=f"http://127.0.0.1:{port}",
            ),
            clock=clock,
            rng=random.Random(1),
        )
        from tests.builders.records import awarded  # the same journey the tests use

        _, number = awarded(ledger, "Siobhan Featherstonehaugh-Montgomery Jnr", level=args.level)
        CredentialIssuer(ledger).catch_up()
        ProjectionRunner(ledger).catch_up()
        shared = current_credential(ledger, number)
        publisher = Publisher(ledger)
        bundle, root = publisher.trust_bundle(), publisher.root_jwk()
        at = clock.now()
        trust = load_trust(bundle, root=root, at=at)
        figures: dict[str, Any] = {
            "verifications": args.verifications,
            "level": args.level,
            "full_jwt_bytes": len(shared.full),
            "badge_token_bytes": len(shared.compact),
        }
        kid = jwt.get_unverified_header(shared.full)["kid"]
        public = trust.keys[kid].key
        for kind, token in (("full", shared.full), ("compact", shared.compact)):
            assert verify(token, trust, at=at).valid
            signing_input, _, signature_part = token.rpartition(".")
            data = signing_input.encode("ascii")
            raw_signature = b64url_decode(signature_part, "signature")
            der = encode_dss_signature(
                int.from_bytes(raw_signature[:32], "big"), int.from_bytes(raw_signature[32:], "big")
            )
            algorithm = ec.ECDSA(hashes.SHA256())
            n = args.verifications
            ours = _rate(n, lambda token=token: verify(token, trust, at=at))
            raw = _rate(n, lambda data=data, der=der, algorithm=algorithm: public.verify(der, data, algorithm))
            options = {"verify_exp": False, "verify_nbf": False, "verify_iat": False}
            pyjwt = _rate(
                n, lambda token=token, options=options: jwt.decode(token, public, algorithms=["ES256"], options=options)
            )
            figures.update(
                {
                    f"{kind}_verify_per_s": round(ours),
                    f"{kind}_raw_signature_verify_per_s": round(raw),
                    f"{kind}_pyjwt_decode_per_s": round(pyjwt),
                    f"{kind}_ratio_to_raw": round(ours / raw, 3),
                    f"{kind}_ratio_to_pyjwt": round(ours / pyjwt, 3),
                }
            )
        if not args.no_browser:
            figures.update(_browser_timing(ledger, shared.badge_url, port))
        ledger.close()
    return figures


def _browser_timing(ledger: Any, badge_url: str, port: int) -> dict[str, Any]:
    """Open the badge in the web verifier (served by the register's own service) in headless Chromium, five times;
    the page records its milliseconds from load to verdict. The first load fetches everything; later ones are
    served by its service worker."""
    import threading

    if not Path("/usr/bin/chromium").exists():
        return {"web_load_to_verdict_ms_first_load": None}
    try:
        import uvicorn
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"web_load_to_verdict_ms_first_load": None}
    from ledger.api.main import create_app

    server = uvicorn.Server(
        uvicorn.Config(create_app(ledger, worker="followers"), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    token = badge_url.split("#", 1)[1]
    timings, verdicts = [], set()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            page = browser.new_page()
            from datetime import UTC, datetime

            page.clock.set_fixed_time(datetime(2026, 3, 2, 10, tzinfo=UTC))  # the register's day, not today
            for _ in range(5):
                page.goto(f"http://127.0.0.1:{port}/v#{token}")
                verdict = page.wait_for_selector("[data-ms]", timeout=15_000)
                timings.append(float(verdict.get_attribute("data-ms") or "nan"))
                verdicts.add(verdict.get_attribute("data-valid"))
            browser.close()
    finally:
        server.should_exit = True
        thread.join(10)
    first = timings[0]
    timings.sort()
    return {
        "web_verdicts_valid": sorted(v or "" for v in verdicts),
        "web_load_to_verdict_ms_first_load": round(first, 1),
        "web_load_to_verdict_ms_median": round(timings[len(timings) // 2], 1),
    }
