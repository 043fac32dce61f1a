"""File helpers shared by every domain: atomic writes, locks for read-modify-write, checksums."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from ocean_assets.core.retry import PermanentError

CHUNK = 1 << 20


class DiskFullError(PermanentError, OSError):
    """No space left while writing a file: the final path was not touched; retrying will not help."""


@contextlib.contextmanager
def atomic_path(final: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``final``; rename it into place only if the block succeeds.

    A crash or exception never leaves a half-written file at ``final``; the previous file (if any)
    stays intact until the rename, which is atomic on POSIX file systems.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        yield tmp
        if not tmp.exists():
            raise FileNotFoundError(f"nothing was written to the temporary file for {final}")
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, final)
    except OSError as exc:
        if exc.errno != errno.ENOSPC:
            raise
        raise DiskFullError(errno.ENOSPC, f"No space left on device while writing {final}; nothing was "
                            "written there (a previous file is intact). Free space and re-run.") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


@contextlib.contextmanager
def file_lock(target: str | os.PathLike[str]) -> Iterator[None]:
    """Hold an exclusive lock for a read-modify-write of ``target`` (e.g. a shared index).

    Atomic renames keep each file whole, but two writers that both read, change and rewrite the
    same file would lose one update; this serialises them across processes on one host or a POSIX
    shared file system. The lock file (``.{name}.lock``) stays; deleting it could split the lock.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.with_name(f".{target.name}.lock"), "a") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


TEMP_GLOB = ".*.tmp"  # atomic_path's temp names: .{name}.{uuid8}.tmp


def stale_temp_files(root: str | os.PathLike[str], older_than_seconds: float,
                     now: float | None = None) -> list[Path]:
    """Temp files a killed writer left under ``root`` (never products: readers skip hidden names).
    Only those untouched for ``older_than_seconds``: a younger one may belong to a live writer."""
    cutoff = (now if now is not None else time.time()) - older_than_seconds
    stale = []
    for path in Path(root).rglob(TEMP_GLOB):
        with contextlib.suppress(FileNotFoundError):  # a live writer may rename it meanwhile
            if path.is_file() and path.stat().st_mtime < cutoff:
                stale.append(path)
    return sorted(stale)


def atomic_write_bytes(final: str | os.PathLike[str], data: bytes) -> Path:
    with atomic_path(final) as tmp:
        tmp.write_bytes(data)
    return Path(final)


def atomic_write_text(final: str | os.PathLike[str], text: str) -> Path:
    return atomic_write_bytes(final, text.encode("utf-8"))


def atomic_copy(src: str | os.PathLike[str], final: str | os.PathLike[str]) -> Path:
    with atomic_path(final) as tmp:
        shutil.copyfile(src, tmp)
    return Path(final)


def sha256_file(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
