"""The base of every aggregate here: stored topics that do not move when the code does.

A stored event names its class by a topic (``module:QualifiedName``) and the event store, backups, the transparency
log, status and issuance filters and the standalone verifier all read those topics. They are data, not code layout:
the library's explicit topics (``TOPIC`` on each aggregate and event class) keep them as the first wave wrote them
(``ledger.aggregates.registration:Registration.LevelAwarded``) wherever the modules live now.

Each aggregate declares its events as nested classes with typed fields (the stored state: their names and order are
data too), and applies each by a private method decorated with ``@event(TheClass)``. The library subclasses a declared
class to bind it to its method; the subclass is what ``Registration.LevelAwarded`` names, and it keeps the declared
class's qualified name, so its stored topic."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate

STORED_PACKAGE = "ledger.aggregates"  # where the aggregates lived when the first events were stored


def stored_topic(cls: type) -> str:
    """The topic stored for ``cls``: its module's last part under ``ledger.aggregates``, and its qualified name."""
    return f"{STORED_PACKAGE}.{cls.__module__.rpartition('.')[2]}:{cls.__qualname__}"


class LedgerAggregate(Aggregate):
    """An aggregate whose topic, and each of whose events' topics, is its stored name (see the module's docstring)."""

    class Event(Aggregate.Event):
        def __init_subclass__(cls, **kwargs: Any) -> None:
            cls.TOPIC = stored_topic(cls)  # type: ignore[attr-defined]  # the library reads TOPIC; its types omit it
            super().__init_subclass__(**kwargs)

    class Created(Event, Aggregate.Created):
        pass

    def __init_subclass__(cls, **kwargs: Any) -> None:
        cls.TOPIC = stored_topic(cls)  # type: ignore[attr-defined]  # as above
        super().__init_subclass__(**kwargs)
