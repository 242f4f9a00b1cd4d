/* The ironroute console: a manager's branch day and a rep's day, on the /v1 API.

   The key is typed in once, kept in this tab's sessionStorage and sent as a bearer token on
   every fetch; it never goes into a URL. The view's state (branch, date, rep) lives in the
   URL's fragment (#branch=…&date=…), which browsers never send to the server.
   Every text from the server is put in the page as text (textContent), never as HTML. */
"use strict";
(function () {
  const CONFIG = JSON.parse(document.getElementById("console-config").textContent);
  const KEY_STORE = "ironroute.key";
  const POLL_MS = 2000;
  // the same palette as the SVG map (api/documents/svg_map.py)
  const PALETTE = [
    "#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#9a6324",
    "#469990", "#800000", "#808000", "#000075", "#bfef45", "#fabed4", "#dcbeff", "#ffd8b1",
  ];
  const REASONS = {
    window_unreachable: "no window can be reached",
    no_time: "no time left beside the chosen visits",
    lower_value: "dropped for more valuable leads",
    day_infeasible: "the day itself is infeasible",
  };

  const $ = (id) => document.getElementById(id);

  /** An element with attributes and children (strings become text nodes, never HTML). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "style") node.style.cssText = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  const SVG_NS = "http://www.w3.org/2000/svg";
  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    for (const c of children.flat()) {
      if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
    }
    return node;
  }

  /** "HH:MM" of an ISO instant, in the plan's own time zone (the offset it was written with). */
  const hhmm = (iso) => (iso ? iso.slice(11, 16) : "—");
  const num = (x, digits = 0) => (x === null || x === undefined ? "—" : Number(x).toFixed(digits));

  // --- the key and the API ------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  const apiKey = () => sessionStorage.getItem(KEY_STORE);

  /** GET `path` (or send `body` as JSON with `method`); the answer's JSON, or ApiError. */
  async function api(path, { method = "GET", body = undefined } = {}) {
    const headers = { Authorization: "Bearer " + apiKey(), Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
    let answer = null;
    try {
      answer = await res.json();
    } catch (_) {
      answer = null;
    }
    if (res.status === 401) {
      sessionStorage.removeItem(KEY_STORE);
      showLogin("The server refused that key (unknown or revoked).");
    }
    if (!res.ok) {
      const err = new ApiError(res.status, answer && answer.code, (answer && answer.message) || res.statusText);
      err.details = (answer && answer.details) || [];
      throw err;
    }
    return answer;
  }

  function hashState() {
    return Object.fromEntries(new URLSearchParams(location.hash.slice(1)));
  }
  function setHash(state) {
    const clean = Object.fromEntries(Object.entries(state).filter(([, v]) => v));
    history.replaceState(null, "", "#" + new URLSearchParams(clean).toString());
  }
  function today() {
    const d = new Date();
    const pad = (n) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  }

  // --- the map ------------------------------------------------------------------------

  /** [lat, lon] on the map of a WGS-84 GeoJSON position [lon, lat]: shifted to GCJ-02 when
      the tiles are drawn in it (Chinese tile sources), so points land on their streets. */
  const toMap =
    CONFIG.tile_crs === "gcj02"
      ? (pos) => window.IronrouteCRS.wgs84ToGcj02(pos[1], pos[0])
      : (pos) => [pos[1], pos[0]];

  function makeMap(container) {
    const map = L.map(container, { keyboard: true, zoomSnap: 0.25, preferCanvas: false });
    if (CONFIG.tile_url) {
      L.tileLayer(CONFIG.tile_url, {
        attribution: CONFIG.tile_attribution || "",
        maxZoom: 19,
        crossOrigin: false,
      }).addTo(map);
    }
    map.attributionControl.setPrefix("Leaflet " + CONFIG.leaflet_version);
    map.setView([39.99, 116.47], 12); // replaced by the data's bounds once it arrives
    return map;
  }

  function stopLabel(repId, stop, seq) {
    const what =
      stop.type === "visit"
        ? `visit ${stop.lead_id}${stop.effective ? " (effective)" : ""}`
        : stop.type === "sweep"
        ? `sweep of building ${stop.building_id} after ${stop.anchor_lead_id}`
        : stop.type === "break"
        ? "lunch break"
        : stop.type === "start"
        ? "leaves the office"
        : "back at the office";
    const when = stop.type === "start" ? hhmm(stop.depart) : hhmm(stop.start || stop.arrive);
    return `${repId}, stop ${seq}: ${what} at ${when}`;
  }

  function icon(kind, colour, text, extra) {
    const size = kind === "visit" || kind === "sweep" ? 20 : kind === "office" ? 18 : 14;
    return L.divIcon({
      className: "",
      html: `<div class="stop-icon ${kind} ${extra || ""}" style="width:${size}px;height:${size}px;background:${colour};border-color:${colour}">${text}</div>`,
      iconSize: [size, size],
      iconAnchor: [size / 2, size / 2],
    });
  }

  /** Markers are keyboard-focusable (Leaflet's keyboard option) and carry an aria-label. */
  function addMarker(layer, latlng, options, label, popup) {
    const m = L.marker(latlng, { keyboard: true, title: label, ...options });
    m.bindPopup(popup || label);
    m.on("add", () => {
      const node = m.getElement();
      if (node) node.setAttribute("aria-label", label);
    });
    layer.addLayer(m);
    return m;
  }

  /** One plan's route, numbered stops, sweeps and unvisited leads as a layer group. */
  function planLayer(plan, colour, { office = true } = {}) {
    const group = L.featureGroup();
    const features = (plan.geometry && plan.geometry.features) || [];
    const unvisited = Object.fromEntries((plan.unvisited || []).map((u) => [u.lead_id, u.reason]));
    for (const f of features) {
      const p = f.properties || {};
      if (f.geometry.type === "LineString") {
        L.polyline(f.geometry.coordinates.map(toMap), {
          color: colour,
          weight: 3,
          opacity: 0.85,
          interactive: false,
        }).addTo(group);
      }
    }
    for (const f of features) {
      const p = f.properties || {};
      if (f.geometry.type !== "Point") continue;
      const at = toMap(f.geometry.coordinates);
      if (p.kind === "unvisited") {
        const reason = unvisited[p.lead_id] || "unvisited";
        const label = `${plan.rep_id}: lead ${p.lead_id} not visited: ${REASONS[reason] || reason}`;
        addMarker(group, at, { icon: icon("unvisited", "#fff", "") }, label);
        continue;
      }
      const stop = plan.stops[p.seq] || { type: p.type };
      const label = stopLabel(plan.rep_id, stop, p.seq);
      if (stop.type === "start" || stop.type === "end") {
        if (office && stop.type === "start") {
          addMarker(group, at, { icon: icon("office", "#222", "⌂"), zIndexOffset: 500 },
            `${plan.rep_id}: office, leaves at ${hhmm(stop.depart)}, back at ${hhmm(plan.totals.return_at)}`);
        }
        continue;
      }
      const kind = stop.type === "break" ? "break" : stop.type;
      const extra = stop.type === "visit" && stop.effective ? "effective" : "";
      addMarker(group, at, { icon: icon(kind, colour, String(p.seq), extra), zIndexOffset: 100 }, label);
    }
    return group;
  }

  // the parts in their own files: the debrief and audit (debrief.js), check-in (checkin.js)
  const kit = { el, api, $, hhmm, num, outcomes: CONFIG.outcomes || [] };
  const debrief = window.IronrouteParts.debrief(kit);
  const checkIn = window.IronrouteParts.checkIn(kit);

  // --- the branch day -----------------------------------------------------------------

  const branch = { map: null, layers: {}, territories: null, day: null, poll: null, watched: null };

  async function showBranch() {
    const state = hashState();
    $("branch-view").hidden = false;
    $("rep-view").hidden = true;
    if (!branch.map) branch.map = makeMap($("branch-map"));
    setTimeout(() => branch.map.invalidateSize(), 0);
    $("branch-input").value = state.branch || $("branch-input").value || "";
    $("date-input").value = state.date || $("date-input").value || today();
    $("balance-input").value = state.balance || "";
    if ($("branch-input").value) await loadBranchDay();
    else $("branch-status").textContent = "Name a branch and a day to see its routes.";
  }

  async function loadBranchDay() {
    const id = $("branch-input").value.trim();
    const date = $("date-input").value;
    const balance = $("balance-input").value.trim();
    setHash({ branch: id, date, balance });
    $("branch-status").textContent = `Loading ${id} on ${date}…`;
    const query = balance ? "?balance_id=" + encodeURIComponent(balance) : "";
    let day;
    try {
      day = await api(`/v1/branches/${encodeURIComponent(id)}/days/${date}${query}`);
    } catch (e) {
      $("branch-status").textContent =
        e.status === 404 ? `Nothing is planned for ${id} on ${date} yet.` : `Could not load the day: ${e.message}`;
      renderBranchDay({ branch_id: id, date, runs: [], reps: [], balance: null });
      loadDebrief({ branch_id: id, date, reps: [] }); // records may name the branch without a run
      return;
    }
    renderBranchDay(day);
    const planned = day.reps.filter((r) => r.plan).length;
    $("branch-status").textContent =
      `${day.branch_id} on ${day.date}: ${planned} of ${day.reps.length} reps planned` +
      (day.balance ? `, territories from balance ${day.balance.balance_id}` : ", no stored balance covers these reps");
    const running = day.runs.find((r) => r.state === "running");
    if (running && branch.watched !== running.run_id) watchRun(running.run_id);
    loadDebrief(day);
  }

  function colourOf(day) {
    const colours = {};
    day.reps.forEach((r, k) => (colours[r.rep_id] = PALETTE[k % PALETTE.length]));
    if (day.balance) {
      let k = day.reps.length;
      for (const r of day.balance.reps) if (!(r.rep_id in colours)) colours[r.rep_id] = PALETTE[k++ % PALETTE.length];
    }
    return colours;
  }

  function renderBranchDay(day) {
    branch.day = day;
    const map = branch.map;
    for (const layer of Object.values(branch.layers)) map.removeLayer(layer);
    if (branch.territories) map.removeLayer(branch.territories);
    branch.layers = {};
    branch.territories = null;
    const colours = colourOf(day);
    const bounds = L.latLngBounds([]);
    if (day.balance && day.balance.territories) {
      branch.territories = L.geoJSON(day.balance.territories, {
        coordsToLatLng: (c) => L.latLng(...toMap(c)),
        style: (f) => ({
          color: colours[f.properties.rep_id] || "#888",
          weight: 1.5,
          dashArray: "4 4",
          fillOpacity: 0.07,
        }),
        onEachFeature: (f, layer) => {
          const p = f.properties;
          layer.bindPopup(
            `${p.rep_id}: ${p.leads} leads, value ${num(p.value)}, workload ${num(p.workload_minutes)} min, ` +
              `${num(p.km, 1)} km, ${num(p.area_km2, 2)} km²`
          );
        },
      }).addTo(map);
      bounds.extend(branch.territories.getBounds());
    }
    let first = true;
    for (const r of day.reps) {
      if (!r.plan) continue;
      const layer = planLayer(r.plan, colours[r.rep_id], { office: first });
      first = false;
      layer.addTo(map);
      branch.layers[r.rep_id] = layer;
      if (layer.getLayers().length) bounds.extend(layer.getBounds());
    }
    map.invalidateSize();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20] });
    renderLegend(day, colours);
    renderTable(day, colours);
    renderStopLists(day);
    renderCharts(day, colours);
  }

  function renderLegend(day, colours) {
    $("legend").replaceChildren(
      ...day.reps.map((r) =>
        el("div", {}, el("span", { class: "swatch", style: `background:${colours[r.rep_id]}` }), r.rep_id)
      ),
      el("div", {}, "● visit (ringed: effective)"),
      el("div", {}, "▢ sweep, ⌂ office, ○ unvisited lead"),
      day.balance ? el("div", {}, "dashed: territories") : null
    );
  }

  function focusRep(repId) {
    const layer = branch.layers[repId];
    if (!layer) return;
    branch.map.fitBounds(layer.getBounds(), { padding: [30, 30] });
    const first = layer.getLayers().find((m) => m instanceof L.Marker && m.getElement());
    if (first) first.getElement().focus({ preventScroll: true });
  }

  function renderTable(day, colours) {
    const rows = day.reps.map((r) => {
      const p = r.plan;
      const name = el("td", {},
        el("span", { class: "swatch", style: `background:${colours[r.rep_id]}`, "aria-hidden": "true" }), " ",
        p
          ? el("button", { type: "button", class: "rep-link", onclick: () => focusRep(r.rep_id),
              "aria-label": `Show ${r.rep_id}'s route on the map` }, r.rep_id)
          : r.rep_id,
        " ",
        p ? el("a", { href: `#view=rep&rep=${encodeURIComponent(r.rep_id)}&date=${day.date}`,
            "aria-label": `${r.rep_id}'s day as the rep sees it` }, "day") : null
      );
      if (!p) {
        return el("tr", { "data-rep": r.rep_id }, name, el("td", { colspan: 9, class: "issues" }, "not planned yet"));
      }
      const t = p.totals;
      const unvisited = {};
      for (const u of p.unvisited) unvisited[u.reason] = (unvisited[u.reason] || 0) + 1;
      return el("tr", { "data-rep": r.rep_id, class: "status-" + p.status },
        name,
        el("td", {}, p.status),
        el("td", { "data-col": "visits" }, t.visits),
        el("td", { "data-col": "effective" }, t.effective_visits),
        el("td", { "data-col": "sweeps" }, t.sweeps),
        el("td", { "data-col": "km" }, num(t.travel_km, 1)),
        el("td", { "data-col": "back" }, hhmm(t.return_at)),
        el("td", { "data-col": "value" }, num(t.value)),
        el("td", { class: "issues", "data-col": "issues" }, p.issues.map((i) => i.code).join(", ")),
        el("td", { class: "unvisited", "data-col": "unvisited" },
          Object.entries(unvisited).map(([k, n]) => `${n} ${k}`).join(", "))
      );
    });
    $("rep-table").tBodies[0].replaceChildren(...rows);
  }

  function stopItems(plan) {
    return plan.stops.map((s, seq) =>
      el("li", {}, stopLabel(plan.rep_id, s, seq).replace(`${plan.rep_id}, `, ""))
    );
  }

  function renderStopLists(day) {
    $("stop-lists").replaceChildren(
      ...day.reps.filter((r) => r.plan).map((r) =>
        el("details", { "data-rep": r.rep_id },
          el("summary", {}, `Stops of ${r.rep_id} in order`),
          el("ol", { start: 0 }, stopItems(r.plan)),
          r.plan.unvisited.length
            ? el("p", {}, "Not visited: " + r.plan.unvisited.map((u) => `${u.lead_id} (${u.reason})`).join(", "))
            : null
        )
      )
    );
  }

  /** A horizontal bar chart as inline SVG, with the values as text (role img + label). */
  function barChart(title, rows, { unit = "", digits = 0, mean = false } = {}) {
    const width = 360, bar = 16, gap = 4, left = 70, right = 60;
    const height = rows.length * (bar + gap) + 8;
    const max = Math.max(1e-9, ...rows.map((r) => r.value));
    const chart = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img",
      "aria-label": `${title}: ` + rows.map((r) => `${r.label} ${num(r.value, digits)}${unit}`).join(", ") });
    rows.forEach((r, i) => {
      const y = 4 + i * (bar + gap);
      const w = ((width - left - right) * r.value) / max;
      chart.append(
        svg("text", { x: left - 6, y: y + bar - 4, "text-anchor": "end", "font-size": 11 }, r.label),
        svg("rect", { x: left, y, width: Math.max(0.5, w), height: bar, fill: r.colour }),
        svg("text", { x: left + w + 4, y: y + bar - 4, "font-size": 11 }, num(r.value, digits) + unit)
      );
    });
    if (mean && rows.length) {
      const m = rows.reduce((a, r) => a + r.value, 0) / rows.length;
      const x = left + ((width - left - right) * m) / max;
      chart.append(svg("line", { x1: x, x2: x, y1: 0, y2: height, stroke: "#111", "stroke-dasharray": "3 3" },
        svg("title", {}, `mean ${num(m, digits)}${unit}`)));
    }
    return el("figure", {}, el("figcaption", {}, title), chart);
  }

  function renderCharts(day, colours) {
    const planned = day.reps.filter((r) => r.plan);
    const rows = (f) => planned.map((r) => ({ label: r.rep_id, colour: colours[r.rep_id], value: f(r.plan) }));
    const charts = [];
    if (planned.length) {
      charts.push(
        barChart("Visits (plan)", rows((p) => p.totals.visits)),
        barChart("Travel km (plan)", rows((p) => p.totals.travel_km), { unit: " km", digits: 1, mean: true }),
        barChart("Value (plan)", rows((p) => p.totals.value), { mean: true })
      );
    }
    const b = day.balance;
    if (b) {
      const reps = b.reps.map((r) => ({ ...r, colour: colours[r.rep_id] || "#888" }));
      charts.push(
        barChart("Workload minutes (balance; dashed: mean)",
          reps.map((r) => ({ label: r.rep_id, colour: r.colour, value: r.workload_minutes })), { unit: " min", mean: true }),
        barChart("Value of the territory (balance; dashed: mean)",
          reps.map((r) => ({ label: r.rep_id, colour: r.colour, value: r.value })), { mean: true })
      );
      const m = b.metrics;
      const figures = [
        ["workload max / mean", num(m.workload_max_over_mean, 3)],
        ["workload min / mean", num(m.workload_min_over_mean, 3)],
        ["value spread", num(100 * m.value_spread, 1) + " %"],
        ["leads moved", m.leads_moved],
        ["leads unassigned", m.leads_unassigned],
        ["buildings split", m.buildings_split],
        ["overlapping pairs", (m.overlap_km2 || []).length],
        ["total km", num(m.total_km, 1)],
      ];
      charts.push(el("figure", { class: "metrics" }, el("figcaption", {}, `Balance ${b.balance_id}`),
        el("dl", {}, figures.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]))));
    }
    $("charts").replaceChildren(...charts);
  }

  // a run's progress, live
  function watchRun(runId) {
    if (branch.poll) clearTimeout(branch.poll);
    branch.watched = runId;
    $("run-progress").hidden = false;
    let seen = -1;
    const tick = async () => {
      let run;
      try {
        run = await api(`/v1/runs/${encodeURIComponent(runId)}`);
      } catch (e) {
        $("run-text").textContent = `run ${runId}: ${e.message}`;
        return;
      }
      $("run-bar").max = Math.max(1, run.total);
      $("run-bar").value = run.planned + run.failed;
      $("run-text").textContent =
        `run ${run.run_id} (${run.branch_id}, ${run.date}): ${run.state}, ${run.planned} planned, ` +
        `${run.failed} failed, ${run.pending} pending of ${run.total}`;
      const changed = run.planned + run.failed !== seen;
      seen = run.planned + run.failed;
      const showing = branch.day && branch.day.branch_id === run.branch_id && branch.day.date === run.date;
      if (changed && (showing || !branch.day || !branch.day.reps.length)) {
        $("branch-input").value = run.branch_id;
        $("date-input").value = run.date;
        await loadBranchDay();
      }
      if (run.state === "running") branch.poll = setTimeout(tick, POLL_MS);
    };
    tick();
  }

  // the evening debrief and the audit flags of the day's records (debrief.js)
  function loadDebrief(day) {
    debrief.load(day);
  }

  // --- the rep's day ------------------------------------------------------------------

  const rep = { map: null, layer: null, id: null };

  async function showRep(repId, canGoBack) {
    const state = hashState();
    rep.id = repId;
    $("branch-view").hidden = true;
    $("rep-view").hidden = false;
    $("back-to-branch").hidden = !canGoBack;
    if (!rep.map) rep.map = makeMap($("rep-map"));
    setTimeout(() => rep.map.invalidateSize(), 0);
    $("rep-date").value = state.date || today();
    await loadRepDay();
  }

  async function loadRepDay() {
    const date = $("rep-date").value;
    const state = hashState();
    setHash(state.view === "rep" ? { ...state, date } : { date });
    $("rep-title").textContent = `${rep.id}: the day of ${date}`;
    $("rep-status").textContent = "Loading…";
    if (rep.layer) rep.map.removeLayer(rep.layer);
    $("rep-stops").replaceChildren();
    $("rep-summary").replaceChildren();
    let plan;
    try {
      plan = await api(`/v1/reps/${encodeURIComponent(rep.id)}/plans/${date}`);
    } catch (e) {
      $("rep-status").textContent = e.status === 404 ? `No plan for ${date} yet.` : `Could not load the day: ${e.message}`;
      await checkIn.load(rep.id, date, null);
      return;
    }
    await checkIn.load(rep.id, date, plan);
    const t = plan.totals;
    $("rep-status").textContent = `${plan.status === "ok" ? "Plan ready" : "Plan: " + plan.status}.`;
    $("rep-summary").replaceChildren(
      el("div", { class: "summary" },
        el("span", {}, `${t.visits} visits`),
        el("span", {}, `${t.effective_visits} effective`),
        el("span", {}, `${t.sweeps} sweeps`),
        el("span", {}, `${num(t.travel_km, 1)} km`),
        el("span", {}, `back at ${hhmm(t.return_at)}`)
      ),
      plan.issues.length ? el("p", { class: "error" }, plan.issues.map((i) => i.message).join(" · ")) : null
    );
    rep.layer = planLayer(plan, PALETTE[2]).addTo(rep.map);
    rep.map.invalidateSize();
    if (rep.layer.getLayers().length) rep.map.fitBounds(rep.layer.getBounds(), { padding: [16, 16] });
    $("rep-stops").replaceChildren(...plan.stops.map((s, seq) => stopCard(plan, s, seq)));
  }

  const SAFE_LINK = /^(https?:|tel:|geo:|sms:|mailto:|[a-z][a-z0-9+.-]*map[a-z0-9+.-]*:|iosamap:|androidamap:|baidumap:|qqmap:)/i;

  /** The deep links of a stop: `links` may be [{label, url|href}] or {label: url}. */
  function stopLinks(stop) {
    const raw = stop.links;
    if (!raw) return [];
    const pairs = Array.isArray(raw)
      ? raw.map((l) => (typeof l === "string" ? [l, l] : [l.label || l.name || l.kind || "open", l.url || l.href]))
      : Object.entries(raw);
    return pairs
      .filter(([, url]) => typeof url === "string" && SAFE_LINK.test(url))
      .map(([label, url]) => el("a", { href: url, rel: "noopener noreferrer", target: "_blank" }, label));
  }

  function stopCard(plan, s, seq) {
    const time =
      s.type === "start" ? hhmm(s.depart) : s.type === "end" ? hhmm(s.arrive) : hhmm(s.start || s.arrive);
    const title =
      s.type === "visit" ? `Visit ${s.lead_id}` :
      s.type === "sweep" ? `Sweep building ${s.building_id}` :
      s.type === "break" ? "Lunch break" :
      s.type === "start" ? "Leave the office" : "Back at the office";
    const detail = [];
    if (s.type !== "start") detail.push(`${num(s.travel_minutes)} min, ${num(s.travel_km, 1)} km to get there`);
    if (s.wait_minutes >= 0.5) detail.push(`wait ${num(s.wait_minutes)} min`);
    if (s.depart && s.type !== "start") detail.push(`leave ${hhmm(s.depart)}`);
    if (s.type === "sweep") detail.push(`after ${s.anchor_lead_id}`);
    const links = stopLinks(s);
    return el("li", { tabindex: 0, "data-seq": seq, "aria-label": stopLabel(plan.rep_id, s, seq) },
      el("div", {}, el("span", { class: "time" }, time), title,
        s.effective ? el("span", { class: "badge" }, "decision maker") : null),
      el("div", { class: "kind" }, detail.join(" · ")),
      links.length ? el("div", { class: "links" }, links) : null,
      checkIn.control(plan, s, seq)
    );
  }

  function shiftDate(days) {
    const d = new Date($("rep-date").value + "T12:00:00");
    d.setDate(d.getDate() + days);
    $("rep-date").value = d.toISOString().slice(0, 10);
    loadRepDay();
  }

  // --- start --------------------------------------------------------------------------

  function showLogin(message) {
    $("login").hidden = false;
    $("branch-view").hidden = true;
    $("rep-view").hidden = true;
    $("sign-out").hidden = true;
    $("who").textContent = "";
    $("login-error").textContent = message || "";
    $("key-input").focus();
  }

  async function start() {
    if (!apiKey()) return showLogin();
    let me;
    try {
      me = await api("/v1/me");
    } catch (e) {
      if (e.status !== 401) showLogin(`Could not reach the server: ${e.message}`);
      return;
    }
    $("login").hidden = true;
    $("sign-out").hidden = false;
    $("who").textContent = me.role === "rep" ? `rep ${me.rep_id}` : `${me.role} key ${me.name || me.key_id}`;
    const state = hashState();
    if (me.role === "rep") return showRep(me.rep_id, false);
    if (state.view === "rep" && state.rep) return showRep(state.rep, true);
    return showBranch();
  }

  $("login-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    sessionStorage.setItem(KEY_STORE, $("key-input").value.trim());
    $("key-input").value = "";
    start();
  });
  $("sign-out").addEventListener("click", () => {
    sessionStorage.removeItem(KEY_STORE);
    if (branch.poll) clearTimeout(branch.poll);
    showLogin("Signed out.");
  });
  $("branch-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    loadBranchDay();
  });
  $("watch-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const id = $("watch-input").value.trim();
    if (id) watchRun(id);
  });
  $("rep-date").addEventListener("change", loadRepDay);
  $("prev-day").addEventListener("click", () => shiftDate(-1));
  $("next-day").addEventListener("click", () => shiftDate(1));
  $("back-to-branch").addEventListener("click", () => {
    const s = hashState();
    setHash({ branch: $("branch-input").value, date: s.date || $("date-input").value });
    showBranch();
  });
  window.addEventListener("hashchange", () => apiKey() && start());
  // for the browser tests and for debugging from the developer tools: the two maps
  window.IronrouteConsole = { branchMap: () => branch.map, repMap: () => rep.map };
  start();
})();
