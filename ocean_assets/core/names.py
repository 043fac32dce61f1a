"""Names that come from outside, checked before they become part of a path.

Use this module for every name the project did not choose itself: drop-box listings (source,
file name), STAC item ids, AIS fields (MMSI), Sentinel-2 tiles, names in plan files or config.
Two lines of defence; use both:

1. ``check(kind, value)`` matches the *whole* value against a strict ASCII pattern (``KINDS``).
   Anything else raises ``UnsafeName`` with one line naming what was refused and what is allowed.
   ASCII only, so unicode look-alikes (Cyrillic ``ѕ``, full-width ``／``, ``․`` one-dot leader),
   NUL, newline, ``/``, ``..``, absolute paths, empty and over-long names never match.
2. ``inside(zone, *parts)`` joins parts below a zone directory and raises ``OutsideZone`` when the
   result would leave the zone or pass through a symbolic link below it (``raw/nsf -> /etc``),
   so a link planted in a zone is never followed out of it. The zone itself may be a link
   (a data root mounted elsewhere): it is resolved once, as configured.

Case: source ids are lower case only, so ``NSF`` and ``nsf`` cannot name two folders. File names
keep their case; ``case_collisions(names)`` finds names of one listing that differ only by case
(they overwrite each other on case-insensitive file systems: macOS, SMB shares).

Both errors are ``ValueError`` and ``PermanentError``: retrying never changes a name.
Limit: ``inside`` checks the path when called; a process able to swap a directory for a link
between the check and the write is outside this model (the zones belong to the pipeline's user).

Adopting it in a domain::

    from ocean_assets.core.names import check, inside
    path = inside(dataset_root / "chips", check("mmsi", mmsi), check("stac_id", item.id) + ".tif")
"""

from __future__ import annotations

import os
import re
import stat
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from ocean_assets.core.retry import PermanentError

# kind -> (pattern, what is allowed, in words). Patterns are matched whole (fullmatch), ASCII only.
# File names stop at 200 characters: the temp name (``.{name}.{8 hex}.tmp``) and a sidecar
# (``{name}.reason.json``) must still fit the usual 255-byte limit of a file name.
KINDS: dict[str, tuple[re.Pattern[str], str]] = {
    "source_id": (re.compile(r"[a-z0-9][a-z0-9_-]{0,63}"),
                  "lower-case a-z, 0-9, '_' or '-', starting with a letter or digit, at most 64"),
    "file_name": (re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,199}"),
                  "A-Z, a-z, 0-9, '.', '_', '+' or '-', starting with a letter or digit, at most 200"),
    "stac_id": (re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}"),
                "A-Z, a-z, 0-9, '.', '_' or '-', starting with a letter or digit, at most 200"),
    "mmsi": (re.compile(r"[0-9]{9}"), "exactly 9 digits 0-9"),
    # Sentinel-2 MGRS tile: UTM zone, latitude band (no I, O), 100 km square (no I, O).
    "s2_tile": (re.compile(r"[0-9]{2}[C-HJ-NP-X][A-HJ-NP-Z]{2}"), "an MGRS tile such as 18TWL"),
    "day": (re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"), "a date YYYY-MM-DD"),
}
SHOWN = 60  # characters of a refused name quoted in an error (names can be hostile and huge)


class UnsafeName(ValueError, PermanentError):
    """A name from outside does not match its pattern; never used as part of a path."""


class OutsideZone(UnsafeName):
    """A path would leave its zone or pass through a symbolic link inside it."""


def shown(value: object) -> str:
    """A hostile value quoted for a one-line message: escaped (repr) and cut to ``SHOWN``."""
    text = repr(value)
    return text if len(text) <= SHOWN else f"{text[:SHOWN]}...' ({len(str(value))} characters)"


def check(kind: str, value: object, what: str | None = None) -> str:
    """``value`` if it is a str matching the ``kind`` pattern entirely, else ``UnsafeName``."""
    pattern, allowed = KINDS[kind]
    label = what or kind.replace("_", " ")
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise UnsafeName(f"refused {label} {shown(value)}: allowed are {allowed}")
    return value


def is_valid(kind: str, value: object) -> bool:
    try:
        check(kind, value)
    except UnsafeName:
        return False
    return True


def case_collisions(names: Iterable[str]) -> list[list[str]]:
    """Groups of distinct names that are equal when case is ignored (each group sorted)."""
    groups: dict[str, set[str]] = defaultdict(set)
    for name in names:
        groups[name.casefold()].add(name)
    return sorted(sorted(g) for g in groups.values() if len(g) > 1)


def inside(zone: str | os.PathLike[str], *parts: str) -> Path:
    """``zone/parts...``, refused (``OutsideZone``) unless it stays below ``zone`` without links.

    Parts may hold ``/`` (a relative path); ``..``, absolute parts, NUL and empty parts are
    refused, and so is any existing symbolic link between the zone and the result (the result
    itself included), whatever it points at. The path need not exist yet.
    """
    root = Path(zone).resolve()
    for part in parts:
        if not isinstance(part, str) or not part or "\0" in part:
            raise OutsideZone(f"refused path part {shown(part)} below {root}: empty or not text")
    relative = PurePosixPath(*parts)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise OutsideZone(f"refused path {shown('/'.join(parts))}: it would leave {root}")
    current = root
    for component in relative.parts:
        current = current / component
        try:
            mode = os.lstat(current).st_mode
        except FileNotFoundError:
            break  # nothing below exists yet: no link can be on the way
        if stat.S_ISLNK(mode):
            raise OutsideZone(f"refused {shown(str(current.relative_to(root)))} below {root}: "
                              "it is a symbolic link (links are not followed in a zone)")
    path = root.joinpath(*relative.parts)
    if not path.resolve().is_relative_to(root):  # belt and braces: nothing above should allow it
        raise OutsideZone(f"refused path {shown('/'.join(parts))}: it would leave {root}")
    return path
