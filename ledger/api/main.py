"""The web service: ``create_app()`` builds the FastAPI application around one Ledger. The HTTP layer holds no
domain rules: it authenticates, parses, calls a command or query of the Ledger, and renders JSON or a page. It runs
no follower inside a request: a worker does (in-process on the embedded default, ``regledger worker`` apart).

``app_from_env()`` is the factory that ``regledger serve --workers N`` gives uvicorn: each web worker process builds
its own app from the environment, with no worker inside."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from ledger.api import problems, uploads
from ledger.api.service import Service
from ledger.app.ledger import Ledger

HERE = Path(__file__).resolve().parent
WEB_VERIFIER = HERE.parent.parent / "verifier" / "web"
MAX_BODY_BYTES = 256 * 1024

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
"""Only /docs and /redoc get this. Their scripts and styles come from this service (``fastapi_offline``'s packaged
Swagger UI and ReDoc, served from that package's own folder at ``DOCS_ASSETS``), nothing from elsewhere; FastAPI's
Swagger UI page starts with an inline script, and both inject inline styles: hence 'unsafe-inline' on these two
pages only. ReDoc runs its search in a worker it makes from a blob."""
DOCS_ASSETS = "/docs/assets"
VERIFIER_CSP = (
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; worker-src 'self'; media-src 'self' blob: mediastream:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'none'"
)
"""The web verifier at /v (the policy of its index.html): its QR reader compiles WebAssembly ('wasm-unsafe-eval');
nothing else of the site may."""
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


class BodyTooLarge(StarletteHTTPException):
    """More body bytes arrived than the limit allows (an HTTP exception, so that body parsers pass it on and the
    app answers 413 with a problem document)."""

    def __init__(self) -> None:
        super().__init__(413, f"the request body is larger than {MAX_BODY_BYTES // 1024} KB")


class Guard:
    """Plain ASGI middleware (cheaper than a BaseHTTPMiddleware): refuses bodies over the limit, by their declared
    length and by the bytes actually read (a chunked body declares none), and adds the security headers to every
    response (HSTS behind TLS: the scheme is the server's, or a trusted proxy's ``X-Forwarded-Proto``, which
    ``ProxyHeaders`` has already applied to the scope)."""

    def __init__(self, app: Any, https: bool, upload_limit: int = MAX_BODY_BYTES) -> None:
        self.app, self.https, self.upload_limit = app, https, upload_limit  # evidence files: ledger.api.uploads

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        limit = (
            self.upload_limit
            if uploads.is_upload(scope)
            else uploads.CSV_BODY_LIMIT
            if uploads.is_csv_upload(scope)
            else MAX_BODY_BYTES
        )
        too_large = problems.answering(413, f"the request body is larger than {limit // 1024} KB")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await too_large(scope, receive, send)
            return
        secure = self.https or scope.get("scheme") == "https"
        path = scope.get("path", "")
        docs = path.startswith(("/docs", "/redoc"))
        verifier = path == "/v" or path.startswith("/verifier/")
        csp = (b"content-security-policy", (DOCS_CSP if docs else VERIFIER_CSP if verifier else CSP).encode())
        started = False
        read = 0

        async def receive_within_limit() -> Any:
            nonlocal read
            message = await receive()
            if message["type"] == "http.request":
                read += len(message.get("body", b""))
                if read > limit:
                    raise BodyTooLarge
            return message

        async def send_with_headers(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [h for h in (csp, *SECURITY_HEADERS) if h[0] not in present]
                if secure and HSTS[0] not in present:
                    extra.append(HSTS)
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        try:
            await self.app(scope, receive_within_limit, send_with_headers)
        except BodyTooLarge:
            if not started:
                await too_large(scope, receive, send_with_headers)


IN_PROCESS = ("all", "followers", "none")


def create_app(ledger: Ledger | None = None, *, worker: str = "all") -> FastAPI:
    """The service. ``worker``: what the process runs beside the web, while it is up (the lifespan).
    ``all``: an in-process worker with every follower and duty (the embedded default, so one command is enough);
    ``followers``: the followers only (the read models, credentials, log, checkpoints and publisher; for tests that
    close the days themselves); ``none``: nothing (``regledger worker`` runs apart: several web workers on
    PostgreSQL)."""
    from ledger.processes.worker import DUTIES, FOLLOWERS, Worker

    if worker not in IN_PROCESS:
        raise ValueError(f"worker must be one of {IN_PROCESS}, not {worker!r}")
    ledger = ledger or Ledger()
    in_process = None
    if worker != "none":
        in_process = Worker(ledger, duties=FOLLOWERS + DUTIES if worker == "all" else FOLLOWERS + ("checkpoints",))
    service = Service(ledger, in_process)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if in_process is not None:
            in_process.run_once()  # the register is up to date (and published, checkpointed) before any request
            in_process.start()
        service.start()
        try:
            yield
        finally:
            service.stop()
            if in_process is not None:
                in_process.stop()

    app = FastAPIOffline(  # /docs and /redoc from the package's own Swagger UI and ReDoc files, no CDN
        static_url=DOCS_ASSETS,
        favicon_url="/favicon.svg",
        title="regledger",
        version="0.1.0",
        lifespan=lifespan,
        responses=problems.RESPONSES,
        description="The register of creative-industries technicians: public register, applications, "
        "assessments, decisions, renewals and verifiable credentials. Errors are RFC 9457 "
        "problem details. Sign in with POST /api/token and send 'Authorization: Bearer'.",
    )
    app.state.service = service
    https = ledger.settings.issuer_url.startswith("https://")
    app.add_middleware(
        SessionMiddleware,
        secret_key=ledger.session_secret.hex(),
        session_cookie="regledger_session",
        same_site="lax",
        https_only=https,
        max_age=8 * 3600,
    )
    problems.install(app)

    app.add_middleware(Guard, https=https, upload_limit=uploads.upload_body_limit(ledger.settings))
    if ledger.settings.trusted_proxies:  # the client's address and scheme, from these proxies' headers only
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=ledger.settings.trusted_proxies)

    from ledger.api import pages
    from ledger.api.routes import ROUTERS

    for router in ROUTERS:
        app.include_router(router)
    app.include_router(pages.router)
    pages.install_redirects(app)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    if WEB_VERIFIER.is_dir():
        app.mount("/verifier", StaticFiles(directory=WEB_VERIFIER), name="verifier")
    return app


def app_from_env() -> FastAPI:
    """One stateless web worker process of ``regledger serve --workers N`` (the followers run in ``regledger
    worker``)."""
    from ledger.settings import Settings

    return create_app(Ledger(Settings.from_env()), worker="none")
