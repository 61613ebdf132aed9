// The TaskGraph dashboard page: draws the state the server pushes (Server-Sent Events on api/events).
"use strict";
(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const token = new URLSearchParams(location.search).get("token");
  const query = token ? "?token=" + encodeURIComponent(token) : "";

  function el(name, attrs, parent, text) {
    const e = name === "svg" || /^(rect|text|line|g|title)$/.test(name) ? document.createElementNS(SVG, name) : document.createElement(name);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); }
  // A colour per task group, kept for the page's life: the first group seen gets the first colour, and so on.
  const palette = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#edc948", "#76b7b2", "#ff9da7", "#9c755f", "#e15759", "#bab0ac"];
  const colours = new Map();
  function colour(name) {
    if (!colours.has(name)) {
      const i = colours.size;
      colours.set(name, i < palette.length ? palette[i] : "hsl(" + ((i * 137.5) % 360).toFixed(0) + ", 55%, 55%)");
    }
    return colours.get(name);
  }
  function bytes(n) {
    if (n === null || n === undefined) return "–";
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return n.toFixed(i === 0 ? 0 : 1) + " " + units[i];
  }
  function seconds(s) { return s < 10 ? s.toFixed(2) + " s" : s.toFixed(1) + " s"; }
  function rows(tableId, list, cells) {
    const body = document.querySelector("#" + tableId + " tbody");
    clear(body);
    for (const item of list) {
      const tr = el("tr", {}, body);
      for (const [text, cls] of cells(item)) el("td", cls ? { class: cls } : {}, tr, String(text));
    }
  }

  function drawStates(s) {
    const svg = document.getElementById("states");
    clear(svg);
    const parts = [["waiting", "#8a9bb0"], ["running", "#7fb0e0"], ["done", "#3a7d44"], ["failed", "#c0392b"]];
    const total = parts.reduce((t, [k]) => t + s.states[k], 0);
    let x = 0;
    for (const [k, c] of parts) {
      const w = total ? 300 * s.states[k] / total : 0;
      const r = el("rect", { x: x.toFixed(1), y: 3, width: w.toFixed(1), height: 16, fill: c, class: "state-" + k }, svg);
      el("title", {}, r, k + ": " + s.states[k]);
      x += w;
    }
    el("text", { x: 308, y: 15 }, svg, parts.map(([k]) => k[0] + " " + s.states[k]).join("  "));
  }

  function drawProgress(s) {
    const box = document.getElementById("progress");
    clear(box);
    if (s.groups.length === 0) { el("p", { class: "empty" }, box, "No computation yet."); return; }
    for (const g of s.groups) {
      const row = el("div", { class: "group" }, box);
      const name = el("span", { class: "name", title: g.name }, row);
      el("span", { class: "swatch" }, name).style.background = colour(g.name); // CSSOM: the CSP refuses style attributes
      name.appendChild(document.createTextNode(g.name));
      const svg = el("svg", { class: "bar", viewBox: "0 0 100 14", preserveAspectRatio: "none", width: "100%", height: 14 }, row);
      el("rect", { class: "bar-back", x: 0, y: 0, width: 100, height: 14 }, svg);
      let x = 0;
      for (const [k, cls] of [["done", "bar-done"], ["failed", "bar-failed"], ["running", "bar-running"]]) {
        const w = g.total ? 100 * g[k] / g.total : 0;
        el("rect", { class: cls, x: x.toFixed(2), y: 0, width: w.toFixed(2), height: 14 }, svg);
        x += w;
      }
      el("span", { class: "count" }, row, (g.done + g.failed) + " / " + g.total + (g.failed ? " (" + g.failed + " failed)" : ""));
    }
  }

  function drawStream(s) {
    const svg = document.getElementById("stream");
    clear(svg);
    const workers = [...new Set(s.stream.map(t => t.worker))].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    const rowH = 18, left = 150, width = Math.max(600, svg.clientWidth || 1000), plot = width - left - 10;
    const height = Math.max(1, workers.length) * rowH + 20;
    svg.setAttribute("height", height);
    svg.setAttribute("viewBox", "0 0 " + width + " " + height);
    const t0 = s.now - s.window;
    const xOf = t => left + Math.max(0, t - t0) / s.window * plot;
    workers.forEach((w, i) => {
      el("text", { class: "row-label", x: 4, y: i * rowH + 13 }, svg, w.length > 22 ? w.slice(0, 21) + "…" : w);
      el("line", { class: "row-line", x1: left, x2: left + plot, y1: i * rowH + rowH, y2: i * rowH + rowH }, svg);
    });
    const rowOf = new Map(workers.map((w, i) => [w, i]));
    for (const t of s.stream) {
      const x = xOf(t.start), w = Math.max(1, xOf(t.end) - x);
      const r = el("rect", { class: t.failed ? "task failed" : "task", x: x.toFixed(1), y: rowOf.get(t.worker) * rowH + 2, width: w.toFixed(1), height: rowH - 4, fill: colour(t.group) }, svg);
      el("title", {}, r, t.group + " on " + t.worker + ": " + seconds(t.end - t.start));
    }
    for (let k = 0; k <= 6; k++) {
      const sec = s.window * k / 6;
      el("text", { class: "axis", x: (left + plot * k / 6 - (k === 6 ? 24 : 0)).toFixed(0), y: height - 4 }, svg, k === 6 ? "now" : "-" + (s.window - sec).toFixed(0) + " s");
    }
    document.getElementById("stream-caption").textContent = s.stream.length + " tasks in the last " + s.window + " s, one row per worker";
    if (workers.length === 0) el("text", { class: "axis", x: left, y: 14 }, svg, "No task finished in the last " + s.window + " s.");
  }

  function render(s) {
    for (const g of s.groups.slice().reverse()) colour(g.name);
    drawStates(s);
    drawStream(s);
    drawProgress(s);
    const procs = new Map(s.processes.map(p => [p.name, p]));
    rows("workers", s.workers, w => {
      const p = w.process ? procs.get(w.process) : null;
      return [[w.name], [w.running, "num"], [w.done, "num"], [w.failed, "num"], [w.process || "remote"],
        [p ? p.cpu.toFixed(0) + " %" : "–", "num"], [p ? bytes(p.memory) : "–", "num"], [p && p.held != null ? bytes(p.held) : "–", "num"]];
    });
    rows("processes", s.processes, p => [[p.name], [p.pid, "num"], [p.cpu.toFixed(0) + " %", "num"], [bytes(p.memory), "num"], [bytes(p.heap), "num"]]);
    rows("computations", s.computations, c => [[c.id], [c.tasks, "num"], [c.done, "num"], [c.failed, "num"],
      [seconds((c.ended === null ? s.now : c.ended) - c.started), "num"], [c.ended === null ? "running" : c.error ? c.error : "done", c.error ? "error" : ""]]);
    rows("failures", s.failures, f => [[seconds(s.now - f.time) + " ago"], [f.computation], [f.key], [f.function], [f.worker], [f.message, "error"]]);
  }

  const initial = JSON.parse(document.getElementById("initial-state").textContent);
  if (initial && typeof initial === "object") render(initial);
  const status = document.getElementById("connection");
  if (window.EventSource) {
    const events = new EventSource("api/events" + query);
    events.onopen = () => { status.textContent = "live"; status.className = "connection live"; };
    events.onerror = () => { status.textContent = "reconnecting…"; status.className = "connection lost"; };
    events.onmessage = e => render(JSON.parse(e.data));
  }
})();
