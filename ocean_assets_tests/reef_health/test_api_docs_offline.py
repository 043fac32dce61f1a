"""The API's /docs and /redoc pages work offline: every script, stylesheet and icon they reference is
served by the API itself (from the fastapi-offline package), none comes from a CDN."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ocean_assets.api.app import create_app


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    return TestClient(create_app(f"sqlite:///{tmp_path / 'docs.db'}"))


@pytest.mark.parametrize(("page", "assets"), [
    ("/docs", {"swagger-ui-bundle.js", "swagger-ui.css", "favicon.png"}),
    ("/redoc", {"redoc.standalone.js", "favicon.png"}),
])
def test_docs_pages_reference_only_local_assets_and_they_are_served(client: TestClient, page: str,
                                                                      assets: set[str]) -> None:
    response = client.get(page)
    assert response.status_code == 200
    refs = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""", response.text)
    assert refs, response.text
    assert not [r for r in refs if re.match(r"(?:https?:)?//", r)], refs  # nothing from another host
    assert {Path(r).name for r in refs if r.startswith("/static")} >= assets
    for ref in refs:
        served = client.get(ref)
        assert served.status_code == 200, ref
        assert len(served.content) > (1000 if ref.endswith((".js", ".css")) else 10), ref
    assert client.get("/openapi.json").json()["info"]["title"] == "ocean-assets reef health API"
