"""An application's evidence files as a person sees them: each file attached and not removed, oldest first, with
its area, its name (opened: the caller is one the web layer has authorised), its kind and size in words, and the day
it was added. Read from the application's own events, as ``views.application_view`` reads its evidence."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ledger.app.evidence_content import BY_TYPE, size_in_words
from ledger.app.ledger import Ledger
from ledger.domain.aggregates import Application

ERASED_NAME = "(name erased)"


def files_of(ledger: Ledger, application_id: UUID) -> list[dict[str, Any]]:
    """``id``, ``area``, ``name``, ``media_type``, ``kind`` (in words), ``bytes``, ``size`` (in words, "1.2 MB")
    and ``added`` (a date) of each file the application holds."""
    to_event = ledger.mapper.to_domain_event
    found: dict[UUID, dict[str, Any]] = {}
    for stored in ledger.recorder.select_events(application_id):
        event = to_event(stored)
        if isinstance(event, Application.FileAttached):
            kind = BY_TYPE.get(event.media_type)
            found[event.file_id] = {
                "id": str(event.file_id),
                "area": event.area,
                "name": ledger.vault.open(event.name) or ERASED_NAME,
                "media_type": event.media_type,
                "kind": kind.words if kind else event.media_type,
                "bytes": event.size,
                "size": size_in_words(event.size),
                "added": event.occurred_at.date(),
            }
        elif isinstance(event, Application.FileRemoved):
            found.pop(event.file_id, None)
    return list(found.values())


def files_by_area(ledger: Ledger, application_id: UUID) -> dict[str, list[dict[str, Any]]]:
    """The same files, grouped by their competency area."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for file in files_of(ledger, application_id):
        grouped.setdefault(file["area"], []).append(file)
    return grouped
