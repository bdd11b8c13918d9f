"""RFC 9162 (Certificate Transparency 2.0, section 2.1) Merkle trees over SHA-256: leaf and node hashes, the tree
head, inclusion and consistency proofs and their verification. The same code builds the register's transparency
log and checks an audit bundle offline."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


class ProofError(ValueError):
    """A proof that does not hold; the message says why."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _largest_power_of_two_below(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


class Tree:
    """A tree over leaf hashes, every level kept, so that roots of prefixes and proofs are cheap. A level's last
    node without a sibling is carried up unchanged, which gives RFC 9162's tree (split at the largest power of two
    below the size)."""

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self.levels: list[list[bytes]] = [list(leaf_hashes)]
        self._build()

    def _build(self) -> None:
        levels = self.levels
        del levels[1:]
        while len(levels[-1]) > 1:
            below = levels[-1]
            above = [node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)]
            if len(below) % 2:
                above.append(below[-1])
            levels.append(above)

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def root(self, size: int | None = None) -> bytes:
        """The tree head of the first ``size`` leaves (all of them by default)."""
        size = self.size if size is None else size
        if not 0 <= size <= self.size:
            raise ValueError(f"the tree has {self.size} leaves, not {size}")
        if size == 0:
            return EMPTY_ROOT
        return self._subtree(0, size)

    def _subtree(self, start: int, end: int) -> bytes:
        """MTH of leaves[start:end]; an aligned power-of-two range is read from the levels."""
        n = end - start
        if n & (n - 1) == 0 and start % n == 0 and end <= self.size:  # a whole aligned subtree: kept in the levels
            level = n.bit_length() - 1
            return self.levels[level][start >> level]
        k = _largest_power_of_two_below(n)
        return node_hash(self._subtree(start, start + k), self._subtree(start + k, end))

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """The audit path of leaf ``index`` in the tree of the first ``size`` leaves (RFC 9162 2.1.3.1)."""
        size = self.size if size is None else size
        if not 0 <= index < size <= self.size:
            raise ValueError(f"no leaf {index} in a tree of {size}")
        return self._path(index, 0, size)

    def _path(self, m: int, start: int, end: int) -> list[bytes]:
        n = end - start
        if n == 1:
            return []
        k = _largest_power_of_two_below(n)
        if m < k:
            return self._path(m, start, start + k) + [self._subtree(start + k, end)]
        return self._path(m - k, start + k, end) + [self._subtree(start, start + k)]

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """The proof that the tree of ``old_size`` leaves is a prefix of that of ``new_size`` (RFC 9162 2.1.4.1)."""
        new_size = self.size if new_size is None else new_size
        if not 0 <= old_size <= new_size <= self.size:
            raise ValueError(f"no consistency between sizes {old_size} and {new_size} of a tree of {self.size}")
        if old_size == 0 or old_size == new_size:
            return []
        return self._subproof(old_size, 0, new_size, True)

    def _subproof(self, m: int, start: int, end: int, whole: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if whole else [self._subtree(start, end)]
        k = _largest_power_of_two_below(n)
        if m <= k:
            return self._subproof(m, start, start + k, whole) + [self._subtree(start + k, end)]
        return self._subproof(m - k, start + k, end, False) + [self._subtree(start, start + k)]


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """RFC 9162 2.1.3.2; raises ProofError unless ``leaf`` (a leaf hash) is at ``index`` in the tree ``root``."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of {size}")
    if any(len(p) != HASH_SIZE for p in proof) or len(leaf) != HASH_SIZE or len(root) != HASH_SIZE:
        raise ProofError("a hash in the proof is not 32 bytes")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("the inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the inclusion proof is shorter than the tree is deep")
    if r != root:
        raise ProofError("the inclusion proof leads to another root")


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> None:
    """RFC 9162 2.1.4.2; raises ProofError unless the tree ``old_root`` of ``old_size`` leaves is a prefix of the
    tree ``new_root`` of ``new_size``."""
    if not 0 <= old_size <= new_size:
        raise ProofError(f"a tree of {old_size} cannot be a prefix of one of {new_size}")
    if any(len(p) != HASH_SIZE for p in proof):
        raise ProofError("a hash in the proof is not 32 bytes")
    if old_size == new_size:
        if proof:
            raise ProofError("trees of the same size need an empty proof")
        if old_root != new_root:
            raise ProofError("two trees of the same size have different roots")
        return
    if old_size == 0:
        if proof:
            raise ProofError("the empty tree needs an empty proof")
        return
    if not proof:
        raise ProofError("the consistency proof is empty")
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is the first node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is longer than the trees are deep")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the consistency proof is shorter than the trees are deep")
    if fr != old_root:
        raise ProofError("the consistency proof does not lead to the old root")
    if sr != new_root:
        raise ProofError("the consistency proof does not lead to the new root")
