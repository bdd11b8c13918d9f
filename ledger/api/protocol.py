"""The HTTP protocol ``regledger serve`` runs: uvicorn's h11 protocol with a bound on the time a client may take to
send a request's headers. uvicorn arms no timer before the first request of a connection, so a client that sends
its headers a byte at a time (slowloris) could hold a connection, and a worker's file descriptors, for ever."""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_SECONDS = 10.0


class BoundedHeaders(H11Protocol):
    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._waiting_for_request() and self._header_timer is None:
            self._arm()  # a kept-alive connection starting its next request
        super().data_received(data)
        if not self._waiting_for_request():
            self._disarm()  # the headers are in: the application has the request

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _waiting_for_request(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(HEADER_SECONDS, self._too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _too_slow(self) -> None:
        self._header_timer = None
        if self._waiting_for_request() and not self.transport.is_closing():
            self.transport.close()
