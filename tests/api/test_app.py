"""The application as a whole: its documentation pages work without internet."""

from __future__ import annotations

import httpx


def test_the_docs_load_their_assets_from_the_package_not_a_cdn(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as client:
        page = client.get("/docs").text
        assert "cdn" not in page.lower() and "https://" not in page
        scripts = [part.split('"')[0] for part in page.split('src="')[1:]]
        assert scripts and all(src.startswith("/") for src in scripts)
        for src in scripts:
            asset = client.get(src)
            assert asset.status_code == 200 and "SwaggerUIBundle" in asset.text
