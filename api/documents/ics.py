"""A day plan as an iCalendar file (RFC 5545) a phone calendar imports: one event per
visit, sweep and break, in the problem's time zone, with the place and what to do there."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from geo import LatLon, to_wgs84
from planner import DEFAULT_TIMEZONE

PRODID = "-//ironroute//day plan//EN"


def _local(instant: str, zone: ZoneInfo) -> datetime:
    return datetime.fromisoformat(instant).astimezone(zone)


def _summary(stop: dict[str, Any], leads: dict[str, Any], buildings: dict[str, Any]) -> str:
    if stop["type"] == "visit":
        lead = leads.get(stop["lead_id"], {})
        kind = str(lead.get("kind") or "new").replace("_", "-")
        who = ", decision maker" if stop.get("effective") else ""
        return f"Visit {stop['lead_id']} ({kind}{who})"
    if stop["type"] == "sweep":
        name = buildings.get(stop["building_id"], {}).get("name") or stop["building_id"]
        return f"Cold-call sweep: {name}"
    return "Lunch break"


def _description(stop: dict[str, Any], leads: dict[str, Any], plan_id: str) -> str:
    lines = []
    if stop["type"] == "visit":
        lead = leads.get(stop["lead_id"], {})
        lines.append(f"Lead {stop['lead_id']}, value {lead.get('value', 0)}")
        if lead.get("building_id"):
            lines.append(f"Building {lead['building_id']}")
    if stop["type"] == "sweep":
        lines.append(f"Building {stop['building_id']}, after visit {stop['anchor_lead_id']}")
    travel = stop.get("travel_minutes") or 0
    if travel:
        lines.append(f"Travel before: {travel:.0f} min, {stop.get('travel_km', 0):.1f} km")
    if stop.get("wait_minutes"):
        lines.append(f"Wait on arrival: {stop['wait_minutes']:.0f} min")
    lines.append(f"ironroute plan {plan_id}")
    return "\n".join(lines)


def plan_calendar(plan: dict[str, Any], problem: dict[str, Any], stamp: datetime) -> bytes:
    """The iCalendar file of ``plan`` (answering ``problem``); ``stamp`` is its DTSTAMP."""
    zone = ZoneInfo(problem.get("timezone") or DEFAULT_TIMEZONE)
    leads = {x["id"]: x for x in problem.get("leads") or []}
    buildings = {b["id"]: b for b in problem.get("buildings") or []}
    plan_id = str(plan["plan_id"])
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"Route of {plan['rep_id']} on {plan['date']}")
    day = f"{plan['rep_id']}-{plan['date']}"
    for stop in [*(plan.get("done") or []), *plan["stops"]]:
        if stop["type"] not in ("visit", "sweep", "break"):
            continue
        event = Event()
        # the same stop keeps its UID in every version of the day, so a calendar that
        # follows the day's latest plan moves its events instead of duplicating them
        what = stop.get("lead_id") or stop.get("building_id") or "lunch"
        event.add("uid", f"{day}-{stop['type']}-{what}@ironroute")
        event.add("sequence", int(plan.get("version") or 1))
        event.add("dtstamp", stamp)
        event.add("dtstart", _local(stop["start"], zone))
        event.add("dtend", _local(stop["depart"], zone))
        event.add("summary", _summary(stop, leads, buildings))
        event.add("description", _description(stop, leads, plan_id))
        where = to_wgs84(LatLon(stop["location"]["lat"], stop["location"]["lon"]), plan["crs"])
        event.add("geo", (where.lat, where.lon))
        event.add("location", f"{where.lat:.6f},{where.lon:.6f}")
        event.add("categories", [stop["type"]])
        if stop.get("links"):
            event.add("url", stop["links"]["geo"])
        event.add("transp", "OPAQUE")
        cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())
