"""The extracts' SHA-256 (the run id's inputs): the same whether hashed early, in parallel or on demand."""

from __future__ import annotations

import hashlib
import os

import pytest

from shellring.flows.orchestration import digests


def test_digests_are_each_files_sha256_begun_early_or_not(tmp_path):
    files = []
    for name, size in (("reg.csv", 9_000_001), ("acc.csv", 3), ("empty.csv", 0)):
        path = tmp_path / name
        path.write_bytes(os.urandom(size))
        files.append(path)
    expected = {str(p.resolve()): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
    digests.start(files[:2])
    assert digests.digests(files) == expected
    assert digests.digests(files) == expected  # again, with nothing begun


def test_a_file_changed_after_hashing_began_is_hashed_again(tmp_path):
    path = tmp_path / "reg.csv"
    path.write_bytes(b"first")
    digests.start([path])
    digests.digests([path])
    path.write_bytes(b"second, longer")
    digests.start([path])
    path.write_bytes(b"third, longest of all")  # changed between start and use
    assert digests.digests([path]) == {str(path.resolve()): hashlib.sha256(b"third, longest of all").hexdigest()}


def test_a_missing_file_is_an_error_when_its_digest_is_needed(tmp_path):
    digests.start([tmp_path / "not-there.csv"])
    with pytest.raises(FileNotFoundError):
        digests.digests([tmp_path / "not-there.csv"])
