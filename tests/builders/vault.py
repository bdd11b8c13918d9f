"""A spy on the vault (every sealed value opened, and the modules that opened it), and the sealed background
answers a store holds."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from ledger.app.vault import Vault
from ledger.domain.aggregates import Registrant


def spy_on_the_vault(monkeypatch: pytest.MonkeyPatch) -> list[tuple[bytes, frozenset[str]]]:
    """Every sealed value opened from now on: its bytes, and the modules on the stack that opened it."""
    opened: list[tuple[bytes, frozenset[str]]] = []
    original = Vault.open_bytes

    def open_bytes(self: Vault, sealed: Any) -> bytes | None:
        if sealed is not None:
            callers, frame = set(), sys._getframe(1)
            while frame is not None:
                callers.add(frame.f_globals.get("__name__", ""))
                frame = frame.f_back
            opened.append((bytes(sealed.blob), frozenset(callers)))
        return original(self, sealed)

    monkeypatch.setattr(Vault, "open_bytes", open_bytes)
    return opened


def background_blobs(ledger: Any) -> set[bytes]:
    """The sealed background answers in the event store, as stored."""
    to_event = ledger.mapper.to_domain_event
    found = set()
    for notification in ledger.recorder.select_notifications(start=0, limit=1_000_000):
        event = to_event(notification)
        if isinstance(event, (Registrant.Enrolled, Registrant.BackgroundAnswered)) and event.background is not None:
            found.add(bytes(event.background.blob))
    return found
