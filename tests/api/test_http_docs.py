"""`/docs` works offline: the page names no other host, and every asset it loads is served
by the app itself."""

from __future__ import annotations

import re

import httpx

from tests.api.conftest import Api


def test_the_docs_page_loads_swagger_ui_from_the_server_itself(api: Api) -> None:
    page = httpx.get(api.url + "/docs")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert not re.search(r"https?://", page.text), "the docs page points at another host"
    assets = re.findall(r'(?:src|href)="(/docs/assets/[^"]+)"', page.text)
    assert {a.rsplit("/", 1)[1] for a in assets} >= {"swagger-ui-bundle.js", "swagger-ui.css"}
    for path in assets:
        r = httpx.get(api.url + path)
        assert r.status_code == 200 and len(r.content) > 100, path
    assert "'/openapi.json'" in page.text or '"/openapi.json"' in page.text
    assert httpx.get(api.url + "/openapi.json").status_code == 200
