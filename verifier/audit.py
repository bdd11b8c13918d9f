"""Check an audit bundle offline: every checkpoint's signature, the recorded leaves against every checkpoint, and
every event of the event store against the leaf the log recorded when it arrived. Anything changed, removed,
reordered or inserted is named: which event, or which checkpoint.

The bundle (``regledger audit export``): ``events.jsonl`` (one canonical JSON line per stored event), ``leaves.txt``
(``<index> <notification id> <leaf hash>`` as the log recorded them), ``checkpoints/*.txt`` (signed notes) and
``log.pub`` (the log's verifier key; pin your own copy with ``key=``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from verifier.checkpoint import Checkpoint, CheckpointError, open_checkpoint
from verifier.merkle import Tree, leaf_hash

MAX_PROBLEMS = 50


@dataclass
class AuditReport:
    events: int = 0
    leaves: int = 0
    checkpoints: list[Checkpoint] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems and bool(self.checkpoints)

    def problem(self, text: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)
        elif len(self.problems) == MAX_PROBLEMS:
            self.problems.append("... and more")

    def to_json(self) -> dict[str, object]:
        latest = self.checkpoints[-1] if self.checkpoints else None
        return {
            "valid": self.valid,
            "events": self.events,
            "leaves": self.leaves,
            "checkpoints": [{"size": c.size, "root": c.root.hex()} for c in self.checkpoints],
            "latest": {"size": latest.size, "root": latest.root.hex()} if latest else None,
            "problems": self.problems,
            "notes": self.notes,
        }


def _canonical(record: dict[str, object]) -> bytes:
    return json.dumps(record, separators=(",", ":"), sort_keys=True).encode("utf-8")


def verify_bundle(folder: str | Path, *, key: str | None = None, kept: str | None = None) -> AuditReport:
    """Check the bundle in ``folder``. ``key``: the log's verifier key you trust (default: the bundle's log.pub,
    which proves nothing against whoever made the bundle); ``kept``: a checkpoint you kept from before, which the
    log must still contain."""
    folder = Path(folder)
    report = AuditReport()
    try:
        if key is None:
            key = (folder / "log.pub").read_text().strip()
            report.notes.append("the log's key was taken from the bundle itself; pin your own copy with --key")
        recorded = _read_leaves(folder / "leaves.txt", report)
    except OSError as error:
        report.problem(f"the bundle cannot be read: {error}")
        return report
    tree = Tree(hash_ for _, _, hash_ in recorded)
    report.leaves = tree.size
    _check_checkpoints(folder, key, tree, report)
    if kept is not None:
        try:
            checkpoint = open_checkpoint(kept, key)
        except CheckpointError as error:
            report.problem(f"the checkpoint you kept: {error}")
        else:
            if checkpoint.size > tree.size or tree.root(checkpoint.size) != checkpoint.root:
                report.problem(
                    f"the log is not consistent with the checkpoint you kept (size {checkpoint.size}): "
                    "history was rewritten"
                )
    _check_events(folder / "events.jsonl", recorded, report)
    return report


def _read_leaves(path: Path, report: AuditReport) -> list[tuple[int, int, bytes]]:
    recorded = []
    with open(path) as lines:
        for number, line in enumerate(lines):
            parts = line.split()
            try:
                index, notification, hash_ = int(parts[0]), int(parts[1]), bytes.fromhex(parts[2])
                if len(parts) != 3 or len(hash_) != 32:
                    raise ValueError
            except (ValueError, IndexError):
                report.problem(f"leaves.txt line {number + 1} is not '<index> <notification id> <hash>'")
                continue
            if index != number:
                report.problem(f"leaves.txt line {number + 1} has index {index}: the leaves are not dense")
            recorded.append((index, notification, hash_))
    return recorded


def _check_checkpoints(folder: Path, key: str, tree: Tree, report: AuditReport) -> None:
    notes = sorted((folder / "checkpoints").glob("*.txt")) if (folder / "checkpoints").is_dir() else []
    if not notes:
        report.problem("the bundle has no checkpoint")
    for path in notes:
        try:
            checkpoint = open_checkpoint(path.read_text(), key)
        except (CheckpointError, OSError, UnicodeDecodeError) as error:
            report.problem(f"checkpoint {path.name}: {error}")
            continue
        if checkpoint.size > tree.size:
            report.problem(
                f"checkpoint {path.name} (size {checkpoint.size}) is beyond the {tree.size} leaves "
                "recorded: leaves were removed"
            )
        elif tree.root(checkpoint.size) != checkpoint.root:
            report.problem(
                f"checkpoint {path.name} (size {checkpoint.size}) does not match the recorded leaves: "
                "the log was altered"
            )
        report.checkpoints.append(checkpoint)
    report.checkpoints.sort(key=lambda c: c.size)
    if report.checkpoints and report.checkpoints[-1].size != tree.size:
        report.notes.append(f"the newest checkpoint covers {report.checkpoints[-1].size} of {tree.size} leaves")


def _check_events(path: Path, recorded: list[tuple[int, int, bytes]], report: AuditReport) -> None:
    by_notification = {notification: (index, hash_) for index, notification, hash_ in recorded}
    seen: dict[int, dict[str, object]] = {}
    changed: list[tuple[int, dict[str, object]]] = []
    previous = 0
    try:
        lines = open(path, "rb")
    except OSError as error:
        report.problem(f"events.jsonl cannot be read: {error}")
        return
    with lines:
        for number, line in enumerate(lines):
            report.events += 1
            try:
                record = json.loads(line)
                notification = record["n"]
                if not isinstance(notification, int) or not isinstance(record, dict):
                    raise TypeError
            except (ValueError, KeyError, TypeError):
                report.problem(f"events.jsonl line {number + 1} is not an event record")
                continue
            name = _name(record)
            if notification <= previous:
                report.problem(f"{name} is out of order (after notification {previous})")
            previous = max(previous, notification)
            if notification in seen:
                report.problem(f"{name} appears twice")
                continue
            seen[notification] = record
            expected = by_notification.get(notification)
            if expected is None:
                report.problem(f"{name} is not in the log: it was inserted after the fact")
                continue
            index, hash_ = expected
            if leaf_hash(_canonical({**record, "idx": index})) != hash_:
                changed.append((index, record))
    swapped = _swapped(changed, recorded)
    for index, record in changed:
        if index in swapped:
            report.problem(
                f"{_name(record)} holds what the log recorded for notification {swapped[index]}: "
                "two events were swapped"
            )
        else:
            report.problem(f"{_name(record)} was changed after it was recorded (log index {index})")
    for index, notification, _ in recorded:
        if notification not in seen:
            report.problem(f"notification {notification} (log index {index}) is missing: it was removed")


def _swapped(changed: list[tuple[int, dict[str, object]]], recorded: list[tuple[int, int, bytes]]) -> dict[int, int]:
    """Changed events whose content is what the log recorded for another changed event."""
    found = {}
    for index, record in changed:
        for other_index, _ in changed:
            content = leaf_hash(_canonical({**record, "idx": other_index}))
            if other_index != index and content == recorded[other_index][2]:
                found[index] = recorded[other_index][1]
    return found


def _name(record: dict[str, object]) -> str:
    return (
        f"event notification {record.get('n')} ({record.get('topic', '?')}, aggregate {record.get('id', '?')} "
        f"version {record.get('v', '?')})"
    )
