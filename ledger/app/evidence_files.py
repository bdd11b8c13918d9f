"""Evidence files: a registrant attaches files to a competency area of their application (while evidence can be
added) and removes them before it is submitted; the people allowed by the web layer read them back.

A file's content is checked by its own bytes (``ledger.app.evidence_content``), sealed with the registrant's data
key and stored apart from the events (``ledger.app.blobs``), under a keyed digest of the content (HMAC-SHA-256 under
a key derived from the master key, with the owner: no plain hash of a person's document is kept anywhere); the event
(``Application.FileAttached``) records the area, that digest, the address, the name (sealed too), the media type and
the size. Erasure shreds the key, so every copy of the content is unreadable, and removes the owner's folder.

Limits are settings: ``evidence_max_mb`` a file, ``evidence_max_files`` and ``evidence_max_total_mb`` an
application (counting the files it holds now)."""

from __future__ import annotations

import functools
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from eventsourcing.application import AggregateNotFoundError

from ledger.app.blobs import BlobStore, address_for
from ledger.app.evidence_content import checked_file, size_in_words
from ledger.app.vault import Shredded
from ledger.app.wiring import LedgerBase, command
from ledger.domain.aggregates import Application, Registrant
from ledger.domain.errors import InvalidInput, NotFound, RuleBroken
from ledger.domain.sealed import Sealed

MB = 1024 * 1024


class FileGone(NotFound):
    """The file was attached, but its content can no longer be read: its owner was erased, or it is not stored."""


@dataclass(frozen=True)
class EvidenceFile:
    id: UUID
    application_id: UUID
    area: str
    name: str
    media_type: str
    content: bytes


class EvidenceFiles(LedgerBase):
    @functools.cached_property
    def blobs(self) -> BlobStore:
        return BlobStore(self.settings.evidence_path)

    @functools.cached_property
    def _evidence_key(self) -> bytes:
        return HKDF(hashes.SHA256(), 32, salt=None, info=b"regledger evidence digests").derive(self.master_key)

    def evidence_digest(self, owner: UUID, content: bytes) -> str:
        """The keyed digest that addresses ``owner``'s ``content``: the same for the same file, and telling nothing
        to anyone without the master key."""
        return hmac.new(self._evidence_key, owner.bytes + content, hashlib.sha256).hexdigest()

    @command
    def attach_file(self, application_id: UUID, area: str, name: str, content: bytes) -> UUID:
        """Attach a file to the application as evidence for ``area``; returns the file's id. Nothing is stored when
        it is refused (too large, a kind not taken, too many files, the application past the point of adding)."""
        application = self._get(Application, application_id, "application")
        settings = self.settings
        if len(content) > settings.evidence_max_mb * MB:
            raise InvalidInput(
                "file",
                f"the file is {size_in_words(len(content))}; a file may be at most {settings.evidence_max_mb} MB",
            )
        cleaned, kind = checked_file(name, content)
        held = list(application.files.values())
        if len(held) >= settings.evidence_max_files:
            raise InvalidInput(
                "file", f"an application holds at most {settings.evidence_max_files} files: remove one first"
            )
        total = sum(int(f["size"]) for f in held) + len(content)
        if total > settings.evidence_max_total_mb * MB:
            raise InvalidInput(
                "file",
                f"the application's files would come to {size_in_words(total)}; they may come to at most "
                f"{settings.evidence_max_total_mb} MB in all",
            )
        owner = application.registrant_id
        digest = self.evidence_digest(owner, content)
        for held_file in held:
            if held_file["digest"] == digest and held_file["area"] == area:
                raise InvalidInput("file", f"this file is already attached for area {area}")
        address = address_for(owner, digest)
        file_id = self._new_id()
        application.attach_file(
            file_id,
            area,
            digest,
            address,
            self._seal(owner, "name", cleaned),
            kind.media_type,
            len(content),
            [a.code for a in self.framework.required_areas(application.level)],
            occurred_at=self._now(),
        )
        if not self.blobs.has(address):  # the same file, sent before by the same person, is stored once
            try:
                sealed = self.vault.seal_bytes(owner, content)
            except Shredded as error:
                raise RuleBroken(str(error)) from None
            self.blobs.put(address, sealed.blob)
        self._commit(application)
        return file_id

    @command
    def remove_file(self, application_id: UUID, file_id: UUID) -> None:
        """Remove a file from a draft application; its content goes too unless another of the registrant's files
        is the same content."""
        application = self._get(Application, application_id, "application")
        found = application.files.get(file_id)
        application.remove_file(file_id, occurred_at=self._now())
        self._commit(application)
        if found is not None:
            owner, address = application.registrant_id, str(found["address"])
            self._after_save(lambda: self._forget_unless_used(owner, address))

    def _forget_unless_used(self, owner: UUID, address: str) -> None:
        try:
            registrant: Any = self.repository.get(owner)
        except AggregateNotFoundError:
            return
        if not isinstance(registrant, Registrant):
            return
        for application_id in registrant.applications:
            application: Any = self.repository.get(application_id)
            if any(f["address"] == address for f in application.files.values()):
                return
        self.blobs.delete(address)

    def evidence_file(self, application_id: UUID, file_id: UUID) -> EvidenceFile:
        """A file with its content, for a caller the web layer has already authorised. ``NotFound`` if the
        application has no such file (or it was removed); ``FileGone`` if its content cannot be read any more."""
        application = self._get(Application, application_id, "application")
        found = application.files.get(file_id)
        if found is None:
            raise NotFound(f"no file {file_id} in application {application_id}")
        owner = application.registrant_id
        name = self.vault.open(found["name"])
        stored = self.blobs.get(str(found["address"]))
        if name is None or stored is None:
            raise FileGone("this file can no longer be read: its owner's personal data was erased, or it was removed")
        content = self.vault.open_bytes(Sealed(owner, stored))
        if content is None or not hmac.compare_digest(self.evidence_digest(owner, content), str(found["digest"])):
            raise FileGone("this file's stored content does not match what was attached: it cannot be given out")
        return EvidenceFile(file_id, application_id, str(found["area"]), name, str(found["media_type"]), content)

    def forget_evidence_of(self, owner: UUID) -> None:
        """Remove every stored content of ``owner`` (their erasure: the key that sealed them is shredded too)."""
        self.blobs.delete_owner(owner)
