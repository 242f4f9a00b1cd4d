/* The rep's check-in and check-out at a stop, and the day's recorded visits.

   A visit record (POST /v1/visits, api/documents/visits.py) needs its check-out and outcome,
   and a stored record cannot be changed: so "Check in" keeps the instant and the phone's GPS
   fix in this tab (sessionStorage, as the key), and "Check out" posts the whole record once,
   with an id made here (posting it again answers the stored record). The position is the
   browser's (navigator.geolocation, WGS-84, with its accuracy); when it is refused or
   unavailable the page says so and no check-in happens: a position is never made up. */
"use strict";
window.IronrouteParts = window.IronrouteParts || {};
window.IronrouteParts.checkIn = function (kit) {
  const { el, api, $, hhmm } = kit;
  const OUTCOME_LABELS = {
    met_decision_maker: "Met the decision maker",
    met_staff: "Met staff only",
    not_in: "Nobody in",
    refused: "Refused",
    rescheduled: "Rescheduled",
    closed: "Closed",
    other: "Other",
  };
  const PENDING = "ironroute.checkin.";
  const state = { repId: null, date: null, plan: null, offsetMin: null, records: [] };

  /** A version 4 UUID (crypto.randomUUID needs a secure context; getRandomValues does not). */
  function uuid4() {
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  /** The UTC offset (minutes) the plan's times are written in; else the phone's. */
  function planOffset(plan) {
    const stamp = plan && plan.stops && plan.stops.length ? plan.stops[0].depart || plan.stops[0].start : null;
    const m = stamp && /([+-])(\d{2}):(\d{2})$/.exec(stamp);
    if (m) return (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
    if (stamp && stamp.endsWith("Z")) return 0;
    return -new Date().getTimezoneOffset();
  }

  /** Now as ISO 8601 with the given offset (seconds precision): "2026-11-27T09:10:00+08:00". */
  function isoNow(offsetMin) {
    const local = new Date(Date.now() + offsetMin * 60000).toISOString().slice(0, 19);
    const sign = offsetMin < 0 ? "-" : "+";
    const a = Math.abs(offsetMin);
    const pad = (n) => String(n).padStart(2, "0");
    return `${local}${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
  }

  const isToday = () => isoNow(state.offsetMin).slice(0, 10) === state.date;
  const pendingKey = (seq) => `${PENDING}${state.repId}|${state.date}|${seq}`;
  function pendingOf(seq) {
    try {
      return JSON.parse(sessionStorage.getItem(pendingKey(seq)) || "null");
    } catch (_) {
      return null;
    }
  }

  /** The stored record of a stop: a visit by its lead, a sweep by its building. */
  function recordOf(stop) {
    return state.records.find((r) =>
      stop.type === "sweep" ? r.sweep && r.building_id === stop.building_id : !r.sweep && r.lead_id === stop.lead_id
    );
  }

  /** The day's records, listed under the stops; and the day the controls work on. */
  async function load(repId, date, plan) {
    Object.assign(state, { repId, date, plan, offsetMin: planOffset(plan), records: [] });
    $("rep-visits-status").textContent = "Loading the day's records…";
    try {
      const day = await api(`/v1/reps/${encodeURIComponent(repId)}/visits/${date}`);
      state.records = day.records;
    } catch (e) {
      $("rep-visits-status").textContent = `Could not load the day's records: ${e.message}`;
      $("rep-visits-table").tBodies[0].replaceChildren();
      return;
    }
    renderRecords();
    $("rep-checkin-note").textContent =
      plan && !isToday() ? `Check-in opens on ${date}, the plan's day.` : "";
  }

  function renderRecords() {
    const rows = state.records.map((r) =>
      el("tr", { "data-record": r.record_id },
        el("th", { scope: "row" }, `${hhmm(r.check_in)}–${hhmm(r.check_out)}`),
        el("td", {}, r.sweep ? `sweep ${r.building_id || ""}` : r.lead_id || "—"),
        el("td", { "data-col": "outcome" }, r.outcome),
        el("td", {}, r.effective ? "yes" : "no"),
        el("td", {}, `±${Math.round(r.accuracy_m)} m`)
      )
    );
    $("rep-visits-table").tBodies[0].replaceChildren(...rows);
    $("rep-visits-table").hidden = !rows.length;
    $("rep-visits-status").textContent = rows.length
      ? `${rows.length} visit${rows.length === 1 ? "" : "s"} recorded on ${state.date}.`
      : `No visit recorded on ${state.date} yet.`;
  }

  /** The check-in part of a stop's card (visits and sweeps only). */
  function control(plan, stop, seq) {
    if (stop.type !== "visit" && stop.type !== "sweep") return null;
    const box = el("div", { class: "check", "data-check": seq });
    render(box, stop, seq);
    return box;
  }

  function render(box, stop, seq, message) {
    const what = stop.type === "sweep" ? `building ${stop.building_id}` : stop.lead_id;
    const note = el("p", { class: "check-msg", role: "status" }, message || "");
    const done = recordOf(stop);
    if (done) {
      box.replaceChildren(el("p", { class: "done" },
        `Recorded: ${OUTCOME_LABELS[done.outcome] || done.outcome}, ${hhmm(done.check_in)}–${hhmm(done.check_out)}`));
      return;
    }
    const pending = pendingOf(seq);
    if (pending) {
      const select = el("select", { id: `outcome-${seq}`, required: true },
        el("option", { value: "" }, "Choose…"),
        kit.outcomes.map((o) => el("option", { value: o }, OUTCOME_LABELS[o] || o)));
      box.replaceChildren(
        el("p", {}, `Checked in at ${hhmm(pending.check_in)}, position ±${Math.round(pending.accuracy_m)} m.`),
        el("label", { for: `outcome-${seq}` }, "Outcome "), select, " ",
        el("button", { type: "button", class: "check-out", "aria-label": `Check out of ${what}`,
          onclick: () => checkOut(box, stop, seq, select.value) }, "Check out"), " ",
        el("button", { type: "button", class: "secondary", "aria-label": `Cancel the check-in at ${what}`,
          onclick: () => { sessionStorage.removeItem(pendingKey(seq)); render(box, stop, seq, "Check-in cancelled."); } },
          "Cancel"),
        note
      );
      return;
    }
    if (!isToday()) {
      box.replaceChildren();
      return;
    }
    box.replaceChildren(
      el("button", { type: "button", class: "check-in", "aria-label": `Check in at ${what}`,
        onclick: (ev) => checkIn(box, stop, seq, ev.currentTarget) }, "Check in"),
      note
    );
  }

  const GEO_ERRORS = {
    1: "Location is not allowed for this page, so you cannot check in here: allow location for this site in the browser's settings and try again.",
    2: "Your phone could not find its position: try again in a moment (outdoors or near a window helps).",
    3: "Finding your position took too long: try again.",
  };

  function checkIn(box, stop, seq, button) {
    const say = (text) => (box.querySelector(".check-msg").textContent = text);
    if (!navigator.geolocation) {
      say("This browser gives no position to this page (it needs https), so you cannot check in here.");
      return;
    }
    button.disabled = true;
    say("Finding your position…");
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        const pending = {
          record_id: uuid4(),
          check_in: isoNow(state.offsetMin),
          location: { lat: pos.coords.latitude, lon: pos.coords.longitude },
          accuracy_m: pos.coords.accuracy,
        };
        sessionStorage.setItem(pendingKey(seq), JSON.stringify(pending));
        render(box, stop, seq, "Checked in. Check out when you leave, with the outcome.");
      },
      (err) => {
        button.disabled = false;
        say(GEO_ERRORS[err.code] || `No position: ${err.message}`);
      },
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 }
    );
  }

  async function checkOut(box, stop, seq, outcome) {
    const say = (text) => (box.querySelector(".check-msg").textContent = text);
    const pending = pendingOf(seq);
    if (!pending) return render(box, stop, seq);
    if (!outcome) return say("Choose the outcome first.");
    const record = {
      record_id: pending.record_id,
      rep_id: state.repId,
      date: state.date,
      check_in: pending.check_in,
      check_out: isoNow(state.offsetMin),
      location: pending.location,
      accuracy_m: pending.accuracy_m,
      crs: "wgs84",
      outcome,
      effective: outcome === "met_decision_maker",
      sweep: stop.type === "sweep",
    };
    if (stop.type === "visit") record.lead_id = stop.lead_id;
    else record.building_id = stop.building_id;
    say("Sending…");
    let saved;
    try {
      saved = await api("/v1/visits", { method: "POST", body: record });
    } catch (e) {
      const fields = (e.details || []).map((d) => `${d.field}: ${d.message}`).join("; ");
      say(e.status ? `Not recorded: ${e.message}${fields ? ` (${fields})` : ""}` :
        "Could not reach the server; the check-in is kept here, try Check out again.");
      return;
    }
    sessionStorage.removeItem(pendingKey(seq));
    state.records = [...state.records.filter((r) => r.record_id !== saved.record_id), saved].sort((a, b) =>
      Date.parse(a.check_in) - Date.parse(b.check_in));
    renderRecords();
    render(box, stop, seq);
  }

  return { load, control };
};
