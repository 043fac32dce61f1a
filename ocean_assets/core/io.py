"""File helpers shared by every domain: atomic writes, locks for read-modify-write, checksums."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from ocean_assets.core.retry import PermanentError

CHUNK = 1 << 20


class DiskFullError(PermanentError):
    """No space left while writing a file: the final path was not touched; retrying will not help.

    Not an ``OSError`` on purpose: handlers of "this file is unreadable" (``except OSError``) must
    not swallow it as a per-item failure; it ends the step (``fail_permanently``)."""

    errno = errno.ENOSPC

    def __init__(self, path: Path, free_bytes: int) -> None:
        self.path, self.free_bytes = path, free_bytes
        super().__init__(f"disk full writing {path}: {free_bytes} bytes free (nothing was written "
                         "there; a previous file is intact)")


# Fewer free bytes than this on the target's file system after a failed write: it is full.
FULL_BELOW_BYTES = 1 << 20
_SLACK = 64 << 10  # page and block rounding of the bytes a writer got onto the disk
# How libraries say "disk full" when they keep the words but drop the errno (HDF5 spells it out).
_FULL_TEXT = re.compile(r"no space left on device|errno = 28\b|disk quota exceeded", re.IGNORECASE)


def free_bytes(directory: str | os.PathLike[str]) -> int:
    """Bytes an unprivileged writer may still use on the file system holding ``directory``."""
    return shutil.disk_usage(directory).free


def _says_disk_full(exc: BaseException) -> bool:
    seen: set[int] = set()
    chain: BaseException | None = exc
    while chain is not None and id(chain) not in seen:  # the errno chain (cause and context)
        seen.add(id(chain))
        if getattr(chain, "errno", None) in (errno.ENOSPC, errno.EDQUOT) or _FULL_TEXT.search(str(chain)):
            return True
        chain = chain.__cause__ or chain.__context__
    return False


SQLITE_FULL = 13  # sqlite3's result code for "database or disk is full"
_DB_FULL_TEXT = re.compile(r"database or disk is full", re.IGNORECASE)


class DatabaseFullError(DiskFullError):
    """The database (SQLite in the data root) refused a write: ``database or disk is full``."""

    def __init__(self, detail: str = "database or disk is full") -> None:
        self.path, self.free_bytes = Path(""), -1
        PermanentError.__init__(self, f"disk full: the database refused a write ({detail}); "
                                "free space on the data root, then re-run")


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:  # cause, context and SQLAlchemy's .orig
        seen.add(id(link))
        yield link
        orig = getattr(link, "orig", None)
        if isinstance(orig, BaseException) and id(orig) not in seen:
            yield orig
        link = link.__cause__ or link.__context__


def _database_full(exc: BaseException) -> bool:
    return any(getattr(e, "sqlite_errorcode", None) == SQLITE_FULL or _DB_FULL_TEXT.search(str(e))
               for e in _chain(exc))


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` means "no space": a ``DiskFullError``, ENOSPC/EDQUOT or its words anywhere in
    the chain, or SQLite's SQLITE_FULL ("database or disk is full", sqlite3 or SQLAlchemy
    ``OperationalError``). Where exceptions are classified for retries: retrying will not help."""
    return isinstance(exc, DiskFullError) or _says_disk_full(exc) or _database_full(exc)


def as_disk_full(exc: BaseException) -> DiskFullError | None:
    """``exc`` as one ``DiskFullError`` (a database's SQLITE_FULL as ``DatabaseFullError``), or None."""
    if isinstance(exc, DiskFullError):
        return exc
    if _database_full(exc):
        return DatabaseFullError()
    return None


def _bytes_written() -> int | None:
    """Bytes this process has passed to write(2) and friends (Linux ``/proc/self/io`` wchar)."""
    try:
        with open("/proc/self/io") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("wchar:"))
    except (OSError, StopIteration, ValueError, IndexError):
        return None


class ReadOnlyError(PermanentError):
    """The target's file system is mounted read-only or the directory is not writable."""

    def __init__(self, path: Path, directory: Path) -> None:
        self.path = path
        super().__init__(f"cannot write {path}: {directory} is read-only (read-only file system or "
                         "no write permission)")


def _existing(directory: Path) -> Path:
    while not directory.exists() and directory != directory.parent:
        directory = directory.parent
    return directory


def _read_only(directory: Path) -> bool:
    try:
        return bool(os.statvfs(directory).f_flag & os.ST_RDONLY) or not os.access(directory, os.W_OK)
    except OSError:
        return False


@contextlib.contextmanager
def writing(target: str | os.PathLike[str]) -> Iterator[None]:
    """Whatever a writer raises when ``target``'s file system is full (``PermissionError``, "HDF
    error", GDAL write errors, ...) becomes one ``DiskFullError`` naming the path and the free bytes;
    a write refused by a read-only file system becomes one ``ReadOnlyError``. Judged while partial
    output still exists: put cleanup outside this block (removing a partial file frees space again).
    ``atomic_path`` applies it to every file; use it directly only for other writes (directories).

    Full means: an ENOSPC/EDQUOT errno or "No space left on device" in the error chain, less than
    ``FULL_BELOW_BYTES`` free, or the block wrote at least the bytes that were free when it began
    (a library that removed its partial output and raised a generic error: GDAL's CreateCopy).
    """
    target = Path(target)
    free_at_start, written_at_start = free_bytes(_existing(target.parent)), _bytes_written()
    try:
        yield
    except PermanentError:
        raise
    except Exception as exc:
        directory = _existing(target.parent)
        free, written = free_bytes(directory), _bytes_written()
        used_up = (written is not None and written_at_start is not None
                   and written - written_at_start + _SLACK >= free_at_start)
        if free < FULL_BELOW_BYTES or used_up or _says_disk_full(exc):
            raise DiskFullError(target, free) from exc
        if _read_only(directory):
            raise ReadOnlyError(target, directory) from exc
        raise


@contextlib.contextmanager
def atomic_path(final: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``final``; rename it into place only if the block succeeds.

    A crash or exception never leaves a half-written file at ``final``; the previous file (if any)
    stays intact until the rename, which is atomic on POSIX file systems. A full or read-only file
    system ends in one ``DiskFullError`` / ``ReadOnlyError`` (``writing``), whichever writer was used.
    """
    final = Path(final)
    tmp = final.with_name(f".{final.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with writing(final):
            final.parent.mkdir(parents=True, exist_ok=True)
            yield tmp
            if not tmp.exists():
                raise FileNotFoundError(f"nothing was written to the temporary file for {final}")
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, final)
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


def sha256_file(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
