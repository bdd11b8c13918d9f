"""The transparency log's Merkle tree against published RFC 6962 / RFC 9162 test vectors.

Vectors restated from transparency-dev/merkle, proof/verify_test.go at commit 02194e9afb6c1d95b5381350007963aa70fff472
(https://github.com/transparency-dev/merkle/blob/02194e9afb6c1d95b5381350007963aa70fff472/proof/verify_test.go):
the eight leaves, the roots of the trees of their first 1..8 leaves, inclusion proofs and consistency proofs.
The corruptions below follow that file's corruptInclusionProof and corruptConsistencyProof.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verifier.merkle import EMPTY_ROOT, ProofError, Tree, leaf_hash, verify_consistency, verify_inclusion

h = bytes.fromhex
LEAVES = [
    h(""),
    h("00"),
    h("10"),
    h("2021"),
    h("3031"),
    h("40414243"),
    h("5051525354555657"),
    h("606162636465666768696a6b6c6d6e6f"),
]
ROOTS = [
    h(x)
    for x in (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    )
]
INCLUSION = [  # (leaf number, counting from 1, tree size, proof)
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (3, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        2,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CONSISTENCY = [  # (size1, size2, proof)
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]
SOME_HASH = h("abacaba000000000000000000000000000000000000000000060061e00123456")


def tree() -> Tree:
    return Tree(leaf_hash(leaf) for leaf in LEAVES)


def test_the_roots_of_every_prefix():
    assert Tree().root() == EMPTY_ROOT == h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    full = tree()
    assert [full.root(n) for n in range(1, 9)] == ROOTS
    assert [Tree(leaf_hash(leaf) for leaf in LEAVES[:n]).root() for n in range(1, 9)] == ROOTS


@pytest.mark.parametrize(("number", "size", "proof"), INCLUSION)
def test_inclusion_proofs(number, size, proof):
    proof = [h(p) for p in proof]
    assert tree().inclusion_proof(number - 1, size) == proof
    leaf = leaf_hash(LEAVES[number - 1])
    root = ROOTS[size - 1]
    verify_inclusion(leaf, number - 1, size, proof, root)
    probes = [
        (number - 2, size, root, leaf, proof),
        (number, size, root, leaf, proof),
        ((number - 1) ^ 2, size, root, leaf, proof),
        (number - 1, size * 2, root, leaf, proof),
        (number - 1, size // 2, root, leaf, proof),
        (number - 1, size, root, b"WrongLeaf", proof),
        (number - 1, size, EMPTY_ROOT, leaf, proof),
        (number - 1, size, SOME_HASH, leaf, proof),
        (number - 1, size, root, leaf, [*proof, b""]),
        (number - 1, size, root, leaf, [*proof, root]),
        (number - 1, size, root, leaf, [b"", *proof]),
        (number - 1, size, root, leaf, [root, *proof]),
    ]
    for i in range(len(proof)):
        flipped = list(proof)
        flipped[i] = bytes([flipped[i][0] ^ 8]) + flipped[i][1:]
        probes.append((number - 1, size, root, leaf, flipped))
    if proof:
        probes.append((number - 1, size, root, leaf, proof[:-1]))
    if len(proof) > 1:
        probes.append((number - 1, size, root, leaf, [proof[0], SOME_HASH, *proof[1:]]))
    for index, probe_size, probe_root, probe_leaf, probe_proof in probes:
        if (index, probe_size, probe_root, probe_leaf, probe_proof) == (number - 1, size, root, leaf, proof):
            continue
        with pytest.raises(ProofError):
            verify_inclusion(probe_leaf, index, probe_size, probe_proof, probe_root)


@pytest.mark.parametrize(("size1", "size2", "proof"), CONSISTENCY)
def test_consistency_proofs(size1, size2, proof):
    proof = [h(p) for p in proof]
    assert tree().consistency_proof(size1, size2) == proof
    root1, root2 = ROOTS[size1 - 1], ROOTS[size2 - 1]
    verify_consistency(size1, size2, root1, root2, proof)
    if not proof:
        return
    probes = [
        (size1 - 1, size2, root1, root2, proof),
        (size1 + 1, size2, root1, root2, proof),
        (size1 ^ 2, size2, root1, root2, proof),
        (size1, size2 * 2, root1, root2, proof),
        (size1, size2 // 2, root1, root2, proof),
        (size1, size2, b"WrongRoot", root2, proof),
        (size1, size2, root1, b"WrongRoot", proof),
        (size1, size2, root2, root1, proof),
        (size1, size2, root1, root2, []),
        (size1, size2, root1, root2, [*proof, b""]),
        (size1, size2, root1, root2, [*proof, root1]),
        (size1, size2, root1, root2, [*proof, root2]),
        (size1, size2, root1, root2, [b"", *proof]),
        (size1, size2, root1, root2, [root1, *proof]),
        (size1, size2, root1, root2, [root2, *proof]),
        (size1, size2, root1, root2, [proof[0], *proof]),
        (size1, size2, root1, root2, proof[:-1]),
    ]
    for i in range(len(proof)):
        flipped = list(proof)
        flipped[i] = bytes([flipped[i][0] ^ 16]) + flipped[i][1:]
        probes.append((size1, size2, root1, root2, flipped))
    for probe in probes:
        with pytest.raises(ProofError):
            verify_consistency(*probe)


def test_trivial_consistency():
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    verify_consistency(0, 5, EMPTY_ROOT, SOME_HASH, [])
    with pytest.raises(ProofError):
        verify_consistency(1, 1, ROOTS[0], ROOTS[1], [])
    with pytest.raises(ProofError):
        verify_consistency(2, 1, ROOTS[1], ROOTS[0], [])
    with pytest.raises(ProofError):
        verify_consistency(1, 2, ROOTS[0], ROOTS[1], [])


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 300), st.data())
def test_every_proof_of_random_trees_verifies(size, data):
    rng = random.Random(size)
    leaves = [leaf_hash(rng.randbytes(8)) for _ in range(size)]
    full = Tree(leaves)
    index = data.draw(st.integers(0, size - 1))
    verify_inclusion(leaves[index], index, size, full.inclusion_proof(index), full.root())
    old = data.draw(st.integers(0, size))
    verify_consistency(old, size, full.root(old), full.root(), full.consistency_proof(old))
    assert full.root(old) == Tree(leaves[:old]).root()
