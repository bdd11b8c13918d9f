"""The body's own pages, linked from every page's footer: its privacy notice, accessibility statement and how to
complain, each from the body's settings (``ledger.domain.body``: paragraphs of plain text, shown as paragraphs)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ledger.api.deps import ServiceDep
from ledger.api.pages.render import render

router = APIRouter(include_in_schema=False)

PAGES = {
    "privacy": "Privacy notice",
    "accessibility": "Accessibility statement",
    "complaints": "Complaints",
}
"""Each page's path (and the body's field it shows) and its heading."""


def _page(name: str, title: str) -> None:
    def page(request: Request, service: ServiceDep) -> HTMLResponse:
        return render(request, "about.html", title=title, paragraphs=getattr(service.settings.body, name), page=name)

    page.__name__ = f"{name}_page"
    router.add_api_route(f"/{name}", page, methods=["GET"], response_class=HTMLResponse)


for _name, _title in PAGES.items():
    _page(_name, _title)
