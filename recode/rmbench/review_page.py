"""The human-review page: one self-contained HTML file (inline CSS and JS, the pairs embedded as JSON).

It works from a file:// URL with no network. Each pair shows the problem, the two reasonings side by side with
their code and execution verdicts, and the judge's rationale; Keep/Drop buttons and a note record a decision.
Decisions survive a reload (localStorage); "Save decisions" downloads `decisions.json`, which
`recode rmbench import` reads.
"""

PAGE = r"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Review: __TITLE__</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1d2330; }
header { position: sticky; top: 0; background: #1d2330; color: #fff; padding: 8px 16px; display: flex;
         gap: 16px; align-items: center; z-index: 2; flex-wrap: wrap; }
header button, header label { font: inherit; }
header button { background: #3b82f6; color: #fff; border: 0; padding: 6px 12px; border-radius: 4px; cursor: pointer; }
main { padding: 12px 16px; max-width: 1500px; margin: auto; }
.pair { background: #fff; border-radius: 6px; margin: 12px 0; padding: 10px 14px; border-left: 6px solid #aab; }
.pair.keep { border-left-color: #16a34a; } .pair.drop { border-left-color: #dc2626; opacity: .75; }
.meta { color: #556; font-size: 12px; } .meta b { color: #1d2330; }
.sides { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; margin-top: 8px; }
.side { border: 1px solid #dde; border-radius: 4px; padding: 6px 8px; min-width: 0; }
.side h3 { margin: 0 0 4px; font-size: 14px; }
.pass { color: #16a34a; font-weight: 600; } .fail { color: #dc2626; font-weight: 600; }
pre { white-space: pre-wrap; word-break: break-word; background: #f7f7fa; padding: 6px; margin: 4px 0;
      max-height: 420px; overflow: auto; font-size: 12.5px; }
.actions { margin-top: 8px; display: flex; gap: 8px; align-items: center; }
.actions button { padding: 4px 14px; border: 1px solid #889; background: #fff; border-radius: 4px; cursor: pointer; }
.actions button.on.k { background: #16a34a; color: #fff; } .actions button.on.d { background: #dc2626; color: #fff; }
.actions input { flex: 1; padding: 3px 6px; }
.hidden { display: none; } .detail { color: #556; font: 12px monospace; }
</style></head>
<body>
<header>
  <strong>__TITLE__</strong>
  <span id="progress"></span>
  <label><input type="checkbox" id="only-undecided"> only undecided</label>
  <button id="save" type="button">Save decisions</button>
  <span id="saved"></span>
</header>
<main id="pairs"></main>
<script id="bench-data" type="application/json">__DATA__</script>
<script>
"use strict";
const DATA = JSON.parse(document.getElementById("bench-data").textContent);
const STORE = "rmbench-review:" + DATA.benchmark + ":" + DATA.version;
let decisions = {};
try { decisions = JSON.parse(localStorage.getItem(STORE) || "{}"); } catch (e) { decisions = {}; }
function persist() { try { localStorage.setItem(STORE, JSON.stringify(decisions)); } catch (e) {} update(); }
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) { if (k === "class") e.className = v; else e.setAttribute(k, v); }
  for (const kid of kids) if (kid !== null && kid !== undefined)
    e.append(typeof kid === "string" ? document.createTextNode(kid) : kid);
  return e;
}
function verdict(s) {
  if (s.passed === null || s.passed === undefined) return el("span", {}, "not executed");
  const rate = s.pass_rate === null || s.pass_rate === undefined ? "" : " (" + Math.round(100 * s.pass_rate) + "% of tests)";
  return el("span", {class: s.passed ? "pass" : "fail"}, (s.passed ? "PASS" : (s.status || "fail").toUpperCase()) + rate);
}
function side(title, s) {
  return el("div", {class: "side"}, el("h3", {}, title + " · " + s.reasoning.split(/\s+/).filter(Boolean).length + " words"),
    el("div", {}, verdict(s)), s.detail ? el("div", {class: "detail"}, s.detail) : null, el("div", {}, "Reasoning:"), el("pre", {class: "reasoning"}, s.reasoning),
    s.solution ? el("details", {}, el("summary", {}, "Solution code"), el("pre", {}, s.solution)) : null);
}
function judge(j) {
  if (!j) return null;
  return el("details", {class: "judge"}, el("summary", {}, "Judge " + (j.model || "") + ": outcome " + j.outcome +
      " (verdicts " + JSON.stringify(j.verdicts) + ")" + (j.swapped ? ", sides swapped by the judge" : "")),
    el("div", {}, "Chosen shown first:"), el("pre", {}, j.rationale_chosen_first || ""),
    el("div", {}, "Chosen shown second:"), el("pre", {}, j.rationale_chosen_second || ""));
}
function render() {
  const root = document.getElementById("pairs");
  DATA.pairs.forEach((p, i) => {
    const d = decisions[p.pair_id] || {};
    const card = el("section", {class: "pair", id: "pair-" + i, "data-pair-id": p.pair_id});
    const keep = el("button", {type: "button", class: "k", "data-action": "keep"}, "Keep");
    const drop = el("button", {type: "button", class: "d", "data-action": "drop"}, "Drop");
    const note = el("input", {type: "text", placeholder: "note (optional)", "data-action": "note"});
    note.value = d.note || "";
    keep.onclick = () => decide(p.pair_id, "keep", note.value);
    drop.onclick = () => decide(p.pair_id, "drop", note.value);
    note.onchange = () => { if (decisions[p.pair_id]) { decisions[p.pair_id].note = note.value; persist(); } };
    card.append(...[
      el("div", {class: "meta"}, el("b", {}, "#" + (i + 1) + " " + p.pair_id), " · mode " + (p.mode || "?") +
         " · " + (p.difficulty || "?") + " · " + (p.date || "no date") + (p.task_id ? " · " + p.task_id : "")),
      el("details", {}, el("summary", {}, "Problem"), el("pre", {}, p.problem)),
      el("div", {class: "sides"}, side("Chosen", p.chosen), side("Rejected", p.rejected)),
      judge(p.judge), el("div", {class: "actions"}, keep, drop, note)].filter(Boolean));
    root.append(card);
  });
  update();
}
function decide(id, decision, note) { decisions[id] = {decision: decision, note: note || ""}; persist(); }
function update() {
  const only = document.getElementById("only-undecided").checked;
  let keep = 0, drop = 0;
  document.querySelectorAll(".pair").forEach(card => {
    const d = decisions[card.dataset.pairId];
    card.classList.toggle("keep", !!d && d.decision === "keep");
    card.classList.toggle("drop", !!d && d.decision === "drop");
    card.querySelector("[data-action=keep]").classList.toggle("on", !!d && d.decision === "keep");
    card.querySelector("[data-action=drop]").classList.toggle("on", !!d && d.decision === "drop");
    card.classList.toggle("hidden", only && !!d);
    if (d) { if (d.decision === "keep") keep++; else drop++; }
  });
  document.getElementById("progress").textContent = (keep + drop) + " / " + DATA.pairs.length +
    " decided (" + keep + " keep, " + drop + " drop)";
}
function save() {
  const ids = new Set(DATA.pairs.map(p => p.pair_id));
  const out = {};
  for (const [k, v] of Object.entries(decisions)) if (ids.has(k)) out[k] = v;
  const doc = {format: "rmbench-decisions", benchmark: DATA.benchmark, version: DATA.version,
               candidates_digest: DATA.digest, saved: new Date().toISOString(), decisions: out};
  const blob = new Blob([JSON.stringify(doc, null, 1)], {type: "application/json"});
  const a = el("a", {href: URL.createObjectURL(blob), download: "decisions.json"});
  document.body.append(a); a.click(); a.remove();
  document.getElementById("saved").textContent = "saved " + Object.keys(out).length + " decisions";
}
document.getElementById("save").onclick = save;
document.getElementById("only-undecided").onchange = update;
render();
</script>
</body></html>
"""
