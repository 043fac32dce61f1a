"""The Allen Coral Atlas client and demo twin against a real WFS answer of
coral-atlas:benthic_data_verbose and the layer's DescribeFeatureType (see README.md)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ocean_assets.core.retry import Backoff, PermanentError
from ocean_assets.sources.reef_health.allen import AllenWfsSource, DemoAllenSource
from ocean_assets_tests.loopback import http_server, send

HERE = Path(__file__).parent
ANSWER = HERE / "benthic_data_verbose_bbox.json"
TYPE_NAME = "coral-atlas:benthic_data_verbose"
XSD = "{http://www.w3.org/2001/XMLSchema}"


def real_answer() -> dict:
    return json.loads(ANSWER.read_text())


def test_attribute_names_are_the_layers():
    elements = [e.get("name") for e in ET.parse(HERE / "benthic_data_verbose_describe_feature_type.xml")
                .getroot().iter(f"{XSD}element") if e.get("type", "").startswith(("xsd:", "gml:"))]
    assert elements == ["class_name", "geom", "area_sqkm"]
    assert {key for f in real_answer()["features"] for key in f["properties"]} == {"class_name", "area_sqkm"}


def test_demo_twin_has_the_atlas_names_classes_and_geometry_type():
    demo = DemoAllenSource(classes=None).fetch((145.0, -17.0, 147.0, -15.0))
    assert {"class_name", "area_sqkm"} <= set(demo.columns)
    real_classes = {f["properties"]["class_name"] for f in real_answer()["features"]}
    assert real_classes <= set(DemoAllenSource.CLASSES)  # the real answer's classes, spelled alike
    assert set(demo.geom_type) == {"MultiPolygon"}  # geom is a gml:MultiSurface


def test_a_real_answer_without_geometry_is_a_clear_permanent_error():
    """The real answer was requested with propertyName=class_name,area_sqkm: 47 features, no
    geometry. That is not "no reefs here"; it must say why nothing can be located."""
    body = ANSWER.read_bytes()
    seen = []

    def wfs(request):
        seen.append(request.path)
        send(request, 200, body, "application/json")

    with http_server(wfs) as base, pytest.raises(PermanentError, match="47 feature.*without any geometry"):
        AllenWfsSource(f"{base}/geoserver/ows", TYPE_NAME, 2.0, ["Coral/Algae"],
                       backoff=Backoff(attempts=1)).fetch((151.97, -23.48, 151.98, -23.47))
    assert len(seen) == 1 and "propertyName" not in seen[0]  # we never leave the geometry out
