"""The web service: ``create_app()`` builds the FastAPI application around one Ledger. The HTTP layer holds no
domain rules: it authenticates, parses, calls a command or query of the Ledger, and renders JSON or a page."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from ledger.api import problems
from ledger.api.service import Service
from ledger.commands import Ledger

HERE = Path(__file__).resolve().parent
WEB_VERIFIER = HERE.parent.parent / "verifier" / "web"
MAX_BODY_BYTES = 256 * 1024
DAILY_FIRST_WAIT = 2.0  # seconds after start before the daily tick first looks
MAIL_SECONDS = 60.0  # how often the service delivers the outbox (when REGLEDGER_SMTP_HOST is set)

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


SECURITY_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer")]
DOCS_CSP = ("default-src 'self'; img-src 'self' data: https://fastapi.tiangolo.com; "
            "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; object-src 'none'; base-uri 'none'; "
            "frame-ancestors 'none'")
"""FastAPI's /docs and /redoc pages load their scripts from a CDN and start them inline: only they get this."""
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


class Guard:
    """Plain ASGI middleware (cheaper than a BaseHTTPMiddleware): refuses bodies over the limit by their declared
    length, and adds the security headers to every response (HSTS behind TLS)."""

    def __init__(self, app: Any, https: bool) -> None:
        self.app, self.https = app, https

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            response = problems.problem(413, f"the request body is larger than {MAX_BODY_BYTES // 1024} KB")
            await response(scope, receive, send)
            return
        secure = self.https or headers.get(b"x-forwarded-proto") == b"https"
        docs = scope.get("path", "").startswith(("/docs", "/redoc"))
        csp = (b"content-security-policy", (DOCS_CSP if docs else CSP).encode())

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [h for h in (csp, *SECURITY_HEADERS) if h[0] not in present]
                if secure and HSTS[0] not in present:
                    extra.append(HSTS)
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(ledger: Ledger | None = None, *, follow: bool = True) -> FastAPI:
    """The service. ``follow``: keep the read models and credentials following writes made by other processes
    (a background thread); requests made here bring them up to date themselves either way."""
    ledger = ledger or Ledger()
    service = Service(ledger)
    service.publisher.keyring.active()  # the keys exist before the first request needs them
    service.publisher.keyring.active("root")
    service.sync()

    stop = threading.Event()

    def checkpoints() -> None:
        """Sign a checkpoint of the transparency log on a schedule (when it has grown)."""
        from ledger.audit import TransparencyLog

        from ledger.mailer import Mailer

        log = TransparencyLog(ledger)
        mailer = Mailer(ledger) if ledger.settings.send_mail else None
        last = last_mail = time.monotonic()
        while not stop.wait(5):  # leaves within seconds of an event arriving, from any process
            try:
                grown = log.catch_up()
                if grown and time.monotonic() - last >= ledger.settings.checkpoint_minutes * 60:
                    log.checkpoint()
                    last = time.monotonic()
                if mailer is not None and time.monotonic() - last_mail >= MAIL_SECONDS:
                    mailer.send_pending()
                    last_mail = time.monotonic()
            except Exception:  # noqa: BLE001 - retried at the next turn
                continue

    def daily() -> None:
        """The daily tick, in-process: closes each day once it has begun (catching up any days missed)."""
        from datetime import UTC, datetime

        from ledger.clock import SettableClock
        from ledger.commands import Ledger as _Ledger
        from ledger.tick import Ticker

        while not stop.wait(DAILY_FIRST_WAIT):
            try:
                today = datetime.now(UTC).date()
                ticking = _Ledger(ledger.settings, clock=SettableClock(today), engine=ledger.engine,
                                  master_key=ledger.master_key)  # its own clock: the tick sets it to each day
                try:
                    Ticker(ticking).run_until(today)
                finally:
                    ticking.close(dispose_engine=False)
                service.forget_published()
            except Exception:  # noqa: BLE001 - tried again shortly
                continue
            stop.wait(3600)  # then look again every hour

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        scheduler = threading.Thread(target=checkpoints, name="checkpoints", daemon=True)
        ticker = threading.Thread(target=daily, name="daily tick", daemon=True)
        if follow:
            service.runner.start()
            scheduler.start()
            ticker.start()
        try:
            yield
        finally:
            stop.set()
            if follow:
                service.runner.stop()

    app = FastAPI(title="regledger", version="0.1.0", lifespan=lifespan, responses=problems.RESPONSES,
                  description="The register of creative-industries technicians: public register, applications, "
                              "assessments, decisions, renewals and verifiable credentials. Errors are RFC 9457 "
                              "problem details. Sign in with POST /api/token and send 'Authorization: Bearer'.")
    app.state.service = service
    https = ledger.settings.issuer_url.startswith("https://")
    app.add_middleware(SessionMiddleware, secret_key=ledger.session_secret.hex(), session_cookie="regledger_session",
                       same_site="lax", https_only=https, max_age=8 * 3600)
    problems.install(app)

    app.add_middleware(Guard, https=https)

    from ledger.api import pages, routes_analytics, routes_api, routes_public, routes_skills

    app.include_router(routes_public.router)
    app.include_router(routes_api.router)
    app.include_router(pages.router)
    app.include_router(routes_analytics.router)
    app.include_router(routes_skills.router)
    pages.install_redirects(app)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    if WEB_VERIFIER.is_dir():
        app.mount("/verifier", StaticFiles(directory=WEB_VERIFIER), name="verifier")
    return app
