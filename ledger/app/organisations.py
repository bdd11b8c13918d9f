"""Organisations (employers and clients) and the registrants who choose to link to them.

The registrar (or an admin) registers an organisation with its name and contact email; it gets a public code
(``ORG-`` and six letters and digits, none that look alike) that registrants type to link, or they find it by name.
An admin gives it accounts (role ``organisation``, the organisation named in ``account_organisations``): invited
like staff, by a letter with a link to choose a password.

A registrant links only their own registration (the pages and routes pass the signed-in registrant) and only to an
open organisation; a second link to the same organisation, or an unlink where there is no link, is refused by name.
What the organisation sees of a linked person is what the public register shows for an exact registration number:
name, number, level, status, valid until; never background answers (they are sealed and read only by the
statistics projection). An erased registrant drops out of every organisation's list when it is read.

Reads go to the aggregates (``Organisation.members``, ``OrganisationLink.organisations``), not a projection: each
list is one aggregate read and is current the moment a link is saved. The next pieces (suppressed analyses for the
linked, status letters, signed webhooks) read the same two aggregates: see ``ledger.domain.aggregates.organisation``.
"""

from __future__ import annotations

import base64
import ipaddress
import re
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from ledger.app.wiring import LedgerBase, _name, _text, command
from ledger.domain.aggregates import Organisation, OrganisationLink, Registrant
from ledger.domain.errors import InvalidInput, NotFound, RuleBroken

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no I, L, O, U, 0, 1: nothing read as another
CODE_LENGTH = 6
_CODE = re.compile(r"^\s*ORG[\s-]*([A-Z0-9]{6})\s*$", re.IGNORECASE)
MAX_REASON = 500
MAX_WEBHOOK_URL = 2000
SECRET_PREFIX = "whsec_"  # Standard Webhooks 1.0: the secret is "whsec_" and base64 of 24 to 64 random bytes
SECRET_BYTES = 32
LOOPBACK_FOR_TESTS = "127.0.0.1"


def parse_code(text: str) -> str | None:
    """The canonical code (``ORG-ABC234``) if ``text`` looks like one, else None (it may be a name)."""
    match = _CODE.match(text or "")
    return f"ORG-{match.group(1).upper()}" if match else None


def address_allowed(address: str, allow_loopback: bool) -> bool:
    """Whether a webhook may be sent to this IP address: only one on the public internet (never a private, loopback,
    link-local, shared, reserved or multicast one, which would let an organisation make the register call into its
    own network), or 127.0.0.1 when the test setting allows it."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if allow_loopback and str(ip) == LOOPBACK_FOR_TESTS:
        return True
    return ip.is_global and not ip.is_multicast


def check_webhook_url(url: Any, allow_http_localhost: bool = False) -> str:
    """The webhook address as given, once it is an ``https://`` URL with a host and nothing hidden in it; a refusal
    names the field ``url``. An address written as an IP must be a public one; a name is resolved, and its addresses
    checked, at each delivery (``ledger.processes.webhooks``), since what a name points to can change after it is
    set. ``allow_http_localhost`` (``REGLEDGER_WEBHOOK_ALLOW_HTTP_LOCALHOST``, for tests) lets ``http://127.0.0.1``
    through."""
    if not isinstance(url, str) or not url.strip():
        raise InvalidInput("url", "enter the address to send status changes to, starting https://")
    text = url.strip()
    if len(text) > MAX_WEBHOOK_URL:
        raise InvalidInput("url", f"the address is {len(text)} characters long; it can be at most {MAX_WEBHOOK_URL}")
    if any(c.isspace() or not c.isprintable() for c in text):
        raise InvalidInput("url", "the address must not contain spaces or invisible characters")
    try:
        parts = urlsplit(text)
        host, port = parts.hostname, parts.port
    except ValueError as error:
        raise InvalidInput("url", f"the address is not a valid URL ({error})") from None
    local_test = allow_http_localhost and host == LOOPBACK_FOR_TESTS
    if parts.scheme.lower() != "https" and not (local_test and parts.scheme.lower() == "http"):
        raise InvalidInput("url", "the address must start with https:// (deliveries are only sent encrypted)")
    if not host:
        raise InvalidInput(
            "url", "the address has no host name: it should look like https://hooks.example.com/regledger"
        )
    if parts.username is not None or parts.password is not None:
        raise InvalidInput("url", "the address must not hold a user name or password: each delivery is signed instead")
    if parts.fragment:
        raise InvalidInput("url", "the address must not have a #fragment: it is never sent to the server")
    if port == 0:
        raise InvalidInput("url", "the address's port must be between 1 and 65535")
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None and not address_allowed(str(literal), allow_http_localhost):
        raise InvalidInput(
            "url", f"{host} is a private, loopback or reserved address: deliveries go only to the public internet"
        )
    return text


def new_webhook_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


class Organisations(LedgerBase):
    # -- the registrar's
    @command
    def register_organisation(self, name: str, contact_email: str, by: str) -> UUID:
        """A new organisation with a fresh random code (a clash with an existing code loses the save, and the
        command runs again with another)."""
        checked_name = _name("name", name)
        email = self._check_email(contact_email)
        code = "ORG-" + "".join(self.rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        organisation_id = Organisation.id_for(code)
        if self._exists(organisation_id):
            raise RuleBroken("a new organisation's code clashed with another's; try again")
        self.vault.create_key(organisation_id)
        organisation = Organisation(
            code=code,
            name=checked_name,
            contact_email=self.vault.seal(organisation_id, email),
            by=by,
            occurred_at=self._now(),
        )
        assert organisation.id == organisation_id
        self._commit(organisation)
        return organisation.id

    @command
    def rename_organisation(self, organisation_id: UUID, name: str, by: str) -> None:
        organisation = self.organisation(organisation_id)
        organisation.rename(_name("name", name), by, occurred_at=self._now())
        self._commit(organisation)

    @command
    def close_organisation(self, organisation_id: UUID, reason: str, by: str) -> None:
        """No one can link to it any more, and its accounts act no more; the people linked stay linked (their own
        pages show it closed, and they can unlink)."""
        organisation = self.organisation(organisation_id)
        organisation.close(_text("reason", reason, max_length=MAX_REASON), by, occurred_at=self._now())
        self._commit(organisation)

        def disable_accounts() -> None:
            from ledger.app.accounts import Accounts

            accounts = Accounts(self.engine)
            for account in accounts.of_organisation(organisation_id):
                accounts.disable(account.email)

        self._after_save(disable_accounts)

    def organisation(self, organisation_id: UUID) -> Organisation:
        return self._get(Organisation, organisation_id, "organisation")

    def organisation_by_code(self, code: str) -> Organisation:
        canonical = parse_code(code)
        if canonical is None:
            raise InvalidInput("organisation", f"{code!r} is not an organisation code: they look like ORG-ABC234")
        try:
            return self._get(Organisation, Organisation.id_for(canonical), "organisation")
        except NotFound:
            raise NotFound(f"no organisation has the code {canonical}") from None

    def all_organisations(self) -> list[Organisation]:
        """Every organisation ever registered, by name (there are few: each is registered by hand)."""
        found = [self.organisation(e.originator_id) for e in self.events_of(Organisation.Registered)]
        return sorted(found, key=lambda o: (o.name.casefold(), o.code))

    def find_organisations(self, query: str) -> list[Organisation]:
        """Open organisations whose name contains ``query`` (any case), or the one with that code."""
        text = _text("organisation", query, max_length=200)
        code = parse_code(text)
        if code is not None:
            return [self.organisation_by_code(code)]
        wanted = " ".join(text.casefold().split())
        return [o for o in self.all_organisations() if o.open and wanted in " ".join(o.name.casefold().split())]

    def contact_email(self, organisation: Organisation) -> str | None:
        return self.vault.open(organisation.contact_email)

    # -- the organisation's webhook
    @command
    def set_webhook(self, organisation_id: UUID, url: str, by: str) -> str:
        """Status changes of the organisation's linked people are posted to ``url`` as well as written to its
        contact. Returns the new signing secret (Standard Webhooks' ``whsec_...``), which is shown this once: it is
        kept only sealed under the organisation's own key, and a new one replaces the old (so setting the address
        again is also how a leaked secret is changed)."""
        checked = check_webhook_url(url, self.settings.webhook_allow_http_localhost)
        organisation = self.organisation(organisation_id)
        secret = new_webhook_secret()
        organisation.set_webhook(checked, self.vault.seal(organisation_id, secret), by, occurred_at=self._now())
        self._commit(organisation)
        return secret

    @command
    def remove_webhook(self, organisation_id: UUID, by: str) -> None:
        """No more deliveries; those waiting are given up when the sender next looks."""
        organisation = self.organisation(organisation_id)
        organisation.remove_webhook(by, occurred_at=self._now())
        self._commit(organisation)

    def webhook_secret(self, organisation: Organisation) -> bytes | None:
        """The key deliveries are signed with (the secret's bytes after ``whsec_``), or None if there is no
        webhook."""
        secret = self.vault.open(organisation.webhook_secret)
        if secret is None:
            return None
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX))

    # -- the registrant's
    def _chosen(self, organisation: str) -> Organisation:
        """The organisation a registrant typed: its code, or a name (or part of one) only one open organisation
        has."""
        try:
            found = self.find_organisations(organisation)
        except NotFound as error:  # a code no organisation has: the field typed is what is wrong
            raise InvalidInput("organisation", str(error)) from None
        if not found:
            raise InvalidInput("organisation", f"no open organisation is called {organisation.strip()!r}")
        if len(found) > 1:
            names = ", ".join(f"{o.name} ({o.code})" for o in found[:5])
            raise InvalidInput(
                "organisation", f"{len(found)} organisations match: {names}; type the code you were given"
            )
        return found[0]

    @command
    def link_organisation(self, registrant_id: UUID, organisation: str) -> UUID:
        """The registrant lets the organisation (by code or name) see their public register facts."""
        chosen = self._chosen(organisation)
        registrant = self._get(Registrant, registrant_id, "registrant")
        if registrant.erased:
            raise RuleBroken("this registrant's personal data was erased; the record can no longer change")
        registration = self._registration_of(registrant_id)
        if registration is None or registration.status is None:
            raise RuleBroken("you hold no registration yet: an organisation can be linked once you are registered")
        now = self._now()
        links = self._links_of(registrant_id)
        if links is None:
            links = OrganisationLink(registrant_id=registrant_id, occurred_at=now)
        links.link(chosen.id, f"{chosen.name} ({chosen.code})", occurred_at=now)
        chosen.admit(registrant_id, occurred_at=now)
        self._commit(links, chosen)
        return chosen.id

    @command
    def unlink_organisation(self, registrant_id: UUID, organisation_id: UUID, by: str) -> None:
        """The registrant takes their link back (from a closed organisation too); it sees them no more."""
        organisation = self.organisation(organisation_id)
        links = self._links_of(registrant_id)
        name = f"{organisation.name} ({organisation.code})"
        if links is None:
            raise RuleBroken(f"you are not linked to {name}")
        now = self._now()
        links.unlink(organisation_id, name, by, occurred_at=now)
        organisation.release(registrant_id, by, occurred_at=now)
        self._commit(links, organisation)

    def _links_of(self, registrant_id: UUID) -> OrganisationLink | None:
        try:
            return self._get(OrganisationLink, OrganisationLink.id_for(registrant_id), "organisation links")
        except NotFound:
            return None

    def organisations_of(self, registrant_id: UUID) -> list[dict[str, Any]]:
        """The organisations a registrant is linked to, with since when, oldest link first."""
        links = self._links_of(registrant_id)
        if links is None:
            return []
        found = []
        for organisation_id, since in sorted(links.organisations.items(), key=lambda item: item[1]):
            organisation = self.organisation(organisation_id)
            found.append(
                {
                    "id": str(organisation.id),
                    "code": organisation.code,
                    "name": organisation.name,
                    "open": organisation.open,
                    "linked_at": since.isoformat(),
                }
            )
        return found

    # -- the organisation's
    def organisation_people(self, organisation_id: UUID) -> list[dict[str, Any]]:
        """The people linked to the organisation, with the public register's facts only (name, number, level,
        status, valid until) and when each linked (themselves: only a registrant links); erased people are left
        out. By name."""
        organisation = self.organisation(organisation_id)
        people = []
        for registrant_id, since in organisation.members.items():
            registrant = self._get(Registrant, registrant_id, "registrant")
            registration = self._registration_of(registrant_id)
            name = None if registrant.erased else self.vault.open(registrant.name)
            if name is None or registration is None:
                continue
            people.append(
                {
                    "registration_number": registration.number,
                    "name": name,
                    "level": registration.level,
                    "status": registration.status,
                    "valid_until": registration.valid_until.isoformat() if registration.valid_until else None,
                    "linked_at": since.isoformat(),
                    "linked_by": "themselves",
                }
            )
        return sorted(people, key=lambda p: (p["name"].casefold(), p["registration_number"]))

    def invite_organisation_account(self, organisation_id: UUID, email: str) -> tuple[str, str]:
        """An account for the organisation, that signs in once its holder takes up the invitation mailed to them
        (as staff are invited: a link that works once). Returns (account id, the link)."""
        import secrets

        from ledger.app import account_links as links
        from ledger.app.account_letters import queue_letter
        from ledger.app.accounts import Accounts

        organisation = self.organisation(organisation_id)
        if not organisation.open:
            raise RuleBroken(f"the organisation {organisation.name} ({organisation.code}) is closed")
        address = self._check_email(email)
        account = Accounts(self.engine).add(
            address, secrets.token_urlsafe(32), "organisation", organisation_id=organisation_id, pending="invited"
        )
        lifetime = timedelta(days=self.settings.invitation_days)
        with self.engine.begin() as conn:
            token = links.issue(conn, account.id, "invitation", lifetime)
            url = f"{self.settings.issuer_url.rstrip('/')}/invitation?token={token}"
            queue_letter(
                conn,
                "invitation",
                account.email,
                f"You are invited to {self.settings.issuer_name}",
                f"You have been given an account at {self.settings.issuer_name} for {organisation.name}: you will "
                "see the registration of each person who chooses to link to your organisation, and can check "
                f"registration numbers in bulk.\n\nChoose your password here (the link works once, for "
                f"{self.settings.invitation_days} days):\n{url}",
            )
        return account.id, url
