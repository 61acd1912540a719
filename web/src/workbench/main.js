// The investigator workbench: pages with URLs (#/search?q=…, #/party/ID, #/graph/ID?…,
// #/paths?from=…&to=…, #/ownership/ID, #/risk/ID), signed in with an API key and a
// purpose kept for the browser session.
import * as api from "./api.js";
import { ApiError, gql, session } from "./api.js";
import {
  createGraph, downloadBlob, edgeElement, exportCsv, exportGraphml, exportPng, linkId, nodeElement, shareText,
} from "./graph.js";
import { eventLabel, language, measureLabel, relLabel, RELS, setLanguage, t, word } from "./i18n.js";
import "./style.css";

const app = document.getElementById("app");
let viewer = null;
let cy = null;

// --- small DOM helpers ---------------------------------------------------------------------

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const partyHref = (id) => `#/party/${encodeURIComponent(id)}`;
const partyLink = (node) => h("a", { href: partyHref(node.id), class: `party ${(node.type || "").toLowerCase()}` }, node.name || node.id);

function route() {
  const hash = location.hash.replace(/^#/, "") || "/search";
  const [path, query = ""] = hash.split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  return { page: parts[0] || "search", id: parts[1], params: new URLSearchParams(query) };
}

function go(path, params) {
  const query = params ? new URLSearchParams(Object.entries(params).filter(([, v]) => v !== "" && v != null)).toString() : "";
  location.hash = `#${path}${query ? `?${query}` : ""}`;
}

function windowText(from, until) {
  return `${from || t("unknownYear")} – ${until || t("present")}`;
}

function pathText(steps, names = {}) {
  return (steps || []).map((s) => (s.node ? names[s.node] || s.node : `—${relLabel(s.rel)}${s.validFrom ? ` (${s.validFrom}–${s.validTo || ""})` : ""}→`)).join(" ");
}

function table(headers, rows) {
  return h("table", {}, h("thead", {}, h("tr", {}, headers.map((x) => h("th", {}, x)))),
    h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c) => h("td", {}, c))))));
}

function badge(code) {
  return h("span", { class: `badge ${code}` }, word(code));
}

// Days are written YYYY-MM-DD whatever the browser's locale: Chromium draws <input type=date>
// in it (mm/dd/yyyy under en-US), so the field is text, and the calendar a native picker
// whose value (always ISO) is copied in. 2024/1/1 and 2024年1月1日 are accepted and rewritten.
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
const LOOSE_DAY = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$/;

function isoDay(text) {
  const loose = LOOSE_DAY.exec(text.trim());
  if (!loose) return null;
  const day = `${loose[1]}-${loose[2].padStart(2, "0")}-${loose[3].padStart(2, "0")}`;
  const parsed = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === day ? day : null;
}

// what a URL says, read as the pages' own controls would accept it: a hand-edited or old link
// with depth=abc, asOf=2023-02-30 or an unknown link kind draws the default, not a server error
function depthParam(params) {
  const n = Number.parseInt(params.get("depth") || "", 10);
  return Number.isInteger(n) ? Math.min(3, Math.max(1, n)) : 2;
}
function dayParam(params) {
  return isoDay(params.get("asOf") || "") || "";
}

function dateInput(id, value, onchange) {
  const text = h("input", { id, type: "text", value, placeholder: t("dateHint"), title: t("dateHint"),
    pattern: ISO_DAY.source.slice(1, -1), inputmode: "numeric", maxlength: 12, size: 10, autocomplete: "off", class: "day" });
  const picker = h("input", { type: "date", class: "day-picker", tabindex: "-1", "aria-hidden": "true" });
  const calendar = h("button", { type: "button", class: "calendar", title: t("calendar"), "aria-label": t("calendar"), onclick: () => {
    picker.value = isoDay(text.value) || "";
    try { picker.showPicker(); } catch { picker.focus(); }
  } }, t("calendar"));
  picker.addEventListener("change", () => { text.value = picker.value; text.dispatchEvent(new Event("change")); });
  // registered first: an invalid day stops the page's own change handlers
  text.addEventListener("change", (e) => {
    const day = text.value.trim() ? isoDay(text.value) : "";
    if (day) text.value = day;
    text.setCustomValidity(day == null ? t("dateInvalid") : "");
    if (day == null) { text.reportValidity(); e.stopImmediatePropagation(); return; }
    if (onchange) onchange(day);
  });
  return { field: h("span", { class: "date-field" }, text, calendar, picker), input: text };
}

function showError(where, error) {
  where.replaceChildren(h("div", { class: "error", role: "alert" }, `${t("error")}: ${error.message}`));
}

// --- shell: header, sign-in, navigation ------------------------------------------------------

function mayRead() { return viewer && viewer.rights.includes("read"); }

function header(current, id) {
  const tabs = [["search", t("search"), "#/search"]];
  if (id) {
    tabs.push(["party", t("creditFile"), partyHref(id)]);
    if (mayRead()) {
      tabs.push(["graph", t("graph"), `#/graph/${encodeURIComponent(id)}`]);
      tabs.push(["paths", t("paths"), `#/paths?from=${encodeURIComponent(id)}`]);
      tabs.push(["ownership", t("ownership"), `#/ownership/${encodeURIComponent(id)}`]);
      tabs.push(["risk", t("risk"), `#/risk/${encodeURIComponent(id)}`]);
    }
  } else if (mayRead()) {
    tabs.push(["paths", t("paths"), "#/paths"]);
  }
  return h("header", {},
    h("h1", {}, h("a", { href: "#/search" }, t("title"))),
    h("nav", {}, tabs.map(([key, text, href]) => h("a", { href, class: key === current ? "current" : "" }, text))),
    h("div", { class: "who" },
      viewer ? `${t("whoAmI")}: ${viewer.principal} (${viewer.role}) · ${t("purpose")}: ${session.purpose}` : "",
      h("button", { id: "lang", onclick: () => { setLanguage(language() === "zh" ? "en" : "zh"); render(); } }, t("language")),
      viewer ? h("button", { onclick: () => { session.clear(); viewer = null; render(); } }, t("signOut")) : null));
}

function signInPage(message) {
  const key = h("input", { id: "api-key", type: "password", placeholder: t("apiKeyHint"), value: session.key, autocomplete: "off" });
  const purpose = h("input", { id: "purpose", type: "text", placeholder: t("purposeHint"), value: session.purpose, required: true });
  const form = h("form", { class: "signin", onsubmit: async (e) => {
    e.preventDefault();
    if (!purpose.value.trim()) { purpose.focus(); return; }
    session.key = key.value.trim();
    session.purpose = purpose.value.trim();
    await render();
  } },
  h("h2", {}, t("signIn")),
  message ? h("p", { class: "error" }, message) : null,
  h("label", {}, t("apiKey"), key), h("label", {}, t("purpose"), purpose),
  h("button", { type: "submit", id: "start" }, t("start")));
  app.replaceChildren(header("signin"), h("main", {}, form));
}

// --- search ---------------------------------------------------------------------------------

const ID_NUMBER = /^\d{17}[\dXx]$/;

async function searchPage(params) {
  const q = params.get("q") || "";
  const input = h("input", { id: "q", type: "search", value: q, placeholder: t("searchHint"), autofocus: true });
  const results = h("div", { id: "results" });
  const form = h("form", { class: "search", onsubmit: (e) => { e.preventDefault(); go("/search", { q: input.value.trim() }); } },
    input, h("button", { type: "submit" }, t("searchButton")));
  app.replaceChildren(header("search"), h("main", {}, form, results));
  if (!q) return;
  results.textContent = t("loading");
  try {
    let nodes = [];
    if (ID_NUMBER.test(q) && viewer.rights.includes("see_id_numbers")) {
      try {
        const data = await gql(api.PERSON_BY_ID_NUMBER, { n: q });
        if (data.person) nodes = [data.person];
      } catch (error) {
        results.replaceChildren(h("p", { class: "error" }, `${t("idSearchUnavailable")} (${error.message})`));
        return;
      }
    } else {
      const data = await gql(api.SEARCH, { q, first: 50 });
      nodes = data.search.edges.map((e) => e.node);
    }
    if (!nodes.length) { results.replaceChildren(h("p", {}, t("noResults"))); return; }
    results.replaceChildren(h("ul", { class: "results" }, nodes.map((n) => h("li", {},
      partyLink(n), " ", h("span", { class: "muted" }, `${word(n.type)} · ${n.id}`),
      n.idNumberMasked ? [" ", h("span", { class: "muted" }, n.idNumberMasked)] : null,
      n.offices && n.offices.length ? [" ", h("span", { class: "offices" },
        n.offices.map((l) => `${relLabel(l.rel)} · ${l.target ? l.target.name : ""}`).join("；"))] : null,
      n.status ? [" ", badge(n.status)] : null))));
  } catch (error) { showError(results, error); }
}

// --- credit file ------------------------------------------------------------------------------

function timeline(node, links) {
  const dated = links.filter((l) => l.rel !== "SUPERIOR_OF");
  if (!dated.length) return h("p", { class: "muted" }, t("none"));
  const year = (d) => (d ? +d.slice(0, 4) + (+d.slice(5, 7) - 1) / 12 : null);
  const today = new Date().getFullYear() + new Date().getMonth() / 12;
  const starts = dated.map((l) => year(l.validFrom)).filter((x) => x != null);
  const min = Math.floor(Math.min(...starts, today - 1));
  const max = Math.ceil(today);
  const span = Math.max(1, max - min);
  const rows = dated.slice().sort((a, b) => (a.validFrom || "").localeCompare(b.validFrom || "")).map((l) => {
    const other = l.from === node.id ? l.target : l.source;
    const start = year(l.validFrom) ?? min;
    const end = year(l.validTo) ?? max;
    const left = ((start - min) / span) * 100;
    const width = Math.max(1, ((end - start) / span) * 100);
    return h("div", { class: "tl-row" },
      // → this party holds the office or share in the other; ← the other holds it here (a
      // holding both ways otherwise reads as more than 100 % of the owners)
      h("div", { class: "tl-label" }, `${relLabel(l.rel)}${l.share != null ? ` ${shareText(l.share)}` : ""} ${l.from === node.id ? "→" : "←"} `,
        other ? partyLink(other) : (l.from === node.id ? l.to : l.from)),
      h("div", { class: "tl-track" }, h("div", { class: `tl-bar ${l.validTo ? "ended" : ""}`, style: `left:${left}%;width:${width}%`,
        title: windowText(l.validFrom, l.validTo) }, windowText(l.validFrom, l.validTo))));
  });
  return h("div", { class: "timeline" }, h("div", { class: "tl-scale" }, h("span", {}, String(min)), h("span", {}, String(max))), rows);
}

// one page of a Relay connection: what is shown so far, how many there are, where to go on
function pageOf(connection) {
  return { items: connection.edges.map((e) => e.node), total: connection.totalCount,
    next: connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null };
}

const CONNECTIONS = { links: ["linksConnection", "linksAfter"], events: ["eventsConnection", "eventsAfter"],
  restrictions: ["restrictionsConnection", "restrictionsAfter"] };

async function creditFilePage(id) {
  const main = h("main", {}, t("loading"));
  app.replaceChildren(header("party", id), main);
  try {
    const data = await gql(api.CREDIT_FILE, { id, first: api.PAGE_SIZE });
    const node = data.node;
    if (!node) { main.replaceChildren(h("p", { class: "error" }, `${t("noResults")}: ${id}`)); return; }
    const isPerson = node.type === "PERSON";
    let decisions = null;
    try { decisions = await gql(isPerson ? api.DECISIONS : api.ELIGIBILITY, isPerson ? { person: id } : { id }); } catch { decisions = null; }
    const facts = [[t("kind"), word(node.type) + (node.kind ? ` · ${word(node.kind)}` : "")], ["ID", node.id]];
    if (node.status) facts.push([t("status"), badge(node.status)]);
    if (node.established) facts.push([t("established"), node.established]);
    if (node.idNumberMasked) facts.push([t("idNumber"), node.idNumberMasked]);
    if (node.listed) facts.push([t("listedEntry"), h("span", { class: "badge REVIEW" }, t("listedEntryHint"))]);
    if (node.aliases && node.aliases.length) facts.push([t("aliases"), node.aliases.join(", ")]);
    const lists = Object.fromEntries(Object.entries(CONNECTIONS).map(([kind, [field]]) => [kind, pageOf(node[field])]));
    const sections = {};
    // an event's authority by name (上海市市场监督管理局), not by id, when the store holds it
    const authorities = {};
    const nameAuthorities = async (events) => {
      const ids = [...new Set(events.map((e) => e.authority).filter((a) => a && !(a in authorities)))];
      if (!ids.length) return;
      try {
        for (const found of (await gql(api.NAMES, { ids })).nodes) if (found) authorities[found.id] = found.name;
      } catch { /* the ids stay shown as they are */ }
    };
    await nameAuthorities(lists.events.items);
    const loadMore = async (kind, button) => {
      const [field, after] = CONNECTIONS[kind];
      button.disabled = true;
      try {
        const page = pageOf((await gql(api.MORE[kind], { id, first: api.PAGE_SIZE, [after]: lists[kind].next })).node[field]);
        lists[kind] = { ...page, items: [...lists[kind].items, ...page.items] };
        if (kind === "events") await nameAuthorities(page.items);
        draw();
      } catch (error) { button.disabled = false; toast(`${t("error")}: ${error.message}`); }
    };
    const more = (kind) => (lists[kind].next ? h("button", { id: `more-${kind}`, class: "more", onclick: (e) => loadMore(kind, e.currentTarget) },
      `${t("loadMore")} (${t("shownOf")} ${lists[kind].items.length} / ${lists[kind].total})`) : null);
    // the lists redraw together: a restriction's path names parties the links bring
    const draw = () => {
      const names = { ...authorities, [node.id]: node.name };
      for (const l of lists.links.items) for (const end of [l.source, l.target]) if (end) names[end.id] = end.name;
      const lifted = new Map(lists.events.items.filter((e) => e.lifts).map((e) => [e.lifts, e]));
      const restrictions = lists.restrictions.items;
      const events = lists.events.items;
      const drawn = {
        restrictions: h("section", { id: "restrictions" }, h("h3", {}, t("restrictions")), restrictions.length ? table(
          [t("measure"), t("status"), t("window"), t("rule"), t("legalBasis"), t("certainty"), t("path")],
          restrictions.map((r) => [measureLabel(r.measure), badge(r.status), windowText(r.from, r.until), r.rule,
            h("span", { class: "basis" }, r.legalBasis), word(r.certainty), pathText(r.path, names)])) : h("p", { class: "muted" }, t("none")),
        more("restrictions")),
        events: h("section", { id: "events" }, h("h3", {}, t("events")), events.length ? table(
          [t("date"), t("kind"), t("document"), t("authority"), t("note"), t("lifts")],
          events.map((e) => [e.date, eventLabel(e.kind), e.document || "", names[e.authority] || e.authority || "", e.note || "",
            e.lifts ? `→ ${e.lifts}` : (lifted.has(e.id) ? `${eventLabel(lifted.get(e.id).kind)} ${lifted.get(e.id).date}` : "")])) : h("p", { class: "muted" }, t("none")),
        more("events")),
        links: h("section", { id: "links" }, h("h3", {}, t("offices")), timeline(node, lists.links.items), more("links")),
      };
      for (const [kind, el] of Object.entries(drawn)) { if (sections[kind]) sections[kind].replaceWith(el); sections[kind] = el; }
      document.body.dataset.fileReady = String(+(document.body.dataset.fileReady || 0) + 1);
    };
    draw();
    main.replaceChildren(...[
      h("section", { class: "facts" }, h("h2", { id: "party-name" }, node.name),
        h("dl", {}, facts.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
        h("div", { class: "actions" },
          mayRead() ? h("a", { class: "button", href: `#/graph/${encodeURIComponent(id)}` }, t("graph")) : null,
          h("button", { id: "report", onclick: () => report(id) }, t("report")))),
      // each verdict with the measures behind it: a ban resting on a fact (the registry's
      // status) is in no restriction listed below
      decisions ? h("section", { id: "decisions" }, h("h3", {}, t("decisions")), table([t("activity"), t("decision"), t("until"), t("reasons")],
        Object.entries(decisions).map(([k, d]) => [word(k), badge(d.decision), d.until || "",
          [...new Set((d.reasons || []).map((r) => measureLabel(r.measure)))].join("；")]))) : null,
      node.resolution ? resolutionSection(node.resolution) : null,
      sections.restrictions, sections.events, sections.links].filter(Boolean));
  } catch (error) { showError(main, error); }
}

// A published entry's candidates; a steward judges each pair from here (judgeMatch), with the
// reason, and the file is drawn again with the certainty the verdict gives.
function resolutionSection(resolution) {
  const judging = viewer && viewer.rights.includes("write");
  const judgeCell = (person) => {
    const why = h("input", { class: "why", type: "text", placeholder: t("judgeWhy"), "aria-label": t("judgeWhy"), maxlength: 500 });
    const verdict = (code, text) => h("button", { type: "button", class: `judge ${code}`, "data-verdict": code, onclick: async (e) => {
      why.setCustomValidity(why.value.trim() ? "" : t("judgeWhyNeeded"));
      if (!why.reportValidity()) return;
      const buttons = e.currentTarget.parentElement.querySelectorAll("button");
      buttons.forEach((b) => { b.disabled = true; });
      try {
        await gql(api.JUDGE_MATCH, { a: resolution.entry, b: person, verdict: code, why: why.value.trim() });
        toast(t("judged"));
        await creditFilePage(resolution.entry);
      } catch (error) { buttons.forEach((b) => { b.disabled = false; }); toast(`${t("error")}: ${error.message}`); }
    } }, text);
    return h("div", { class: "judging", "data-person": person }, why,
      verdict("SAME", t("judgeSame")), verdict("DIFFERENT", t("judgeDifferent")), verdict("UNSURE", t("judgeUnsure")));
  };
  const headers = [t("person"), t("certainty"), t("evidence"), t("verdict"), ...(judging ? [t("judge")] : [])];
  return h("section", { id: "resolution" }, h("h3", {}, `${t("resolution")}: ${word(resolution.outcome)}`),
    table(headers, [
      ...resolution.candidates.map((c) => [h("a", { href: partyHref(c.person) }, c.person), word(c.certainty), c.evidence.join("; "),
        c.verdict ? word(c.verdict) : "", ...(judging ? [judgeCell(c.person)] : [])]),
      ...resolution.excluded.map((x) => [h("a", { href: partyHref(x.person) }, x.person), t("excluded"), x.reason, "", ...(judging ? [""] : [])])]));
}

async function report(id) {
  const button = document.getElementById("report");
  const asOf = route().params.get("asOf") || "";
  try {
    if (button) button.disabled = true;
    const blob = await api.downloadReport(id, asOf);
    downloadBlob(`信用报告-${id}.pdf`, blob);
    toast(t("reportDone"));
  } catch (error) { toast(`${t("error")}: ${error.message}`); } finally { if (button) button.disabled = false; }
}

function toast(text) {
  const el = h("div", { class: "toast", role: "status" }, text);
  document.body.append(el);
  setTimeout(() => el.remove(), 4000);
}

// --- relationship graph -----------------------------------------------------------------------

const HUB_LIMIT = 30;


function addSubgraph(sub, rootId) {
  const sanctioned = new Set(sub.underMeasure);
  const elements = [];
  for (const n of sub.nodes) {
    const existing = cy.getElementById(n.id);
    const classes = `${n.id === rootId ? "root" : ""} ${sanctioned.has(n.id) ? "sanctioned" : ""} ${n.listed ? "listed" : ""}`;
    if (existing.nonempty()) {
      existing.toggleClass("sanctioned", sanctioned.has(n.id));
      continue;
    }
    const el = nodeElement(n, classes);
    if (sanctioned.has(n.id)) el.data.label = `⚠ ${n.name}`;
    elements.push(el);
  }
  for (const l of sub.links) if (cy.getElementById(linkId(l)).empty()) elements.push(edgeElement(l));
  for (const tr of sub.truncated) {
    const moreId = `more:${tr.node}`;
    cy.remove(cy.getElementById(moreId));
    const hidden = tr.total - tr.shown;
    if (hidden <= 0) continue;
    elements.push({ group: "nodes", data: { id: moreId, label: `+${hidden} ${t("more")}`, hub: tr.node }, classes: "more" });
    elements.push({ group: "edges", data: { id: `${moreId}:e`, source: tr.node, target: moreId }, classes: "more" });
  }
  return cy.add(elements);
}

function runLayout(options) {
  return new Promise((resolve) => {
    const run = cy.layout(options);
    run.one("layoutstop", () => resolve());
    run.run();
  });
}

// Rings by distance from the centre, then, for a graph small enough to read link by link and
// with links away from the centre, a force-directed pass from those positions: on rings alone
// a link between two parties on opposite sides crosses the centre and reads as passing
// through it.
const RELAX_MAX_NODES = 150;

async function layout(name = "concentric", rootId) {
  if (name !== "concentric") return runLayout({ name, animate: false });
  await runLayout({ name, concentric: (n) => (n.id() === rootId ? 100 : 100 - (n.data("distance") || 1)),
    levelWidth: () => 1, minNodeSpacing: 70, spacingFactor: 1.1, animate: false });
  // a star (every link at the centre: a hub, depth 1) is clearest on its ring
  const offCentre = cy.edges("[rel]").some((e) => e.source().id() !== rootId && e.target().id() !== rootId);
  if (offCentre && cy.nodes().length <= RELAX_MAX_NODES) {
    await runLayout({ name: "cose", animate: false, randomize: false, fit: true, padding: 30,
      idealEdgeLength: () => 110, nodeRepulsion: () => 400000, nodeOverlap: 20, numIter: 1500 });
  }
}

function distances(rootId) {
  // a collection, not a selector: an id that starts with a digit (every unified social
  // credit code) is no valid Cytoscape selector, and every party was then 3 links away
  const bfs = cy.elements().bfs({ roots: cy.getElementById(rootId), directed: false });
  bfs.path.nodes().forEach((n) => n.data("distance", 0));
  const dist = { [rootId]: 0 };
  bfs.path.forEach((ele) => {
    if (ele.isEdge()) {
      const [a, b] = [ele.source().id(), ele.target().id()];
      if (dist[a] != null && dist[b] == null) dist[b] = dist[a] + 1;
      if (dist[b] != null && dist[a] == null) dist[a] = dist[b] + 1;
    }
  });
  cy.nodes().forEach((n) => n.data("distance", dist[n.id()] ?? 3));
}

// A small graph fitted to a large canvas would be drawn at several times its size.
function fitView(maxZoom = 1.3) {
  cy.fit(undefined, 40);
  if (cy.zoom() > maxZoom) { cy.zoom(maxZoom); cy.center(); }
}

// what the status line under a graph counts: parties and links (not "+N more" markers)
function graphCounts() {
  return `${t("nodes")} ${cy.nodes("[type]").length} · ${t("links")} ${cy.edges("[rel]").length}`;
}

function graphToolbar(name) {
  // nothing drawn (no path found, an error): nothing to export, rather than an empty file
  const when = (exporter) => () => (cy && cy.nodes().nonempty() ? exporter(cy, name) : toast(t("nothingToExport")));
  return h("div", { class: "toolbar exports" },
    h("button", { id: "export-png", onclick: when(exportPng) }, t("exportPng")),
    h("button", { id: "export-csv", onclick: when(exportCsv) }, t("exportCsv")),
    h("button", { id: "export-graphml", onclick: when(exportGraphml) }, t("exportGraphml")));
}

function legend() {
  return h("div", { class: "legend" }, `${t("legend")}: `,
    h("span", { class: "lg enterprise" }, t("enterprise")), h("span", { class: "lg person" }, t("person")),
    h("span", { class: "lg agency" }, t("agency")), h("span", { class: "lg sanctioned" }, `⚠ ${t("sanctioned")}`),
    h("span", { class: "lg more" }, `+N ${t("more")}`));
}

function details(where, ele) {
  if (!ele) { where.replaceChildren(h("p", { class: "muted" }, t("expandHint"))); return; }
  if (ele.isEdge()) {
    const d = ele.data();
    where.replaceChildren(...[h("h4", {}, relLabel(d.rel)), h("p", {}, `${cy.getElementById(d.source).data("name")} → ${cy.getElementById(d.target).data("name")}`),
      h("p", {}, windowText(d.validFrom, d.validTo)), d.share != null ? h("p", {}, shareText(d.share)) : null].filter(Boolean));
  } else if (ele.data("type")) {
    where.replaceChildren(...[h("h4", {}, ele.data("name")), h("p", { class: "muted" }, `${word(ele.data("type"))} · ${ele.id()}`),
      ele.hasClass("sanctioned") ? h("p", { class: "error" }, `⚠ ${t("sanctioned")}`) : null,
      h("p", {}, h("a", { href: partyHref(ele.id()) }, t("creditFile")))].filter(Boolean));
  }
}

async function graphPage(id, params) {
  if (!mayRead()) { app.replaceChildren(header("graph", id), h("main", {}, h("p", { class: "error" }, t("notAllowed")))); return; }
  performance.clearMarks(); performance.clearMeasures();
  performance.mark("party-open");
  const depth = depthParam(params);
  const asOf = dayParam(params);
  const rels = (params.get("rels") || "").split(",").filter((rel) => RELS.includes(rel));
  const depthSelect = h("select", { id: "depth" }, [1, 2, 3].map((d) => h("option", { value: d, selected: d === depth }, String(d))));
  const asOfDate = dateInput("as-of", asOf);
  const asOfInput = asOfDate.input;
  const relBoxes = RELS.map((r) => h("label", { class: "rel" }, h("input", { type: "checkbox", value: r, checked: !rels.length || rels.includes(r) }), relLabel(r)));
  const apply = () => {
    const chosen = relBoxes.map((l) => l.firstChild).filter((c) => c.checked).map((c) => c.value);
    if (!chosen.length) { toast(t("chooseRels")); return; } // none ticked drew every kind

    go(`/graph/${encodeURIComponent(id)}`, { depth: depthSelect.value, asOf: isoDay(asOfInput.value) || "",
      rels: chosen.length === RELS.length ? "" : chosen.join(",") });
  };
  depthSelect.addEventListener("change", apply);
  asOfInput.addEventListener("change", apply);
  const side = h("aside", { id: "details" });
  const canvas = h("div", { id: "cy", class: "canvas" });
  const status = h("div", { id: "graph-status", class: "muted" }, t("loading"));
  app.replaceChildren(header("graph", id), h("main", { class: "graph-page" },
    h("div", { class: "toolbar" }, h("label", {}, t("depth"), depthSelect), h("label", {}, t("asOf"), asOfDate.field),
      h("details", { class: "rels" }, h("summary", { id: "rels-summary" }, rels.length ? rels.map(relLabel).join("、") : t("allRels")), relBoxes, h("button", { id: "apply-rels", onclick: apply }, t("redraw"))),
      graphToolbar(`关系图谱-${id}`), h("button", { id: "report", onclick: () => report(id) }, t("report"))),
    legend(), h("div", { class: "graph-area" }, canvas, side), status));
  details(side, null);
  const graph = createGraph(canvas);
  cy = graph;
  document.body.dataset.graphReady = "";
  const variables = { id, depth, rels: rels.length ? rels : null, asOf: asOf || null, limit: HUB_LIMIT, on: asOf || null };
  // A newer view (another hash change) may replace this one while its data is on the way:
  // this one then stops, or both would draw into, and listen on, the newer graph.
  const replaced = () => cy !== graph;
  try {
    const data = await gql(api.NEIGHBORHOOD, variables);
    if (replaced()) return;
    performance.mark("graph-data");
    addSubgraph(data.neighborhood, id);
    distances(id);
    await layout("concentric", id);
    if (replaced()) return;
    fitView();
    performance.mark("graph-interactive");
    performance.measure("open-to-interactive", "party-open", "graph-interactive");
    performance.measure("open-to-data", "party-open", "graph-data");
    status.textContent = graphCounts() +
      (data.neighborhood.truncated.length ? ` · ${t("truncated")}: ${data.neighborhood.truncated.length}` : "");
    document.body.dataset.graphReady = "1";
  } catch (error) { showError(status, error); return; }

  cy.on("tap", "node", async (evt) => {
    const node = evt.target;
    details(side, node);
    const hub = node.data("hub");
    const target = hub || node.id();
    if (!node.data("type") && !hub) return;
    try {
      const data = await gql(api.NEIGHBORHOOD, { ...variables, id: target, depth: 1, limit: hub ? 1000 : HUB_LIMIT });
      const added = addSubgraph(data.neighborhood, id);
      if (hub) cy.remove(node);
      if (added.nonempty()) {
        distances(id);
        await layout("concentric", id);
        fitView();
      }
      status.textContent = graphCounts();
      document.body.dataset.expanded = String(+(document.body.dataset.expanded || 0) + 1);
    } catch (error) { toast(`${t("error")}: ${error.message}`); }
  });
  cy.on("tap", "edge", (evt) => details(side, evt.target));
  cy.on("dbltap", "node[type]", (evt) => { location.hash = partyHref(evt.target.id()); });
}

// --- find the connection ----------------------------------------------------------------------

async function pathsPage(params) {
  if (!mayRead()) { app.replaceChildren(header("paths"), h("main", {}, h("p", { class: "error" }, t("notAllowed")))); return; }
  const from = params.get("from") || "";
  const to = params.get("to") || "";
  const k = +(params.get("k") || 5);
  const maxHops = +(params.get("maxHops") || 4);
  const asOf = dayParam(params);
  const f = h("input", { id: "from", value: from, placeholder: "ID" });
  const tt = h("input", { id: "to", value: to, placeholder: "ID" });
  const kk = h("input", { id: "k", type: "number", min: 1, max: 50, value: k });
  const hops = h("input", { id: "max-hops", type: "number", min: 1, max: 6, value: maxHops });
  const dayField = dateInput("as-of", asOf);
  const day = dayField.input;
  const form = h("form", { class: "toolbar", onsubmit: (e) => { e.preventDefault();
    go("/paths", { from: f.value.trim(), to: tt.value.trim(), k: kk.value, maxHops: hops.value, asOf: isoDay(day.value) || "" }); } },
  h("label", {}, t("from"), f), h("label", {}, t("to"), tt), h("label", {}, t("k"), kk), h("label", {}, t("maxHops"), hops),
  h("label", {}, t("asOf"), dayField.field), h("button", { type: "submit", id: "find" }, t("find")));
  const list = h("div", { id: "path-list" });
  const canvas = h("div", { id: "cy", class: "canvas small" });
  app.replaceChildren(header("paths", from || undefined), h("main", {}, form, graphToolbar(`找关系-${from}-${to}`), canvas, list));
  cy = createGraph(canvas);
  if (!from || !to) return;
  list.textContent = t("loading");
  try {
    const data = await gql(api.PATHS, { a: from, b: to, k, maxHops, asOf: asOf || null });
    const found = data.kShortestPaths;
    if (!found.length) { list.replaceChildren(h("p", {}, t("noPath"))); return; }
    const elements = [];
    const seen = new Set();
    for (const p of found) {
      for (const n of p.nodes) if (!seen.has(n.id)) { seen.add(n.id); elements.push(nodeElement(n, n.id === from || n.id === to ? "root" : "")); }
      for (const hop of p.hops) for (const l of hop.links) if (!seen.has(linkId(l))) { seen.add(linkId(l)); elements.push(edgeElement(l, p === found[0] ? "path" : "")); }
    }
    cy.add(elements);
    await new Promise((resolve) => { const run = cy.layout({ name: "breadthfirst", roots: cy.getElementById(from), directed: false, spacingFactor: 1.2, animate: false }); run.one("layoutstop", resolve); run.run(); });
    fitView();
    const names = Object.fromEntries(found.flatMap((p) => p.nodes.map((n) => [n.id, n])));
    list.replaceChildren(h("ol", { class: "paths" }, found.map((p) => h("li", {}, h("span", { class: "muted" }, `${t("length")} ${p.length}: `),
      p.hops.map((hop, i) => [i === 0 ? partyLink(names[hop.from]) : null,
        h("span", { class: "hop" }, ` —${hop.links.map((l) => `${relLabel(l.rel)}${l.share != null ? ` ${shareText(l.share)}` : ""} (${windowText(l.validFrom, l.validTo)})`).join(" / ")}— `),
        partyLink(names[hop.to])])))));
    document.body.dataset.pathsReady = "1";
  } catch (error) { showError(list, error); }
}

// --- ownership penetration --------------------------------------------------------------------

async function ownershipPage(id, params) {
  if (!mayRead()) { app.replaceChildren(header("ownership", id), h("main", {}, h("p", { class: "error" }, t("notAllowed")))); return; }
  const asOf = dayParam(params);
  const day = dateInput("as-of", asOf, (value) => go(`/ownership/${encodeURIComponent(id)}`, { asOf: value })).field;
  const canvas = h("div", { id: "cy", class: "canvas" });
  const info = h("div", { id: "ownership-info" }, t("loading"));
  app.replaceChildren(header("ownership", id), h("main", {}, h("div", { class: "toolbar" }, h("label", {}, t("asOf"), day), graphToolbar(`股权穿透-${id}`)),
    h("div", { class: "legend" }, `${t("legend")}: `, h("span", { class: "lg beneficial" }, t("beneficialOwners")),
      h("span", { class: "lg controller" }, t("controller")), h("span", { class: "lg cross" }, t("crossHolding"))), canvas, info));
  cy = createGraph(canvas);
  try {
    // only an enterprise has owners to penetrate: say so, rather than the API's refusal
    const found = (await gql(api.NODE_TYPE, { id })).node;
    if (!found || found.type !== "ENTERPRISE") {
      info.replaceChildren(h("p", { class: "muted", id: "ownership-none" },
        found ? t("ownershipEnterprisesOnly") : `${t("noResults")}: ${id}`));
      return;
    }
    const data = await gql(api.OWNERSHIP, { id, asOf: asOf || null });
    const owners = new Map(data.beneficialOwners.map((o) => [o.person.id, o]));
    const controllers = new Set(data.beneficialOwners.filter((o) => o.reasons.includes("CONTROL")).map((o) => o.person.id));
    data.ownershipTree.forEach((b) => { if (b.link.rel === "ACTUAL_CONTROLLER") controllers.add(b.holder && b.holder.id); });
    const key = (chain) => chain.join(">");
    const elements = [nodeElement(data.node, "root")];
    elements[0].data.id = key([id]);
    for (const b of data.ownershipTree) {
      if (!b.holder) continue;
      const classes = [b.crossHolding ? "cross" : "", owners.has(b.holder.id) ? "beneficial" : "", controllers.has(b.holder.id) ? "controller" : ""].join(" ");
      const el = nodeElement(b.holder, classes);
      el.data.id = key(b.chain);
      el.data.party = b.holder.id;
      const share = b.effectiveShare != null ? ` ${shareText(b.effectiveShare)}` : "";
      el.data.label = `${b.crossHolding ? `⟲ ${t("crossHolding")} · ` : ""}${b.holder.name}${share}`;
      elements.push(el);
      const edge = edgeElement(b.link, b.crossHolding ? "cross" : "");
      edge.data.id = `e:${key(b.chain)}`;
      edge.data.source = key(b.chain);
      edge.data.target = key(b.chain.slice(0, -1));
      elements.push(edge);
    }
    cy.add(elements);
    cy.layout({ name: "preset", positions: treePositions(key([id])), animate: false }).run();
    fitView();
    cy.on("dbltap", "node", (evt) => { const party = evt.target.data("party") || id; location.hash = partyHref(party); });
    const names = Object.fromEntries(data.ownershipTree.filter((b) => b.holder).map((b) => [b.holder.id, b.holder.name]));
    names[id] = data.node.name;
    info.replaceChildren(
      h("h3", {}, t("beneficialOwners")),
      data.beneficialOwners.length ? table([t("person"), t("effectiveShare"), t("reasons")], data.beneficialOwners.map((o) =>
        [partyLink({ ...o.person, type: "PERSON" }), o.effectiveShare > 0 ? `${o.incomplete ? "≥ " : ""}${shareText(o.effectiveShare)}` : "—", o.reasons.map(word).join(", ")])) : h("p", { class: "muted" }, t("none")),
      h("h3", {}, t("cycles")),
      data.ownershipCycles.length ? h("ul", { id: "cycles" }, data.ownershipCycles.map((c) => h("li", {}, `⟲ ${c.links.map((l) => `${names[l.from] || l.from} —${shareText(l.share)}→ ${names[l.to] || l.to}`).join("; ")}`))) : h("p", { class: "muted" }, t("none")));
    document.body.dataset.ownershipReady = "1";
  } catch (error) { showError(info, error); }
}

// Holders above, the enterprise at the bottom; each holder centred over what it holds.
function treePositions(rootKey) {
  const children = {};
  cy.edges().forEach((e) => { (children[e.target().id()] ||= []).push(e.source().id()); });
  const positions = {};
  let leaf = 0;
  const place = (id, level) => {
    const kids = (children[id] || []).sort();
    let x;
    if (!kids.length) { x = leaf; leaf += 1; } else {
      const xs = kids.map((k) => place(k, level + 1));
      x = (Math.min(...xs) + Math.max(...xs)) / 2;
    }
    positions[id] = { x: x * 170, y: -level * 120 };
    return x;
  };
  place(rootKey, 0);
  return positions;
}

// --- risk scan --------------------------------------------------------------------------------

async function riskPage(id, params) {
  if (!mayRead()) { app.replaceChildren(header("risk", id), h("main", {}, h("p", { class: "error" }, t("notAllowed")))); return; }
  const depth = depthParam(params);
  const asOf = dayParam(params);
  const depthSelect = h("select", { id: "depth", onchange: (e) => go(`/risk/${encodeURIComponent(id)}`, { depth: e.target.value, asOf }) },
    [1, 2, 3].map((d) => h("option", { value: d, selected: d === depth }, String(d))));
  const day = dateInput("as-of", asOf, (value) => go(`/risk/${encodeURIComponent(id)}`, { depth, asOf: value })).field;
  const body = h("div", { id: "risk" }, t("loading"));
  const canvas = h("div", { id: "cy", class: "canvas small" });
  app.replaceChildren(header("risk", id), h("main", {}, h("div", { class: "toolbar" }, h("label", {}, t("depth"), depthSelect), h("label", {}, t("asOf"), day), graphToolbar(`疑似关联方-${id}`)), body, h("h3", {}, t("relatedGroups")), canvas));
  cy = createGraph(canvas);
  try {
    const data = await gql(api.RISK, { id, depth, asOf: asOf || null });
    const rows = data.exposure.map((x) => [partyLink(x.node), String(x.distance),
      h("span", {}, x.path.nodes.map((n) => n.name).join(" → ")),
      x.restrictions.length ? h("ul", {}, x.restrictions.map((r) => h("li", {}, `${measureLabel(r.measure)} (${windowText(r.from, r.until)}) · `, h("span", { class: "basis" }, r.legalBasis))))
        : x.events.map((e) => `${eventLabel(e.kind)} ${e.date}`).join("; ")]);
    body.replaceChildren(rows.length ? table([t("risk"), t("distance"), t("path"), t("measuresInForce")], rows) : h("p", { class: "muted" }, t("noRisk")));
    const elements = [];
    const seen = new Set();
    data.relatedGroups.groups.forEach((g, i) => {
      for (const e of g.enterprises) if (!seen.has(e.id)) { seen.add(e.id); elements.push({ group: "nodes", data: { id: e.id, label: e.name, name: e.name, type: "ENTERPRISE", group: i }, classes: `enterprise ${e.id === id ? "root" : ""}` }); }
      g.ties.forEach((tie, j) => elements.push({ group: "edges", data: { id: `tie:${i}:${j}`, source: tie.a, target: tie.b,
        label: tie.kind === "SHARED_OFFICER" ? `${t("sharedOfficer")} ${tie.via ? tie.via.name : ""}` : t("holding") }, classes: tie.kind }));
    });
    cy.add(elements);
    // a few parties on a circle wide enough for their names; more, forces from that circle
    // (every party added at one point gave the forces nothing to part them by: two related
    // parties were drawn on top of each other)
    await runLayout({ name: "circle", animate: false, radius: 90 + 30 * cy.nodes().length, startAngle: Math.PI });
    if (cy.nodes().length > 8) {
      await runLayout({ name: "cose", animate: false, randomize: false, fit: true, padding: 40,
        idealEdgeLength: () => 160, nodeRepulsion: () => 400000 });
    }
    fitView();
    document.body.dataset.riskReady = "1";
  } catch (error) { showError(body, error); }
}

// --- start ------------------------------------------------------------------------------------

async function render() {
  setLanguage(language());
  document.title = t("title");
  if (!session.purpose) { signInPage(); return; }
  if (!viewer) {
    try { viewer = (await gql(api.VIEWER)).viewer; } catch (error) {
      if (error instanceof ApiError) { session.key = ""; signInPage(error.message); return; }
      throw error;
    }
  }
  const { page, id, params } = route();
  if (page === "party" && id) return creditFilePage(id);
  if (page === "graph" && id) return graphPage(id, params);
  if (page === "paths") return pathsPage(params);
  if (page === "ownership" && id) return ownershipPage(id, params);
  if (page === "risk" && id) return riskPage(id, params);
  return searchPage(params);
}

window.addEventListener("hashchange", () => { render(); });
render();
