"""/api/v1/docs: the API reference served by Herald from an installed package, no CDN."""

from __future__ import annotations

import re


def test_the_reference_loads_only_from_herald_and_reads_its_openapi_document(client):
    page = client.get("/api/v1/docs")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert not re.search(r"(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html)  # no external URL
    assert 'data-spec-url="/api/v1/openapi.json"' in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert {"swagger-ui.css", "swagger-ui-bundle.js", "api-docs.js"} <= {
        path.rsplit("/", 1)[-1] for path in assets
    }
    for path in assets:
        assert path.startswith("/"), path
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert len(answer.data) > 100, path
        answer.close()
    assert client.get("/api/v1/openapi.json").json["paths"]
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "<script>" not in html  # no inline script


def test_only_the_pages_own_files_of_the_package_are_served(client):
    assert client.get("/api/v1/docs/assets/index.html").status_code == 404
    assert client.get("/api/v1/docs/assets/../__init__.py").status_code == 404
