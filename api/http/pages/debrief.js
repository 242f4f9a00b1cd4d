/* The manager's evening debrief (GET /v1/branches/{id}/debrief/{date}) and, on demand, the
   audit of the day's visit records (POST /v1/audits/visits): per rep-day score, the flagged
   records with their flag codes and evidence, and the risk-weighted sample for spot checks.
   Only what the server answers is shown. */
"use strict";
window.IronrouteParts = window.IronrouteParts || {};
window.IronrouteParts.debrief = function (kit) {
  const { el, api, $, hhmm, num } = kit;
  const state = { day: null, debrief: null, seq: 0 };

  const counts = (obj) =>
    Object.entries(obj || {}).map(([k, n]) => `${k} ×${n}`).join(", ") || "—";

  /** A table in a scroll region that a keyboard can scroll (tabindex) and a reader names. */
  function table(id, caption, head, bodies, foot) {
    return el("div", { class: "scroll", tabindex: 0, role: "region", "aria-label": caption },
      el("table", { id },
        el("caption", {}, caption),
        el("thead", {}, el("tr", {}, head.map((h) => el("th", { scope: "col" }, h)))),
        bodies,
        foot || null));
  }

  async function load(day) {
    const seq = ++state.seq;
    state.day = day;
    state.debrief = null;
    $("debrief").hidden = false;
    $("audit-body").replaceChildren();
    $("run-audit").disabled = false;
    $("debrief-status").textContent = `Loading the debrief of ${day.branch_id} on ${day.date}…`;
    $("debrief-body").replaceChildren();
    let doc;
    try {
      doc = await api(`/v1/branches/${encodeURIComponent(day.branch_id)}/debrief/${day.date}`);
    } catch (e) {
      if (seq !== state.seq) return;
      $("debrief-status").textContent =
        e.status === 404 ? `No records yet for ${day.branch_id} on ${day.date}.` : `Could not load the debrief: ${e.message}`;
      return;
    }
    if (seq !== state.seq) return;
    state.debrief = doc;
    const t = doc.totals;
    const reported = t.actual.visits + t.actual.sweeps;
    $("debrief-status").textContent = reported
      ? `${doc.branch_id} on ${doc.date}: ${t.actual.visits} of ${t.planned.visits} planned visits reported, ` +
        `${t.flagged_reps} of ${t.reps} reps flagged by the audit.`
      : `${doc.branch_id} on ${doc.date}: no records yet (the plan side is below).`;
    $("debrief-body").replaceChildren(renderDebrief(doc));
  }

  const HEAD = [
    "Rep", "Visits plan", "Visits done", "Effective plan", "Decision maker met", "Claimed effective",
    "Sweeps plan", "Sweeps done", "km plan", "km done", "On time", "Late", "Unplanned", "First in",
    "Last out", "Misses by reason", "Audit",
  ];

  function missesCell(misses, missed) {
    const byReason = {};
    for (const m of missed || []) (byReason[m.reason] = byReason[m.reason] || []).push(m.lead_id);
    const parts = Object.entries(misses || {}).map(([reason, n]) =>
      byReason[reason] ? `${reason} ${n} (${byReason[reason].join(", ")})` : `${reason} ${n}`);
    return el("td", { class: "issues", "data-col": "misses" }, parts.join("; ") || "—");
  }

  function repRow(r) {
    const p = r.planned, a = r.actual, au = r.audit;
    return el("tr", { "data-rep": r.rep_id, class: au.flagged ? "flagged" : null },
      el("th", { scope: "row" }, r.rep_id),
      el("td", { "data-col": "planned-visits" }, p ? p.visits : "—"),
      el("td", { "data-col": "visits" }, a.visits),
      el("td", { "data-col": "planned-effective" }, p ? p.effective : "—"),
      el("td", { "data-col": "effective" }, a.effective),
      el("td", { "data-col": "claimed" }, a.claimed_effective),
      el("td", { "data-col": "planned-sweeps" }, p ? p.sweeps : "—"),
      el("td", { "data-col": "sweeps" }, a.sweeps),
      el("td", { "data-col": "planned-km" }, p ? num(p.km, 1) : "—"),
      el("td", { "data-col": "km" }, num(a.km, 1)),
      el("td", { "data-col": "on-time" }, a.on_time),
      el("td", { "data-col": "late" }, a.late),
      el("td", { "data-col": "unplanned" }, a.unplanned),
      el("td", { "data-col": "first" }, hhmm(a.first_check_in)),
      el("td", { "data-col": "last" }, hhmm(a.last_check_out)),
      missesCell(r.misses, r.missed),
      el("td", { class: "issues", "data-col": "audit" },
        `${num(au.score)}${au.flagged ? " flagged" : ""}`,
        Object.keys(au.flags).length ? ` (${counts(au.flags)})` : "")
    );
  }

  function totalsRow(label, t, cls) {
    const dash = () => el("td", {}, "—");
    return el("tr", { class: cls, "data-total": label },
      el("th", { scope: "row" }, label),
      el("td", {}, t.planned.visits), el("td", {}, t.actual.visits),
      el("td", {}, t.planned.effective), el("td", {}, t.actual.effective), dash(),
      el("td", {}, t.planned.sweeps), el("td", {}, t.actual.sweeps),
      el("td", {}, num(t.planned.km, 1)), el("td", {}, num(t.actual.km, 1)),
      dash(), dash(), dash(), dash(), dash(),
      missesCell(t.misses, null),
      el("td", { class: "issues" }, `${t.flagged_reps} of ${t.reps} reps flagged`));
  }

  function renderDebrief(doc) {
    const bodies = doc.groups.map((g) => {
      const name = g.group === null ? "No group" : `Group ${g.group}`;
      return el("tbody", { "data-group": g.group === null ? "" : g.group },
        el("tr", { class: "group" }, el("th", { scope: "colgroup", colspan: HEAD.length }, name)),
        g.reps.map(repRow),
        totalsRow(`${name}: total`, g.totals, "total"));
    });
    const foot = el("tfoot", {}, totalsRow("Branch total", doc.totals, "total"));
    return table("debrief-table", `Plan against reports, per group and rep (${doc.branch_id}, ${doc.date})`,
      HEAD, bodies, foot);
  }

  /** The reps to audit: the branch day's and the debrief's (records naming the branch). */
  function repsToAudit() {
    const ids = new Set((state.day ? state.day.reps : []).map((r) => r.rep_id));
    for (const g of (state.debrief && state.debrief.groups) || []) for (const r of g.reps) ids.add(r.rep_id);
    return [...ids];
  }

  async function runAudit() {
    if (!state.day) return;
    const seq = state.seq;
    const reps = repsToAudit();
    const request = reps.length
      ? { date: state.day.date, rep_ids: reps }
      : { date: state.day.date, branch_id: state.day.branch_id };
    $("run-audit").disabled = true;
    $("audit-body").replaceChildren(el("p", { role: "status" }, "Auditing the day's records…"));
    let doc;
    try {
      doc = await api("/v1/audits/visits", { method: "POST", body: request });
    } catch (e) {
      if (seq === state.seq) {
        $("audit-body").replaceChildren(el("p", { class: "error", role: "alert" }, `The audit failed: ${e.message}`));
        $("run-audit").disabled = false;
      }
      return;
    }
    if (seq !== state.seq) return;
    $("run-audit").disabled = false;
    $("audit-body").replaceChildren(...renderAudit(doc));
    const heading = $("audit-result-title");
    if (heading) heading.focus();
  }

  function evidenceText(evidence) {
    return Object.entries(evidence).map(([k, v]) => `${k} = ${v === null ? "—" : v}`).join("; ");
  }

  function renderAudit(doc) {
    const s = doc.summary;
    const head = el("h4", { id: "audit-result-title", tabindex: -1 }, `Audit of ${doc.date}`);
    const summary = el("p", { id: "audit-summary", role: "status" },
      `${s.records} records audited, ${s.flagged_records} flagged; ` +
      `${s.flagged_rep_days} of ${s.rep_days} rep-days flagged.`);
    if (!s.records) {
      summary.textContent = `No visit records of these reps on ${doc.date} yet: nothing to audit.`;
      return [head, summary];
    }
    const scores = Object.fromEntries(doc.records.map((r) => [r.record_id, r]));
    const days = table("audit-days", "Score per rep-day", ["Rep", "Records", "Score", "Flagged", "Flags"],
      el("tbody", {}, doc.days.map((d) =>
        el("tr", { "data-rep": d.rep_id, class: d.flagged ? "flagged" : null },
          el("th", { scope: "row" }, d.rep_id),
          el("td", {}, d.records),
          el("td", { "data-col": "score" }, num(d.score)),
          el("td", { "data-col": "flagged" }, d.flagged ? "flagged" : "no"),
          el("td", { class: "issues" }, counts(d.flag_counts))))));
    const flagged = doc.records.filter((r) => r.flagged);
    const records = flagged.length
      ? table("audit-records", "Flagged records, with each flag's evidence",
          ["Record", "Rep", "Score", "Flags and evidence"],
          el("tbody", {}, flagged.map((r) =>
            el("tr", { "data-record": r.record_id },
              el("th", { scope: "row" }, r.record_id),
              el("td", {}, r.rep_id),
              el("td", {}, num(r.score)),
              el("td", { class: "issues" },
                el("ul", { class: "flags" }, r.flags.map((f) =>
                  el("li", { "data-flag": f.code },
                    el("code", {}, f.code), ` (${num(f.points)} points): ${f.message}`,
                    el("div", { class: "evidence" }, evidenceText(f.evidence))))))))))
      : el("p", {}, "No record is flagged.");
    const sample = el("div", {},
      el("h4", { id: "audit-sample-title" }, "Spot-check sample (riskiest draws first)"),
      el("ol", { id: "audit-sample", "aria-labelledby": "audit-sample-title" },
        doc.sample.map((id) => {
          const r = scores[id];
          return el("li", { "data-record": id }, `${id} (${r ? r.rep_id : "?"}, score ${r ? num(r.score) : "?"})`);
        })));
    return [head, summary, days, records, sample];
  }

  $("run-audit").addEventListener("click", runAudit);
  return { load };
};
