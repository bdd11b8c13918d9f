"""The tables that accounts gained after the first: each a table of its own, so that a register made before them
gains them (``create_all``) without a migration, and an account with no row in them is as it always was (signed up
before verification existed: verified; no second factor).

- ``account_pending``: an account that cannot sign in yet, and why (``unverified``: signed up, email not yet
  confirmed; ``invited``: staff invited, password not yet chosen). No row: active.
- ``account_links``: the links mailed to people (verify, reset, invitation): only a SHA-256 hash of each token is
  kept, with its expiry and when it was used (each link works once).
- ``account_letters``: the account outbox (verification, reset, invitation and warning letters), sent by the mailer
  in the same pass as the register's own letters. A sent letter's body is blanked: its link is a secret.
- ``account_factors``: a staff account's TOTP secret (sealed under a key derived from the master key), when it was
  confirmed, and the last time step used (a code works once); ``account_recovery_codes``: keyed hashes of the ten
  recovery codes, each used once.
- ``account_challenges``: a sign-in half done (the password was right; the code is awaited), kept here and not in
  the session cookie, so that replaying an old cookie does not reset its count of wrong codes.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Integer, LargeBinary, String, Table, Text

from ledger.app.db import metadata

account_pending = Table(
    "account_pending",
    metadata,
    Column("account_id", String(32), primary_key=True),
    Column("reason", String(16), nullable=False),  # unverified | invited
    Column("since", DateTime(timezone=True), nullable=False),
)

account_links = Table(
    "account_links",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("account_id", String(32), nullable=False, index=True),
    Column("purpose", String(16), nullable=False),  # verify | reset | invitation
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=True),
)

account_letters = Table(
    "account_letters",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("to", String(254), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("body", Text, nullable=True),  # blanked once sent
    Column("status", String(16), nullable=False),  # queued | sending | sent | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("message_id", String(200), nullable=True),
    Column("error", String(500), nullable=True),
    Column("queued_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=True),
)

account_factors = Table(
    "account_factors",
    metadata,
    Column("account_id", String(32), primary_key=True),
    Column("secret", LargeBinary, nullable=False),  # nonce + AES-GCM of the base32 secret
    Column("confirmed_at", DateTime(timezone=True), nullable=True),  # NULL: set up begun, not confirmed
    Column("last_step", BigInteger, nullable=False, default=0),  # the last TOTP time step used
)

account_recovery_codes = Table(
    "account_recovery_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("account_id", String(32), nullable=False, index=True),
    Column("used_at", DateTime(timezone=True), nullable=True),
)

account_challenges = Table(
    "account_challenges",
    metadata,
    Column("id", String(64), primary_key=True),  # SHA-256 of the id the session holds
    Column("account_id", String(32), nullable=False),
    Column("wrong", Integer, nullable=False, default=0),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

account_forms_done = Table(
    "account_forms_done",
    metadata,
    Column("key_hash", String(64), primary_key=True),
    Column("done_at", DateTime(timezone=True), nullable=False),
)
"""The forms of the account pages that have acted (by a hash of their form key): the same form sent twice (a double
click, a resend after a lost answer) acts once. Kept a day."""
