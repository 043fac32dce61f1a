"""Shared core helpers: atomic writes never leave partial files; backoff is exponential and bounded."""

from __future__ import annotations

import random

import pytest

from ocean_assets.core.io import atomic_path, atomic_write_bytes, sha256_file
from ocean_assets.core.retry import Backoff, PermanentError, call_with_retry


def test_atomic_path_keeps_previous_file_on_failure(tmp_path):
    final = tmp_path / "out" / "file.bin"
    atomic_write_bytes(final, b"old")
    with pytest.raises(RuntimeError), atomic_path(final) as tmp:
        tmp.write_bytes(b"half-writ")
        raise RuntimeError("disk went away")
    assert final.read_bytes() == b"old"
    assert [p.name for p in final.parent.iterdir()] == ["file.bin"]


def test_atomic_path_requires_a_write(tmp_path):
    with pytest.raises(FileNotFoundError), atomic_path(tmp_path / "x"):
        pass
    assert not (tmp_path / "x").exists()


def test_sha256(tmp_path):
    path = atomic_write_bytes(tmp_path / "a", b"abc")
    assert sha256_file(path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_backoff_delays_grow_and_cap():
    b = Backoff(attempts=6, base_seconds=1, max_seconds=5, jitter=False)
    assert [b.delay(n) for n in range(1, 6)] == [1, 2, 4, 5, 5]
    jittered = Backoff(base_seconds=1, max_seconds=8)
    rng = random.Random(1)
    assert all(0 <= jittered.delay(4, rng) <= 8 for _ in range(100))


def test_call_with_retry_retries_then_gives_up():
    calls, waits = [], []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("reset")
        return "ok"

    assert call_with_retry(flaky, Backoff(attempts=4, jitter=False), sleep=waits.append) == "ok"
    assert waits == [1.0, 2.0]

    def broken():
        raise ConnectionError("down")

    with pytest.raises(ConnectionError):
        call_with_retry(broken, Backoff(attempts=2), sleep=lambda s: None)


def test_permanent_error_is_not_retried():
    calls = []

    def denied():
        calls.append(1)
        raise PermanentError("bad key")

    with pytest.raises(PermanentError):
        call_with_retry(denied, Backoff(attempts=5), sleep=lambda s: None)
    assert len(calls) == 1
