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
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, get_args

import httpx
import pytest

from geo.crs import wgs84_to_gcj02
from geo.latlon import LatLon
from planner.audit import Outcome
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
    page.wait_for_selector("#debrief-table")  # the evening debrief, plan side at least
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


# --- check-in, the debrief and the audit ---------------------------------------------------

HERE = {"latitude": 39.923312, "longitude": 116.466201, "accuracy": 12.5}  # beside L0016


def _visits(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in plan["stops"] if s["type"] == "visit"]


def _rep_context(browser: Browser, *, grant: bool) -> Any:
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        timezone_id="Asia/Shanghai",
        geolocation=HERE if grant else None,
        permissions=["geolocation"] if grant else [],
    )
    return context


def _rep_visits(server: ConsoleServer, rep_id: str, day: str) -> list[dict[str, Any]]:
    r = httpx.get(
        f"{server.api.url}/v1/reps/{rep_id}/visits/{day}",
        headers={"Authorization": f"Bearer {server.api.keys['manager']}"},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    records: list[dict[str, Any]] = r.json()["records"]
    return records


def test_a_rep_checks_in_and_out_at_a_stop_and_the_record_is_stored(browser, server):
    plan = server.day.plans[server.rep_id]
    seq, stop = next((k, s) for k, s in enumerate(plan["stops"]) if s["type"] == "visit")
    arrive = datetime.fromisoformat(stop["start"]) + timedelta(minutes=1)
    leave = datetime.fromisoformat(stop["depart"])
    context = _rep_context(browser, grant=True)
    page = context.new_page()
    try:
        page.clock.set_fixed_time(arrive)
        sign_in(page, f"{server.api.url}/console", server.rep_key)
        card = page.locator(f'#rep-stops li[data-seq="{seq}"]')
        card.get_by_role("button", name=f"Check in at {stop['lead_id']}").click()
        card.locator("text=Checked in at").wait_for()
        # the outcomes offered are the ones the API takes
        offered = card.locator("select option").evaluate_all("os => os.map(o => o.value)")
        assert offered == ["", *get_args(Outcome)]
        shot(page, "rep-checked-in")
        page.clock.set_fixed_time(leave)
        card.locator("select").select_option("met_staff")
        card.get_by_role("button", name=f"Check out of {stop['lead_id']}").click()
        card.locator("text=Recorded:").wait_for()
        row = page.locator("#rep-visits-table tbody tr")
        assert row.count() == 1
        record_id = row.first.get_attribute("data-record")
        shot(page, "rep-checked-out")
    finally:
        context.close()
    (stored,) = [r for r in _rep_visits(server, server.rep_id, plan["date"])
                 if r["record_id"] == record_id]  # fmt: skip
    assert stored == {
        "record_id": record_id,
        "rep_id": server.rep_id,
        "lead_id": stop["lead_id"],
        "date": plan["date"],
        "check_in": arrive.isoformat(),
        "check_out": leave.isoformat(),
        "location": {"lat": HERE["latitude"], "lon": HERE["longitude"]},
        "accuracy_m": HERE["accuracy"],
        "crs": "wgs84",
        "outcome": "met_staff",
        "effective": False,
        "building_id": None,
        "sweep": False,
        "note": None,
        "branch_id": None,
    }
    assert uuid.UUID(str(record_id)).version == 4


def test_without_location_permission_the_rep_is_told_and_nothing_is_recorded(browser, server):
    plan = server.day.plans[server.rep_id]
    seq, stop = [(k, s) for k, s in enumerate(plan["stops"]) if s["type"] == "visit"][-1]
    before = _rep_visits(server, server.rep_id, plan["date"])
    context = _rep_context(browser, grant=False)
    page = context.new_page()
    try:
        page.clock.set_fixed_time(datetime.fromisoformat(stop["start"]))
        sign_in(page, f"{server.api.url}/console", server.rep_key)
        card = page.locator(f'#rep-stops li[data-seq="{seq}"]')
        card.get_by_role("button", name=f"Check in at {stop['lead_id']}").click()
        card.locator(".check-msg:has-text('Location is not allowed')").wait_for()
        assert card.locator("select").count() == 0  # no check-in without a position
        shot(page, "rep-location-denied")
    finally:
        context.close()
    assert _rep_visits(server, server.rep_id, plan["date"]) == before


def test_on_another_day_than_the_plans_no_check_in_is_offered(browser, server):
    plan = server.day.plans[server.rep_id]
    context = _rep_context(browser, grant=True)
    page = context.new_page()
    try:
        page.clock.set_fixed_time(
            datetime.fromisoformat(plan["stops"][0]["depart"]) + timedelta(days=1)
        )
        sign_in(page, f"{server.api.url}/console#date={plan['date']}", server.rep_key)
        page.wait_for_selector("#rep-checkin-note:has-text('Check-in opens on')")
        assert page.locator("#rep-stops button.check-in").count() == 0
    finally:
        context.close()


def _post(server: ConsoleServer, record: dict[str, Any]) -> None:
    r = httpx.post(
        f"{server.api.url}/v1/visits",
        json=record,
        headers={"Authorization": f"Bearer {server.api.keys['crm']}"},
        timeout=30,
    )
    assert r.status_code in (200, 201), r.text


def _record(rep_id: str, stop: dict[str, Any], record_id: str, **over: Any) -> dict[str, Any]:
    """An honest record of a planned visit: at its place (a few metres off), at its time."""
    loc = stop["location"]
    return {
        "record_id": record_id,
        "rep_id": rep_id,
        "lead_id": stop["lead_id"],
        "date": stop["start"][:10],
        "check_in": stop["start"],
        "check_out": stop["depart"],
        "location": {"lat": loc["lat"] + 0.0000731, "lon": loc["lon"] - 0.0000517},
        "accuracy_m": 20,
        "outcome": "met_decision_maker" if stop["effective"] else "met_staff",
        "effective": stop["effective"],
        **over,
    }


def test_a_manager_sees_the_debrief_and_the_audit_flags_a_fabricated_record(page, server):
    reps = sorted(server.day.plans)
    honest_rep, cheat_rep = reps[1], reps[2]
    honest = _visits(server.day.plans[honest_rep])
    for k, stop in enumerate(honest[:4]):
        late = timedelta(seconds=41 * k)  # real visits do not last the same second
        times = {
            "check_in": (datetime.fromisoformat(stop["start"]) + late).isoformat(),
            "check_out": (datetime.fromisoformat(stop["depart"]) - late).isoformat(),
        }
        if k == 3:
            times |= {"outcome": "not_in", "effective": False}
        _post(server, _record(honest_rep, stop, f"ui-honest-{k}", **times))
    cheat = _visits(server.day.plans[cheat_rep])
    a, b = cheat[0], cheat[-1]
    # the same fix pasted into a second lead's record: a phone's fix has 6+ decimals (the
    # audit ignores coarse coordinates, which honest reps can share)
    copied = {
        "lat": round(a["location"]["lat"], 4) + 0.0000123,
        "lon": round(a["location"]["lon"], 4) + 0.0000457,
    }
    _post(server, _record(cheat_rep, a, "ui-cheat-a", location=copied))
    _post(server, _record(cheat_rep, b, "ui-cheat-b", location=copied))

    open_branch(page, server, server.api.keys["manager"])
    page.wait_for_selector("#debrief-table tbody tr[data-rep]")
    b_ = server.day.branch
    want = httpx.get(
        f"{server.api.url}/v1/branches/{b_['branch_id']}/debrief/{b_['date']}",
        headers={"Authorization": f"Bearer {server.api.keys['manager']}"},
        timeout=30,
    ).json()
    rows = {r["rep_id"]: r for g in want["groups"] for r in g["reps"]}
    table = page.eval_on_selector_all(
        "#debrief-table tbody tr[data-rep]",
        """rows => Object.fromEntries(rows.map(r => [r.dataset.rep, Object.fromEntries(
              [...r.querySelectorAll('td[data-col]')].map(td => [td.dataset.col, td.textContent])
           )]))""",
    )
    assert set(table) == set(rows)
    for rep_id, row in rows.items():
        got = table[rep_id]
        assert got["visits"] == str(row["actual"]["visits"])
        assert got["planned-visits"] == str(row["planned"]["visits"])
        assert got["km"] == f"{row['actual']['km']:.1f}"
        assert got["on-time"] == str(row["actual"]["on_time"])
        for reason, n in row["misses"].items():
            assert f"{reason} {n}" in got["misses"]
    assert table[honest_rep]["visits"] == "4" and "not_in 1" in table[honest_rep]["misses"]
    assert rows[cheat_rep]["audit"]["flagged"] and "flagged" in table[cheat_rep]["audit"]
    assert "copied_coordinates" in table[cheat_rep]["audit"]
    # the audit on demand, from the keyboard
    page.focus("#run-audit")
    page.keyboard.press("Enter")
    page.wait_for_selector("#audit-records")
    flagged = page.eval_on_selector_all(
        "#audit-records tbody tr", "rows => rows.map(r => r.dataset.record)"
    )
    assert {"ui-cheat-a", "ui-cheat-b"} <= set(flagged)
    assert not any(r.startswith("ui-honest") for r in flagged)
    for rid in ("ui-cheat-a", "ui-cheat-b"):
        cell = page.locator(
            f'#audit-records tr[data-record="{rid}"] li[data-flag="copied_coordinates"]'
        )
        assert cell.count() == 1
        assert "=" in (cell.locator(".evidence").text_content() or "")  # its numbers
    flagged_day = '#audit-days tr[data-rep="{}"] td[data-col="flagged"]'
    assert page.text_content(flagged_day.format(cheat_rep)) == "flagged"
    assert page.text_content(flagged_day.format(honest_rep)) == "no"
    sample = page.eval_on_selector_all("#audit-sample li", "ls => ls.map(l => l.dataset.record)")
    total = int(page.text_content("#audit-summary").split(" records")[0])  # type: ignore[union-attr]
    assert len(sample) == min(10, total) and len(set(sample)) == len(sample)
    assert page.evaluate("document.activeElement.id") == "audit-result-title"
    shot(page, "branch-debrief-audit")


def test_a_branch_without_runs_or_records_says_no_records_yet(page, server):
    sign_in(
        page, f"{server.api.url}/console#branch=nowhere&date=2026-11-27", server.api.keys["manager"]
    )
    page.wait_for_selector("#debrief-status:has-text('No records yet for nowhere')")
    assert page.locator("#debrief-table").count() == 0
