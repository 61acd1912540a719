// The drawing: Cytoscape.js on a canvas (a few thousand nodes stay interactive; labels are
// drawn with the page's CJK font stack, so Chinese names need no extra font files).
import cytoscape from "cytoscape";
import { relLabel } from "./i18n.js";

const FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif';

export const STYLE = [
  { selector: "node", style: {
    label: "data(label)", "font-family": FONT, "font-size": 11, "text-valign": "bottom",
    "text-margin-y": 4, "text-wrap": "wrap", "text-max-width": 120, color: "#1f2933",
    "background-color": "#3b82f6", width: 26, height: 26, "border-width": 2, "border-color": "#fff",
    "text-background-color": "#ffffff", "text-background-opacity": 0.8, "text-background-padding": 2,
  } },
  { selector: "node.enterprise", style: { shape: "round-rectangle", "background-color": "#2563eb", width: 34, height: 24 } },
  { selector: "node.person", style: { shape: "ellipse", "background-color": "#f59e0b" } },
  { selector: "node.agency", style: { shape: "hexagon", "background-color": "#64748b" } },
  { selector: "node.listed", style: { "border-style": "dashed", "border-color": "#92400e", "border-width": 3 } },
  { selector: "node.root", style: { "border-width": 4, "border-color": "#111827", width: 40, height: 30 } },
  { selector: "node.sanctioned", style: { "border-width": 4, "border-color": "#dc2626", "background-color": "#fecaca", color: "#b91c1c", "font-weight": "bold" } },
  { selector: "node.more", style: { shape: "round-rectangle", "background-color": "#fef3c7", "border-color": "#d97706", "border-style": "dashed", "border-width": 2,
    color: "#92400e", width: 70, height: 26, "font-size": 14, "font-weight": "bold", "text-valign": "center", "text-margin-y": 0, "text-background-opacity": 0 } },
  { selector: "node.beneficial", style: { "background-color": "#facc15", "border-color": "#a16207", "border-width": 4 } },
  { selector: "node.controller", style: { "border-color": "#7c3aed", "border-width": 5 } },
  { selector: "node.cross", style: { "border-style": "dashed", "border-color": "#dc2626", "border-width": 3, "background-color": "#fee2e2" } },
  { selector: "node:selected", style: { "overlay-opacity": 0.15, "overlay-color": "#2563eb" } },
  { selector: "edge", style: {
    width: 1.5, "line-color": "#94a3b8", "target-arrow-color": "#94a3b8", "target-arrow-shape": "triangle",
    "curve-style": "bezier", label: "data(label)", "font-family": FONT, "font-size": 9, color: "#475569",
    "text-background-color": "#fff", "text-background-opacity": 0.85, "text-background-padding": 1,
    "text-rotation": "autorotate",
  } },
  { selector: "edge.ended", style: { "line-style": "dashed", opacity: 0.6 } },
  { selector: "edge.SHAREHOLDER", style: { "line-color": "#0ea5e9", "target-arrow-color": "#0ea5e9" } },
  { selector: "edge.ACTUAL_CONTROLLER", style: { "line-color": "#7c3aed", "target-arrow-color": "#7c3aed" } },
  { selector: "edge.LEGAL_REPRESENTATIVE", style: { "line-color": "#111827", "target-arrow-color": "#111827" } },
  { selector: "edge.cross", style: { "line-color": "#dc2626", "target-arrow-color": "#dc2626", width: 2.5, "line-style": "dashed" } },
  { selector: "edge.path", style: { width: 3, "line-color": "#16a34a", "target-arrow-color": "#16a34a" } },
  { selector: "edge.more", style: { "line-style": "dotted", "target-arrow-shape": "none", label: "" } },
];

export function createGraph(container) {
  const cy = cytoscape({
    container, style: STYLE, minZoom: 0.1, maxZoom: 4,
    textureOnViewport: true, hideEdgesOnViewport: true,
  });
  window.__cy = cy; // for the browser tests and the benchmark
  return cy;
}

export function linkId(link) {
  return `${link.rel}|${link.from}|${link.to}|${link.validFrom || ""}`;
}

export function shareText(share) {
  return share == null ? "" : `${+(share * 100).toFixed(2)}%`;
}

export function edgeElement(link, extraClasses = "") {
  const dates = `${link.validFrom || "?"}–${link.validTo || ""}`;
  const share = link.rel === "SHAREHOLDER" && link.share != null ? ` ${shareText(link.share)}` : "";
  return {
    group: "edges",
    data: { id: linkId(link), source: link.from, target: link.to, rel: link.rel,
      label: `${relLabel(link.rel)}${share}`, validFrom: link.validFrom, validTo: link.validTo,
      share: link.share, dates },
    classes: `${link.rel} ${link.validTo ? "ended" : ""} ${extraClasses}`.trim(),
  };
}

export function nodeElement(node, classes = "") {
  return {
    group: "nodes",
    data: { id: node.id, label: node.name, name: node.name, type: node.type, status: node.status || "" },
    classes: `${(node.type || "").toLowerCase()} ${classes}`.trim(),
  };
}

function download(name, blob) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.appendChild(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

export function downloadBlob(name, blob) { download(name, blob); }

export function exportPng(cy, name) {
  download(`${name}.png`, cy.png({ output: "blob", full: true, bg: "#ffffff", scale: 2 }));
}

function csvCell(value) {
  const text = value == null ? "" : String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

// A drawn node's party: the ownership tree draws a party once per chain it holds through,
// under a key of that chain, and keeps the party's id beside it.
function partyOf(cy, nodeId) {
  return cy.getElementById(nodeId).data("party") || nodeId;
}

export function subgraphCsv(cy) {
  const names = {};
  cy.nodes().forEach((n) => { names[partyOf(cy, n.id())] = n.data("name"); });
  const rows = [["from", "from_name", "rel", "to", "to_name", "valid_from", "valid_to", "share"]];
  cy.edges().filter((e) => e.data("rel")).forEach((e) => {
    const d = e.data();
    const [from, to] = [partyOf(cy, d.source), partyOf(cy, d.target)];
    rows.push([from, names[from], d.rel, to, names[to], d.validFrom, d.validTo, d.share]);
  });
  // a BOM: Excel in a Chinese locale opens UTF-8 CSV correctly only with it
  return "\ufeff" + rows.map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n";
}

function xml(text) {
  return String(text ?? "").replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}

export function subgraphGraphml(cy) {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>',
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">',
    '<key id="name" for="node" attr.name="name" attr.type="string"/>',
    '<key id="type" for="node" attr.name="type" attr.type="string"/>',
    '<key id="rel" for="edge" attr.name="rel" attr.type="string"/>',
    '<key id="valid_from" for="edge" attr.name="valid_from" attr.type="string"/>',
    '<key id="valid_to" for="edge" attr.name="valid_to" attr.type="string"/>',
    '<key id="share" for="edge" attr.name="share" attr.type="double"/>',
    '<graph id="creditgraph" edgedefault="directed">'];
  const written = new Set();
  cy.nodes().filter((n) => n.data("type")).forEach((n) => {
    const party = partyOf(cy, n.id());
    if (written.has(party)) return;
    written.add(party);
    out.push(`<node id="${xml(party)}"><data key="name">${xml(n.data("name"))}</data><data key="type">${xml(n.data("type"))}</data></node>`);
  });
  cy.edges().filter((e) => e.data("rel")).forEach((e) => {
    const d = e.data();
    const share = d.share == null ? "" : `<data key="share">${d.share}</data>`;
    out.push(`<edge source="${xml(partyOf(cy, d.source))}" target="${xml(partyOf(cy, d.target))}"><data key="rel">${d.rel}</data>` +
      `<data key="valid_from">${xml(d.validFrom || "")}</data><data key="valid_to">${xml(d.validTo || "")}</data>${share}</edge>`);
  });
  out.push("</graph>", "</graphml>");
  return out.join("\n") + "\n";
}

export function exportCsv(cy, name) {
  download(`${name}.csv`, new Blob([subgraphCsv(cy)], { type: "text/csv;charset=utf-8" }));
}

export function exportGraphml(cy, name) {
  download(`${name}.graphml`, new Blob([subgraphGraphml(cy)], { type: "application/graphml+xml" }));
}
