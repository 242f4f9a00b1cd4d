"""``/console``: the manager's console and the rep's page, served by the API itself.

Static pages (HTML, CSS, JS) that call the same ``/v1`` endpoints with the key a person
types in once (kept in the tab's ``sessionStorage``, sent as ``Authorization: Bearer``,
never put in a URL). Leaflet comes from the XStatic-Leaflet package and is served here, not
from a CDN; the base map's tiles come from ``IRONROUTE_CONSOLE_TILE_URL`` (none by default:
the routes are drawn on a plain background).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import get_args
from urllib.parse import urlsplit

import xstatic.pkg.leaflet as leaflet
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from api.settings import Settings
from planner.audit import Outcome

PAGES = Path(__file__).resolve().parent.parent / "pages"
LEAFLET = Path(leaflet.BASE_DIR)

router = APIRouter(include_in_schema=False)


def page_config(settings: Settings) -> dict[str, str | list[str]]:
    """What the pages need to know of the server (nothing secret), and the visit outcomes the
    rep's check-out offers (those ``POST /v1/visits`` accepts)."""
    return {
        "tile_url": settings.console_tile_url,
        "tile_crs": settings.console_tile_crs,
        "tile_attribution": settings.console_tile_attribution,
        "leaflet_version": str(leaflet.VERSION),
        "outcomes": list(get_args(Outcome)),
    }


def security_headers(settings: Settings) -> dict[str, str]:
    """A strict Content-Security-Policy: scripts only from this server, images also from the
    tile server's origin, connections only back to this server."""
    tiles = ""
    if settings.console_tile_url:
        parts = urlsplit(settings.console_tile_url)
        host = parts.netloc
        if "{" in host:  # a subdomain template ({s}.tiles.example.com): any subdomain
            host = "*." + host.split(".", 1)[-1]
        tiles = f" {parts.scheme}://{host}"
    return {
        "Content-Security-Policy": (
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            f"img-src 'self' data:{tiles}; connect-src 'self'; frame-ancestors 'none'; "
            "base-uri 'none'; form-action 'self'"
        ),
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    }


@router.get("/console", response_class=HTMLResponse)
async def console(request: Request) -> HTMLResponse:
    """The console page; it shows the manager's branch day or the rep's day by the key's role."""
    settings: Settings = request.app.state.services.settings
    config = json.dumps(page_config(settings)).replace("<", "\\u003c")
    html = (PAGES / "console.html").read_text("utf-8").replace("{{CONFIG}}", config)
    return HTMLResponse(html, headers=security_headers(settings))


@router.get("/console/")
async def console_slash() -> RedirectResponse:
    return RedirectResponse("/console", status_code=308)


def mount_console(app: FastAPI) -> None:
    """The console's page, its own assets and Leaflet's."""
    app.include_router(router)
    app.mount("/console/assets", StaticFiles(directory=PAGES), name="console-assets")
    app.mount("/console/vendor/leaflet", StaticFiles(directory=LEAFLET), name="leaflet")
