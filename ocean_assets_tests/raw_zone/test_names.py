"""core/names.py: strict patterns for outside names, and paths that stay inside their zone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ocean_assets.core.names import (
    OutsideZone,
    UnsafeName,
    case_collisions,
    check,
    inside,
    is_valid,
)
from ocean_assets.core.retry import PermanentError

HOSTILE = [
    "..", ".", "../x", "/etc", "/etc/passwd", "a/../../b", "a/b", "a\\b", "", " ", "nsf\0",
    "nsf\n", "x.json\n", "\nx", "-rf", ".hidden", "x" * 201,
    "nѕf",  # Cyrillic dze
    "nsf／x",  # full-width solidus
    "nsf․json",  # one-dot leader
    "ｎｓｆ",  # full-width letters
    "n\u200bsf",  # zero-width space
    "x.json\u202egnp",  # right-to-left override
]


@pytest.mark.parametrize("name", HOSTILE)
@pytest.mark.parametrize("kind", ["source_id", "file_name", "stac_id"])
def test_hostile_names_are_refused_in_one_line(kind, name):
    with pytest.raises(UnsafeName) as err:
        check(kind, name)
    message = str(err.value)
    assert "\n" not in message and "\0" not in message and len(message) < 300
    assert isinstance(err.value, ValueError) and isinstance(err.value, PermanentError)


@pytest.mark.parametrize("kind, name", [
    ("source_id", "nsf"), ("source_id", "noaa_grants"), ("source_id", "eu-horizon2"),
    ("file_name", "2024-03-01_nsf_awards.json"), ("file_name", "a..b.csv"), ("file_name", "x" * 200),
    ("stac_id", "S2B_MSIL2A_20240305T154811_R054_T18TWL_20240305T212212"),
    ("mmsi", "366999712"), ("s2_tile", "18TWL"), ("day", "2024-03-05"),
])
def test_ordinary_names_pass(kind, name):
    assert check(kind, name) == name


@pytest.mark.parametrize("kind, name", [
    ("source_id", "NSF"), ("mmsi", "36699971"), ("mmsi", "３６６９９９７１２"), ("mmsi", 366999712),
    ("s2_tile", "18TIL"), ("day", "2024-3-5"), ("file_name", None),
])
def test_near_misses_are_refused(kind, name):
    assert not is_valid(kind, name)


def test_names_that_differ_only_by_case_are_found():
    assert case_collisions(["nsf/A.json", "nsf/a.json", "nsf/b.json", "eu/B.json"]) == [
        ["nsf/A.json", "nsf/a.json"]]
    assert case_collisions(["nsf/a.json", "nsf/b.json"]) == []


def test_inside_joins_below_the_zone(tmp_path: Path):
    assert inside(tmp_path, "nsf", "x.json") == tmp_path.resolve() / "nsf" / "x.json"
    assert inside(tmp_path, "nsf/x.json") == tmp_path.resolve() / "nsf" / "x.json"


@pytest.mark.parametrize("parts", [("..",), ("../x",), ("/etc",), ("a", "../../b"), ("a/../../b",),
                                   ("nsf", "/etc/passwd"), ("nsf\0",), ("",), ()])
def test_inside_refuses_what_leaves_the_zone(tmp_path: Path, parts):
    with pytest.raises(OutsideZone):
        inside(tmp_path / "zone", *parts)


def test_inside_never_passes_a_link_even_one_that_stays_inside(tmp_path: Path):
    zone = tmp_path / "zone"
    (zone / "real").mkdir(parents=True)
    os.symlink("/etc", zone / "out")
    os.symlink(zone / "real", zone / "alias")
    os.symlink("/nonexistent", zone / "dangling")
    for parts in (("out", "passwd"), ("alias", "x.json"), ("dangling",), ("out",)):
        with pytest.raises(OutsideZone, match="symbolic link"):
            inside(zone, *parts)


def test_a_zone_that_is_itself_a_link_is_used_as_configured(tmp_path: Path):
    (tmp_path / "disk").mkdir()
    os.symlink(tmp_path / "disk", tmp_path / "mounted")
    assert inside(tmp_path / "mounted", "nsf", "x.json") == tmp_path / "disk" / "nsf" / "x.json"


def test_refused_names_are_quoted_escaped_and_cut():
    with pytest.raises(UnsafeName) as err:
        check("file_name", "a\n" * 500, "file name")
    assert "\\n" in str(err.value) and "(1000 characters)" in str(err.value)
    assert str(err.value).startswith("refused file name 'a\\na")
