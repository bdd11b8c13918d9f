"""The one place that teaches the event store's JSON transcoder the types our events carry."""

from __future__ import annotations

import base64
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.persistence import JSONTranscoder, Transcoding

from ledger.domain.sealed import Sealed


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class SealedAsText(Transcoding):
    type = Sealed
    name = "sealed"

    def encode(self, obj: Sealed) -> str:
        return obj.owner.hex + "." + base64.b64encode(obj.blob).decode("ascii")

    def decode(self, data: str) -> Sealed:
        owner, blob = data.split(".", 1)
        return Sealed(UUID(owner), base64.b64decode(blob))


class FrozensetAsList(Transcoding):
    type = frozenset
    name = "frozenset"

    def encode(self, obj: frozenset[Any]) -> list[Any]:
        return sorted(obj)

    def decode(self, data: list[Any]) -> frozenset[Any]:
        return frozenset(data)


def register_transcodings(transcoder: JSONTranscoder) -> None:
    for transcoding in (DateAsISO(), SealedAsText(), FrozensetAsList()):
        transcoder.register(transcoding)
