"""The raw-zone lock: one migration, rollback, archive or reprocess at a time.

A real lock, held by a live process: ``fcntl.flock`` on ``raw/.raw_zone.lock``. The kernel
releases it when the holder exits or is killed (SIGKILL included), so a dead run never blocks
the zone. The holder writes its pid, host, run id, purpose and start time into the lock file for
diagnosis; a clean release empties it, so a record found by the next holder is the trace of a
holder that died (``acquire`` returns it, e.g. to mark that run failed).

Limits: flock is per host, and per open file on a POSIX shared file system (NFSv4 emulates it);
a child forked while the lock is held keeps it (ours are started with exec: fds close on exec).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import json
import os
import socket
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from time import monotonic, sleep

from ocean_assets.core.raw_zone.preflight import PreflightError
from ocean_assets.core.raw_zone.zones import Zones

POLL_SECONDS = 0.5


class LockBusy(PreflightError):
    """Another live process holds the raw-zone lock; the message names it."""


@dataclass(frozen=True)
class Holder:
    pid: int
    host: str
    run_id: str
    purpose: str
    since: str

    def describe(self) -> str:
        run = f"run {self.run_id[:8]}, " if self.run_id else ""
        return f"pid {self.pid} on {self.host} ({run}{self.purpose}, since {self.since})"

    def alive_here(self) -> bool | None:
        """Whether the pid runs on this host; None when it is another host's process."""
        if self.host != socket.gethostname():
            return None
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def _open(path: Path) -> int:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        why = ("it is a symbolic link (links are never followed in the zones); remove it"
               if exc.errno == errno.ELOOP else exc.strerror)
        raise PreflightError(f"cannot open the raw-zone lock file {path}: {why}") from None


def _still_the_lock_file(fd: int, path: Path) -> bool:
    """False when the file was deleted or replaced after we opened it: its lock guards nothing."""
    try:
        return os.stat(path, follow_symlinks=False).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        return False


def _read(fd: int) -> Holder | None:
    data = os.pread(fd, 4096, 0)
    if not data.strip():
        return None
    try:
        return Holder(**json.loads(data))
    except (ValueError, TypeError):
        return Holder(pid=0, host="?", run_id="", purpose="unreadable holder record", since="?")


def recorded_holder(zones: Zones) -> Holder | None:
    """The holder written in the lock file (a live holder, or the trace of a dead one)."""
    try:
        fd = os.open(zones.lock_path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:  # missing, or a link (refused when locking)
        return None
    try:
        return _read(fd)
    except OSError:  # a folder where the file should be: hold() reports it
        return None
    finally:
        os.close(fd)


def is_held(zones: Zones) -> bool:
    """True while some live process holds the lock (this process included, on another fd)."""
    if not zones.lock_path.exists():
        return False
    fd = _open(zones.lock_path)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops a lock taken just now
    return False


def busy_message(zones: Zones) -> str:
    holder = recorded_holder(zones)
    who = holder.describe() if holder else "a process that has not written its record yet"
    return (f"the raw zone is locked by {who}; wait for it to finish, or see "
            "`ocean-assets raw-zone lock`")


@contextlib.contextmanager
def hold(zones: Zones, purpose: str, run_id: str = "", wait_seconds: float = 0.0,
         ) -> Iterator[Holder | None]:
    """Hold the lock for the block; wait up to ``wait_seconds`` for a live holder, then raise
    ``LockBusy``. Yields the record a dead holder left (None after a clean release)."""
    deadline = monotonic() + wait_seconds
    while True:
        fd = _open(zones.lock_path)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if monotonic() >= deadline:
                raise LockBusy(busy_message(zones)) from None
            sleep(min(POLL_SECONDS, max(0.0, deadline - monotonic())))
            continue
        if _still_the_lock_file(fd, zones.lock_path):
            break
        os.close(fd)  # someone deleted the lock file meanwhile: lock the one that is there now
    try:
        previous = _read(fd)
        me = Holder(os.getpid(), socket.gethostname(), run_id, purpose,
                    dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(asdict(me)).encode(), 0)
            os.fsync(fd)
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
            raise PreflightError(f"no space left to record the lock holder in {zones.lock_path}; "
                                 "free disk space and retry") from None
        try:
            yield previous
        finally:
            with contextlib.suppress(OSError):  # the kernel drops the lock anyway on close
                os.ftruncate(fd, 0)
    finally:
        os.close(fd)
