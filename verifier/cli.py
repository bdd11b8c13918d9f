"""``regverify TOKEN|FILE|URL --trust BUNDLE [--root ROOT | --trust-on-first-use] [--at TIME]
[--max-status-age HOURS] [--json]``: check a regledger credential offline; ``regverify presentation FILE --trust
BUNDLE [--nonce N] [--audience A]`` (or a ``vp+jwt`` given to the same command) checks a verifiable presentation
holding credentials (``verifier.presentation``), with the nonce and audience the verifier asked the holder for.
Exit status: 0 valid, 1 not valid, 2 could not run (no usable trust bundle, no root key to check it with,
unreadable file). Root keys are pinned per register (``verifier.pins``); ``regverify pins`` lists them and
``regverify pins --forget ISSUER`` unpins one."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from verifier import pins
from verifier.presentation import is_presentation, verify_presentation
from verifier.trust import RootNotPinned, Trust, TrustError, load_trust, parse_time
from verifier.verify import DEFAULT_MAX_STATUS_AGE, verify

EXIT_VALID, EXIT_NOT_VALID, EXIT_CANNOT_RUN = 0, 1, 2
MAX_INPUT_BYTES = 64 * 1024


def default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "regverify"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="regverify",
        description="Check a regledger credential offline: a credential file (.jwt), the text "
        "of a token, or a QR badge link. Exit status 0 valid, 1 not valid, 2 could not run.",
    )
    parser.add_argument(
        "credential",
        metavar="TOKEN|FILE|URL",
        help="the credential: a file, a token or a link ('-' reads standard input)",
    )
    parser.add_argument(
        "--trust",
        required=True,
        metavar="BUNDLE",
        help="the trust bundle file from the register ('regledger trust export')",
    )
    parser.add_argument(
        "--root",
        metavar="FILE",
        help="the register's root key (root.json, a JWK file) that signs "
        "its trust bundles; without it, the root key pinned for that register in the cache. Given, it is "
        "pinned for the register (replacing one pinned before)",
    )
    parser.add_argument(
        "--trust-on-first-use",
        action="store_true",
        help="with no --root and no root key pinned in the cache yet: take the root key the bundle "
        "carries and pin it in the cache (anyone can make a bundle carrying their own key: prefer "
        "--root)",
    )
    parser.add_argument(
        "--cache",
        metavar="DIR",
        default=None,
        help="where the pinned root keys and newest bundle numbers are kept, a folder per register "
        f"(default {default_cache()}; 'regverify pins' lists them)",
    )
    parser.add_argument(
        "--at", metavar="TIME", help="check as of this time (RFC 3339, e.g. 2026-05-01T12:00:00Z); default now"
    )
    parser.add_argument(
        "--max-status-age",
        metavar="HOURS",
        type=float,
        default=_hours(DEFAULT_MAX_STATUS_AGE),
        help="how old, in hours, the status lists may be for a credential to count as current; older, "
        "the status freshness check fails and the credential is not valid (default "
        f"{_hours(DEFAULT_MAX_STATUS_AGE):g} hours; 168 is 7 days)",
    )
    parser.add_argument(
        "--nonce",
        metavar="N",
        help="for a presentation: the nonce (challenge) you gave the holder; a presentation without it, or with "
        "another, is not valid",
    )
    parser.add_argument(
        "--audience",
        metavar="A",
        help="for a presentation: who it must be addressed to (its aud), as you told the holder",
    )
    parser.add_argument("--json", action="store_true", help="print every check as JSON")
    return parser


def _hours(age: timedelta) -> float:
    return age.total_seconds() / 3600


def _not_pinned(cache: Path, issuer: str | None) -> str:
    register = f"for {issuer} " if issuer else ""
    return (
        f"regverify: no root key is pinned {register}(none given with --root, none in {cache / 'root.json'}). "
        "Pass --root root.json, the register's root key ('regledger trust export --what root', or /root.json on "
        "the register's site, obtained in a way you trust); or pass --trust-on-first-use to take the root key "
        "this bundle carries and pin it for later runs."
    )


def _change(issuer: str | None) -> str:
    return f"pass --root with the register's root key, or forget it with 'regverify pins --forget {issuer}'"


def _pinned_now(trust: Trust, cache: Path) -> str:
    where = cache / "root.json"
    return (
        f"regverify: trusted on first use: pinned the root key {trust.root_kid} (its RFC 7638 thumbprint), "
        f"which this bundle carries, for {trust.issuer} in {where}. Bundles of that register signed by any other "
        f"root key will now be refused. To change it, {_change(trust.issuer)}."
    )


def _root_used(trust: Trust, cache: Path | None, given: str | None, before: str | None) -> str | None:
    """Which root key checked the bundle and where it came from (None when trust on first use said so)."""
    if trust.pinned_on_first_use:
        return None
    where = cache / "root.json" if cache is not None else None
    if given is None:
        return (
            f"regverify: checked the trust bundle of {trust.issuer} against the root key {trust.root_kid} pinned "
            f"in {where}; to change it, {_change(trust.issuer)}."
        )
    if where is None or before == trust.root_kid:
        return None
    if before is None:
        return f"regverify: pinned the root key {trust.root_kid} from {given} for {trust.issuer} in {where}."
    return (
        f"regverify: replaced the root key {before} pinned for {trust.issuer} in {where} with {trust.root_kid} "
        f"from {given}."
    )


def _read_text(path: str, what: str) -> str:
    if path == "-":
        return sys.stdin.read(MAX_INPUT_BYTES + 1)
    file = Path(path)
    if file.stat().st_size > 2 * 1024 * 1024:
        raise OSError(f"the {what} file {path} is too large")
    return file.read_text(encoding="utf-8", errors="replace")


def _is_file(given: str) -> bool:
    if given.startswith(("http://", "https://", "data:")) or len(given) > 1024:
        return False
    try:
        return Path(given).is_file()
    except OSError:
        return False


def audit_main(argv: list[str]) -> int:
    """``regverify audit DIR [--key FILE] [--kept FILE] [--json]``."""
    from verifier.audit import verify_bundle

    parser = argparse.ArgumentParser(
        prog="regverify audit",
        description="Check a regledger audit bundle offline: "
        "checkpoint signatures, every leaf, the tree heads, and every event. Exit "
        "status 0 consistent, 1 not, 2 could not run.",
    )
    parser.add_argument("bundle", metavar="DIR", help="the directory 'regledger audit export' wrote")
    parser.add_argument(
        "--key", metavar="FILE", help="the log's verifier key you trust (default: the bundle's log.pub)"
    )
    parser.add_argument("--kept", metavar="FILE", help="a checkpoint you kept earlier: the log must still hold it")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--digest",
        action="store_true",
        help="also derive the register from the events and print "
        "its digest, to compare with what the register shows ('regledger register --digest')",
    )
    args = parser.parse_args(argv)
    if not Path(args.bundle).is_dir():
        print(f"regverify: {args.bundle} is not a directory", file=sys.stderr)
        return EXIT_CANNOT_RUN
    try:
        key = Path(args.key).read_text().strip() if args.key else None
        kept = Path(args.kept).read_text() if args.kept else None
    except OSError as error:
        print(f"regverify: {error}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    report = verify_bundle(args.bundle, key=key, kept=kept)
    digest = None
    if args.digest:
        from verifier.register import derive_register, register_digest

        register = derive_register(args.bundle)
        digest = {"digest": register_digest(register), "registrations": len(register)}
    if args.json:
        print(json.dumps({**report.to_json(), **({"register": digest} if digest else {})}, indent=2))
    else:
        for note in report.notes:
            print(f"Note: {note}.", file=sys.stderr)
        if report.valid:
            latest = report.checkpoints[-1]
            print(
                f"Consistent: {report.events} events match the {report.leaves} leaves of the log, and "
                f"{len(report.checkpoints)} signed checkpoint(s) hold (latest: size {latest.size}, root "
                f"{latest.root.hex()})."
            )
        else:
            print("Not consistent:")
            for problem in report.problems:
                print(f"  {problem}")
        if digest:
            print(
                f"The register these events produce: {digest['registrations']} registrations, digest {digest['digest']}"
            )
    return EXIT_VALID if report.valid else EXIT_NOT_VALID


def _whose(error: str, cache: Path | None, issuer: str | None, given: str | None) -> str:
    """After "not the pinned root key": whose key that was, and how to change it."""
    if "not the pinned root key" not in error or not issuer:
        return ""
    if given is not None:
        return f" (the root key given with --root {given})"
    return (
        f" (the root key pinned for {issuer} in {cache / 'root.json' if cache else 'the cache'}). If the register "
        f"really changed its root key, get its new root.json in a way you trust and {_change(issuer)}"
    )


def pins_main(argv: list[str]) -> int:
    """``regverify pins [--forget ISSUER] [--cache DIR] [--json]``."""
    parser = argparse.ArgumentParser(
        prog="regverify pins",
        description="The root keys pinned, one per register (by the issuer its bundles name); --forget unpins one, "
        "so that the next check needs --root (or --trust-on-first-use) again.",
    )
    parser.add_argument("--forget", metavar="ISSUER", help="unpin this register's root key and bundle number")
    parser.add_argument("--cache", metavar="DIR", default=None, help=f"the cache (default {default_cache()})")
    parser.add_argument("--json", action="store_true", help="print the pins as JSON")
    args = parser.parse_args(argv)
    base = Path(args.cache) if args.cache else default_cache()
    if args.forget:
        removed = pins.forget(base, args.forget)
        if removed is None:
            print(f"regverify: no root key is pinned for {args.forget} in {base}", file=sys.stderr)
            return EXIT_NOT_VALID
        print(f"Forgot the root key pinned for {args.forget} (removed {removed}).")
        return EXIT_VALID
    found = pins.pins(base)
    if args.json:
        print(
            json.dumps(
                [
                    {"issuer": p.issuer, "root_kid": p.root_kid, "sequence": p.sequence, "file": str(p.root_file)}
                    for p in found
                ],
                indent=2,
            )
        )
        return EXIT_VALID
    if not found:
        print(f"No root key is pinned in {base}.")
    for pin in found:
        print(f"{pin.issuer}: root key {pin.root_kid}, newest bundle {pin.sequence}, in {pin.root_file}")
    if (base / "root.json").is_file():
        print(f"{base / 'root.json'}: pinned by an earlier regverify, moved to its register's folder when next used")
    return EXIT_VALID


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["audit"]:
        return audit_main(argv[1:])
    if argv[:1] == ["pins"]:
        return pins_main(argv[1:])
    as_presentation = argv[:1] == ["presentation"]
    args = _parser().parse_args(argv[1:] if as_presentation else argv)
    try:
        at = parse_time(args.at, "--at") if args.at else datetime.now(UTC)
    except ValueError as error:
        print(f"regverify: {error} (for example 2026-05-01T12:00:00Z)", file=sys.stderr)
        return EXIT_CANNOT_RUN
    try:
        bundle = _read_text(args.trust, "trust bundle")
        root = json.loads(_read_text(args.root, "root key")) if args.root else None
    except (OSError, ValueError) as error:
        print(f"regverify: cannot read the trust bundle or root key: {error}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    max_status_age = args.max_status_age
    if not 0 < max_status_age <= 24 * 366 * 100:  # also refuses nan
        print("regverify: --max-status-age is a number of hours greater than 0 (for example 24)", file=sys.stderr)
        return EXIT_CANNOT_RUN
    base = Path(args.cache) if args.cache else default_cache()
    issuer, signed_by = pins.claimed(bundle)
    try:
        cache, moved = pins.prepare(base, issuer, signed_by) if issuer else (None, None)
        before = pins.pinned_kid(cache) if cache is not None else None
        trust = load_trust(bundle, root=root, cache_dir=cache, trust_on_first_use=args.trust_on_first_use, at=at)
        if cache is not None:
            pins.record_issuer(cache, trust.issuer)
            if root is not None and before not in (None, trust.root_kid):
                pins.replace_root(cache, root)
    except RootNotPinned:
        print(_not_pinned(cache or base, issuer), file=sys.stderr)
        return EXIT_CANNOT_RUN
    except TrustError as error:
        print(f"regverify: {error}{_whose(str(error), cache, issuer, args.root)}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    except OSError as error:
        print(f"regverify: cannot keep the pinned root key and bundle number in {base}: {error}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    if moved:
        print(f"regverify: {moved}.", file=sys.stderr)
    if trust.pinned_on_first_use:
        print(_pinned_now(trust, cache or base), file=sys.stderr)
    elif (used := _root_used(trust, cache, args.root, before)) is not None:
        print(used, file=sys.stderr)
    given = args.credential
    token = given
    if given == "-" or _is_file(given):
        try:
            token = _read_text(given, "credential")
        except OSError as error:
            print(f"regverify: cannot read {given}: {error}", file=sys.stderr)
            return EXIT_CANNOT_RUN
    if as_presentation or is_presentation(token) or args.nonce is not None or args.audience is not None:
        return _presentation(token, trust, at, args, timedelta(hours=max_status_age))
    result = verify(token, trust, at, max_status_age=timedelta(hours=max_status_age))
    if args.json:
        print(
            json.dumps(
                {
                    **result.to_json(),
                    "trust": {
                        "issuer": trust.issuer,
                        "root": {
                            "kid": trust.root_kid,
                            "from": "the bundle (trusted on first use)"
                            if trust.pinned_on_first_use
                            else ("--root " + args.root if args.root else "the pin"),
                            "pinned_in": str(cache / "root.json") if cache is not None else None,
                        },
                        "sequence": trust.sequence,
                        "made_at": trust.made_at.isoformat() if trust.made_at else None,
                        "notes": trust.notes,
                    },
                },
                indent=2,
            )
        )
    else:
        for note in trust.notes[1:] if trust.pinned_on_first_use else trust.notes:  # the first: said above
            print(f"Note: {note}.", file=sys.stderr)
        print(result.summary)
        if not result.valid:
            for check in result.checks:
                if check.outcome == "fail":
                    print(f"  {check.name}: {check.reason}")
    return EXIT_VALID if result.valid else EXIT_NOT_VALID


def _presentation(token: str, trust: Trust, at: datetime, args: argparse.Namespace, max_status_age: timedelta) -> int:
    """A presentation's verdict, printed as the credential's is (the same exit statuses)."""
    result = verify_presentation(
        token, trust, at, nonce=args.nonce, audience=args.audience, max_status_age=max_status_age
    )
    if args.json:
        print(json.dumps({**result.to_json(), "trust": {"issuer": trust.issuer, "root": trust.root_kid}}, indent=2))
    else:
        for note in trust.notes[1:] if trust.pinned_on_first_use else trust.notes:
            print(f"Note: {note}.", file=sys.stderr)
        print(result.summary)
        for check in result.checks:
            if check.outcome == "fail" or (check.name == "holder binding" and check.outcome == "not checked"):
                print(f"  {check.name}: {check.reason}")
    return EXIT_VALID if result.valid else EXIT_NOT_VALID


if __name__ == "__main__":
    raise SystemExit(main())
