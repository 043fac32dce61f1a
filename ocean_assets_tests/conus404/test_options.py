"""New conus404.yaml keys are refused with the file, the key and the allowed values."""

from __future__ import annotations

import copy

import pytest
import yaml

from ocean_assets.config import ConfigError
from ocean_assets.core.conus404.options import parse_options
from ocean_assets.settings import get_settings


@pytest.fixture
def raw() -> dict:
    return yaml.safe_load((get_settings().config_dir / "conus404.yaml").read_text())


@pytest.mark.parametrize(("path", "value", "words"), [
    (("plausibility_max_fraction",), 1.5, "plausibility_max_fraction = 1.5: must be between 0 and 1"),
    (("impossible", "PSFC"), {"min": 9, "max": 1}, "impossible.PSFC: max 1 is below min 9"),
    (("impossible", "T2"), {"minimum": 0}, "impossible.T2.minimum: unknown key (allowed: min, max)"),
    (("projection", "map_proj"), 2, "projection.map_proj = 2: must be one of 1"),
    (("projection", "truelat1"), 95, "projection.truelat1 = 95: must be between -90 and 90"),
    (("projection", "dx"), "4 km", "projection.dx = '4 km': must be a number > 0"),
    (("winds", "pairs"), [["U10"]], "winds.pairs[0][1]: missing item"),
    (("aggregation", "ACSWDNB"), ["bucket_diff", "mean"], "a running total has only bucket_diff"),
])
def test_bad_values_name_file_key_and_range(raw, path, value, words) -> None:
    bad = copy.deepcopy(raw)
    node = bad
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(ConfigError, match="conus404.yaml") as err:
        parse_options(bad)
    assert words in str(err.value)


def test_the_shipped_config_parses(raw) -> None:
    options = parse_options(raw)
    assert options.projection is not None and options.projection.cone == pytest.approx(0.6461, abs=1e-4)
    assert options.impossible["T2"].min == 0.0 and options.plausibility_max_fraction == 0.01
