"""The console in a real browser: Debian's headless Chromium (/usr/bin/chromium), driven by
Playwright, on a live server over the demo's stored day.

Screenshots are kept under ``test-artifacts/console/`` (ignored by git; the path is printed).
Without Chromium these tests skip and say why — except under CI, where ``.ci/run`` installs
it, so a missing browser fails.
"""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from geo.crs import wgs84_to_gcj02
from geo.latlon import LatLon
from tests.api.console_fixtures import ConsoleServer, serve_demo_day

CHROMIUM = os.environ.get("IRONROUTE_TEST_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "console"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
    reason = f"no Chromium at {CHROMIUM}: install Debian's 'chromium' package to run these"
    if os.environ.get("CI"):
        raise RuntimeError(f"{reason} (CI installs it in .ci/run, so it must be here)")
    pytest.skip(reason, allow_module_level=True)

from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402


@pytest.fixture
def server(console_server: ConsoleServer) -> ConsoleServer:
    return console_server


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda e: errors.append(str(e)))
    yield opened
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def shot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


def sign_in(page: Page, url: str, key: str) -> None:
    page.goto(url)
    page.fill("#key-input", key)
    page.click("#login-form button[type=submit]")


def open_branch(page: Page, server: ConsoleServer, key: str) -> None:
    b = server.day.branch
    sign_in(page, f"{server.api.url}/console#branch={b['branch_id']}&date={b['date']}", key)
    page.wait_for_selector("#rep-table tbody tr[data-rep]")


def _table(page: Page) -> dict[str, dict[str, str]]:
    rows: dict[str, dict[str, str]] = page.eval_on_selector_all(
        "#rep-table tbody tr",
        """rows => Object.fromEntries(rows.map(r => [r.dataset.rep, Object.fromEntries(
              [...r.querySelectorAll('td[data-col]')].map(td => [td.dataset.col, td.textContent])
           )]))""",
    )
    return rows


def test_a_manager_sees_every_reps_route_and_a_table_matching_the_stored_plans(page, server):
    open_branch(page, server, server.api.keys["manager"])
    plans = server.day.plans
    table = _table(page)
    assert set(table) == set(plans)
    for rep_id, plan in plans.items():
        t = plan["totals"]
        assert table[rep_id] == {
            "visits": str(t["visits"]),
            "effective": str(t["effective_visits"]),
            "sweeps": str(t["sweeps"]),
            "km": f"{t['travel_km']:.1f}",
            "back": t["return_at"][11:16],
            "value": f"{t['value']:.0f}",
            "issues": ", ".join(i["code"] for i in plan["issues"]),
            "unvisited": table[rep_id]["unvisited"],
        }
        reasons = {u["reason"] for u in plan["unvisited"]}
        assert all(reason in table[rep_id]["unvisited"] for reason in reasons)
    # one polyline per route (plus one polygon per territory), a marker per stop and lead
    routes = page.locator("#branch-map path.leaflet-interactive, #branch-map path").count()
    territories = len(server.day.balance["territories"]["features"])
    assert routes >= len(plans) + territories
    for rep_id, plan in plans.items():
        stops = [s for s in plan["stops"] if s["type"] not in ("start", "end")]
        labelled = page.locator(f'#branch-map [aria-label^="{rep_id}, stop "]')
        assert labelled.count() == len(stops)
        unvisited = page.locator(f'#branch-map [aria-label^="{rep_id}: lead "]')
        assert unvisited.count() == len(plan["unvisited"])
    assert page.locator("#charts svg[role=img]").count() == 5  # 3 plan charts, 2 balance
    assert "territories from balance" in page.text_content("#branch-status")
    assert page.locator("#debrief").is_hidden()  # a hook until the debrief exists
    shot(page, "branch-day-manager")


def test_stops_are_reachable_by_keyboard_and_labelled(page, server):
    open_branch(page, server, server.api.keys["manager"])
    rep_id = sorted(server.day.plans)[0]
    page.click(f'#rep-table button[aria-label^="Show {rep_id}"]')
    focused = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert focused and focused.startswith(f"{rep_id}")
    page.keyboard.press("Tab")
    after = page.evaluate("document.activeElement.getAttribute('aria-label') || ''")
    assert after.startswith(rep_id)  # the next marker of the route takes the focus
    page.keyboard.press("Enter")  # opens the marker's popup: its text is the label
    assert page.locator(".leaflet-popup-content").first.text_content() == after
    shot(page, "branch-day-keyboard")


def test_a_rep_key_sees_only_its_own_day_on_a_phone(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    try:
        b = server.day.branch
        # even asked for the branch, a rep key gets its own day
        sign_in(
            page,
            f"{server.api.url}/console#branch={b['branch_id']}&date={b['date']}",
            server.rep_key,
        )
        page.wait_for_selector("#rep-stops li")
        plan = server.day.plans[server.rep_id]
        assert page.locator("#branch-view").is_hidden()
        items = page.locator("#rep-stops li")
        assert items.count() == len(plan["stops"])
        first_visit = next(k for k, s in enumerate(plan["stops"]) if s["type"] == "visit")
        text = items.nth(first_visit).text_content() or ""
        stop = plan["stops"][first_visit]
        assert stop["start"][11:16] in text and stop["lead_id"] in text
        others = set(server.day.plans) - {server.rep_id}
        body = page.text_content("body") or ""
        assert not any(f"{other}:" in body or f"{other}," in body for other in others)
        # the branch's endpoint is closed to it, whatever the page asks
        status = page.evaluate(
            """async (path) => (await fetch(path, {headers: {Authorization:
                   'Bearer ' + sessionStorage.getItem('ironroute.key')}})).status""",
            server.day.path,
        )
        assert status == 403
        assert server.rep_key not in page.url
        shot(page, "rep-day-phone")
    finally:
        context.close()


def test_the_key_lives_in_the_tab_only_and_signing_out_forgets_it(page, server):
    open_branch(page, server, server.api.keys["manager"])
    assert server.api.keys["manager"] not in page.url
    stored = page.evaluate("sessionStorage.getItem('ironroute.key')")
    assert stored == server.api.keys["manager"]
    page.click("#sign-out")
    assert page.evaluate("sessionStorage.getItem('ironroute.key')") is None
    assert page.locator("#login").is_visible()


def test_a_refused_key_asks_again(page, server):
    sign_in(page, f"{server.api.url}/console", "irk_not-a-key")
    page.wait_for_selector("#login-error:has-text('refused')")


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (39.9968, 116.4807),  # Wangjing, Beijing
        (22.5431, 114.0579),  # Shenzhen
        (31.2304, 121.4737),  # Shanghai
    ],
)
def test_the_pages_gcj02_shift_matches_geo_crs(page, server, lat, lon):
    page.goto(f"{server.api.url}/console")
    got: Any = page.evaluate("([a, b]) => window.IronrouteCRS.wgs84ToGcj02(a, b)", [lat, lon])
    want = wgs84_to_gcj02(LatLon(lat, lon))
    assert math.isclose(got[0], want.lat, abs_tol=1e-12)
    assert math.isclose(got[1], want.lon, abs_tol=1e-12)


def test_with_gcj02_tiles_the_routes_are_drawn_shifted(browser, demo_day):
    # a tile URL nobody answers: the data still renders, on the plain background
    with serve_demo_day(
        demo_day, console_tile_url="http://127.0.0.1:9/{z}/{x}/{y}.png", console_tile_crs="gcj02"
    ) as running:
        context = browser.new_context(viewport={"width": 1200, "height": 800})
        page = context.new_page()
        try:
            open_branch(page, running, running.api.keys["manager"])
            assert page.locator("#branch-map .leaflet-tile-pane img").count() > 0
            rep_id = sorted(demo_day.plans)[0]
            office = demo_day.plans[rep_id]["geometry"]["features"][0]["geometry"]["coordinates"][0]
            shifted: Any = page.evaluate(
                """() => { let found = null; window.IronrouteConsole.branchMap().eachLayer(l => {
                       if (l.getLatLng && !found) found = l.getLatLng(); }); return found; }"""
            )
            want = wgs84_to_gcj02(LatLon(office[1], office[0]))
            assert shifted is not None
            assert math.isclose(shifted["lat"], want.lat, abs_tol=1e-9)
            assert math.isclose(shifted["lng"], want.lon, abs_tol=1e-9)
            shot(page, "branch-day-gcj02-no-network")
        finally:
            context.close()
