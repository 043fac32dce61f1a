"""U10/V10 are grid-relative: the daily file holds earth-relative winds, rotated with the model's
own rotation. The known earth-relative wind is turned into grid axes with pyproj (PROJ's Lambert
conformal), independently of the WRF formula the pipeline uses."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pyproj
import xarray as xr

from ocean_assets.core.conus404.aggregate import aggregate_day
from ocean_assets.core.conus404.projection import LambertConformal
from ocean_assets.sources.conus404 import DemoSource

DAY = dt.date(2019, 1, 15)
GRID = (21, 29)  # spread over the whole CONUS404 domain, where the rotation reaches ~26 degrees


def _grid_axes(projection: LambertConformal, lat: np.ndarray, lon: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors of east and north in the projection's x/y (PROJ), per cell."""
    crs = pyproj.CRS.from_dict({
        "proj": "lcc", "lat_1": projection.truelat1, "lat_2": projection.truelat2,
        "lat_0": projection.cen_lat, "lon_0": projection.stand_lon, "R": projection.earth_radius})
    to_xy = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    lat, lon, eps = lat.astype(np.float64), lon.astype(np.float64), 1e-4
    x0, y0 = to_xy.transform(lon, lat)
    xe, ye = to_xy.transform(lon + eps, lat)
    xn, yn = to_xy.transform(lon, lat + eps)
    east, north = np.stack([xe - x0, ye - y0]), np.stack([xn - x0, yn - y0])
    return east / np.linalg.norm(east, axis=0), north / np.linalg.norm(north, axis=0)


def _with_earth_wind(options, u_earth: np.ndarray, v_earth: np.ndarray) -> xr.Dataset:
    hourly = DemoSource(GRID).open_day(DAY).load()
    east, north = _grid_axes(options.projection, hourly["lat"].values, hourly["lon"].values)
    hourly["U10"].values[:] = (u_earth * east[0] + v_earth * north[0]).astype(np.float32)
    hourly["V10"].values[:] = (u_earth * east[1] + v_earth * north[1]).astype(np.float32)
    return hourly


def test_known_earth_relative_wind_is_recovered(options) -> None:
    lat = DemoSource(GRID).open_day(DAY)["lat"].values
    u_earth = np.broadcast_to(10.0 + 0.1 * (lat - 40.0), lat.shape)  # westerly, varying
    v_earth = np.full(lat.shape, -4.0)  # from the north
    hourly = _with_earth_wind(options, u_earth, v_earth)
    turn = np.degrees(np.arctan2(hourly["V10"].values[0], hourly["U10"].values[0])
                      - np.arctan2(v_earth, u_earth))
    assert np.abs((turn + 180) % 360 - 180).max() > 15  # the grid axes really are turned
    daily = aggregate_day(hourly, DAY, options)
    np.testing.assert_allclose(daily["U10_mean"][0], u_earth, atol=2e-4)
    np.testing.assert_allclose(daily["V10_mean"][0], v_earth, atol=2e-4)
    assert daily["U10_mean"].attrs["standard_name"] == "eastward_wind"
    assert daily["V10_mean"].attrs["standard_name"] == "northward_wind"
    assert "Lambert conformal" in daily["U10_mean"].attrs["wind_rotation"]


def test_store_cosalpha_sinalpha_take_precedence(options) -> None:
    """A store that carries WRF's own rotation fields is rotated with them (here: none at all)."""
    hourly = DemoSource(GRID).open_day(DAY).load()
    shape = hourly["lat"].shape
    hourly["COSALPHA"] = (("south_north", "west_east"), np.ones(shape, np.float32))
    hourly["SINALPHA"] = (("south_north", "west_east"), np.zeros(shape, np.float32))
    daily = aggregate_day(hourly, DAY, options)
    np.testing.assert_allclose(daily["U10_mean"][0], hourly["U10"].values[:24].mean(axis=0),
                               rtol=1e-5, atol=1e-5)
    assert "COSALPHA" in daily["U10_mean"].attrs["wind_rotation"]


def test_without_rotation_the_winds_are_labelled_grid_relative(options) -> None:
    hourly = DemoSource(GRID).open_day(DAY)
    daily = aggregate_day(hourly, DAY, dataclasses.replace(options, rotate_winds=False))
    assert daily["U10_mean"].attrs["standard_name"] == "x_wind"
    assert daily["V10_mean"].attrs["standard_name"] == "y_wind"
    assert "model grid" in daily["U10_mean"].attrs["long_name"]
    np.testing.assert_allclose(daily["U10_mean"][0], hourly["U10"].values[:24].mean(axis=0),
                               rtol=1e-5, atol=1e-5)


def test_a_projection_that_does_not_fit_the_grid_is_not_used(options) -> None:
    """lat/lon from another grid: no rotation from the wrong projection, and no grid mapping."""
    other = dataclasses.replace(options.projection, truelat1=33.0, truelat2=45.0, stand_lon=-96.0)
    hourly = DemoSource(GRID, projection=other).open_day(DAY)
    daily = aggregate_day(hourly, DAY, options)
    assert daily["U10_mean"].attrs["standard_name"] == "x_wind"
    assert "does not describe" in daily.attrs["grid_mapping_note"]
    assert "grid_mapping" not in daily["T2_mean"].attrs


def test_one_component_alone_is_not_called_earth_relative(options) -> None:
    aggregation = {k: v for k, v in options.aggregation.items() if k != "V10"}
    daily = aggregate_day(DemoSource(GRID).open_day(DAY), DAY,
                          dataclasses.replace(options, aggregation=aggregation))
    assert daily["U10_mean"].attrs["standard_name"] == "x_wind"
    assert "partner" in daily["U10_mean"].attrs["wind_rotation"]
