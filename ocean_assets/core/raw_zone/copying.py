"""Verified writes: every copy is checked against the source's sha256 before it replaces anything."""

from __future__ import annotations

from pathlib import Path

from ocean_assets.core.io import atomic_path, sha256_bytes, sha256_file


class ChecksumMismatch(RuntimeError):
    """A written copy does not have the source's sha256; nothing was replaced."""


def _write_bytes(path: Path, data: bytes) -> None:
    """The raw write, kept apart so tests can simulate a corrupting storage layer."""
    path.write_bytes(data)


def write_verified(final: Path, data: bytes, expected_sha256: str) -> Path:
    """Write ``data`` to a temp file beside ``final``, verify its sha256, then rename into place.

    On a mismatch the temp file is removed and ``final`` (old content, if any) is left untouched.
    """
    with atomic_path(final) as tmp:
        _write_bytes(tmp, data)
        written = sha256_file(tmp)
        if written != expected_sha256:
            raise ChecksumMismatch(
                f"checksum mismatch writing {final.name}: expected {expected_sha256[:12]}..., "
                f"wrote {written[:12]}...; previous file left in place")
    return final


def copy_verified(src: Path, final: Path, expected_sha256: str | None = None) -> str:
    """Copy ``src`` to ``final`` with verification; returns the sha256 of the copy."""
    data = src.read_bytes()
    expected = expected_sha256 or sha256_bytes(data)
    if sha256_bytes(data) != expected:
        raise ChecksumMismatch(f"{src.name} no longer has the expected sha256 {expected[:12]}...")
    write_verified(final, data, expected)
    return expected
