// Filters and drill-down for the journey map. Reads the JSON data block; writes only with textContent,
// so no feedback string is ever parsed as HTML or evaluated.
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("f2j-data").textContent);
  var state = { source: "", segment: "", from: "", to: "" };
  var NEG = -0.15, POS = 0.15;
  function colour(v) {
    v = Math.max(-1, Math.min(1, v));
    return "hsl(" + Math.round((v + 1) / 2 * 130) + ", 70%, " + Math.round(88 - Math.abs(v) * 18) + "%)";
  }
  function symbol(v) { return v <= NEG ? "\u25BC" : v >= POS ? "\u25B2" : "\u25CF"; }
  function signed(v, d) { var s = v.toFixed(d); return (v >= 0 ? "+" : "\u2212") + s.replace("-", ""); }
  function keep(g) {
    if (state.source !== "" && g[2] !== +state.source) return false;
    if (state.segment !== "" && g[4] !== +state.segment) return false;
    var m = D.months[g[3]];
    if (state.from && m && m < state.from) return false;
    if (state.to && m && m > state.to) return false;
    return true;
  }
  function recompute() {
    var cells = {}, stages = {}, total = 0;
    D.groups.forEach(function (g) {
      if (!keep(g)) return;
      var k = g[0] + ":" + g[1];
      var c = cells[k] || (cells[k] = { n: 0, s: 0, neg: 0 });
      c.n += g[5]; c.s += g[6]; c.neg += g[7];
      var st = stages[g[0]] || (stages[g[0]] = { n: 0, s: 0 });
      st.n += g[5]; st.s += g[6]; total += g[5];
    });
    document.querySelectorAll("td[data-cell]").forEach(function (td) {
      var c = cells[td.getAttribute("data-cell")];
      if (!c) { td.textContent = "\u00B7"; td.style.background = ""; td.classList.add("empty"); return; }
      var m = c.s / c.n;
      td.classList.remove("empty");
      td.style.background = colour(m);
      td.textContent = symbol(m) + " " + signed(m, 1) + " \u00B7 " + c.n;
    });
    document.querySelectorAll("[data-stage-summary]").forEach(function (el) {
      var st = stages[el.getAttribute("data-stage-summary")];
      el.textContent = st ? st.n + " \u00B7 " + signed(st.s / st.n, 2) + " " + symbol(st.s / st.n) : "0";
    });
    updateCurve(stages);
    var shown = document.getElementById("f-count");
    if (shown) shown.textContent = total + " segments match";
  }
  // The emotion curve follows the filters: same geometry as report.curve_points (220 high, 40 padding).
  function updateCurve(stages) {
    var svg = document.querySelector("svg.curve");
    if (!svg) return;
    var top = +svg.getAttribute("data-top"), pts = [];
    svg.querySelectorAll("g[data-curve]").forEach(function (g) {
      var st = stages[g.getAttribute("data-curve")];
      var circle = g.querySelector("circle"), label = g.querySelector("text.curve-value");
      if (!st) { g.style.opacity = "0.15"; label.textContent = "no data"; return; }
      var m = st.s / st.n, v = Math.max(-top, Math.min(top, m));
      var y = 40 + (1 - (v / top + 1) / 2) * 140;
      g.style.opacity = "1";
      circle.setAttribute("cy", y.toFixed(1));
      circle.setAttribute("r", (5 + Math.min(st.n, 400) / 40).toFixed(1));
      circle.setAttribute("fill", colour(m));
      label.setAttribute("y", (y - 14).toFixed(1));
      label.textContent = signed(m, 2) + " " + symbol(m);
      pts.push(circle.getAttribute("cx") + "," + y.toFixed(1));
    });
    document.getElementById("curve-line").setAttribute("points", pts.join(" "));
  }
  function showQuotes(title, match) {
    var panel = document.getElementById("drill");
    var list = document.getElementById("drill-quotes");
    document.getElementById("drill-title").textContent = title;
    while (list.firstChild) list.removeChild(list.firstChild);
    var n = 0;
    D.quotes.forEach(function (q) {
      if (!keep(q) || !match(q)) return;
      var b = document.createElement("blockquote");
      b.className = q[5] < 0 ? "neg" : "pos";
      b.textContent = symbol(q[5]) + " " + q[6] + (q[7] ? "  [" + q[7] + "]" : "");
      list.appendChild(b); n += 1;
    });
    if (!n) { var p = document.createElement("p"); p.className = "muted"; p.textContent = "No quotes match the filters."; list.appendChild(p); }
    panel.hidden = false;
    panel.focus();
  }
  function activate(el, fn) {
    el.addEventListener("click", fn);
    el.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); fn(); } });
  }
  document.querySelectorAll("td[data-cell]").forEach(function (td) {
    activate(td, function () {
      var p = td.getAttribute("data-cell").split(":");
      showQuotes(td.getAttribute("data-label"), function (q) { return q[0] === +p[0] && q[1] === +p[1]; });
    });
  });
  document.querySelectorAll("[data-stage]").forEach(function (th) {
    activate(th, function () {
      var s = +th.getAttribute("data-stage");
      showQuotes(th.getAttribute("data-label"), function (q) { return q[0] === s; });
    });
  });
  [["f-source", "source"], ["f-segment", "segment"], ["f-from", "from"], ["f-to", "to"]].forEach(function (pair) {
    var el = document.getElementById(pair[0]);
    if (el) el.addEventListener("change", function () { state[pair[1]] = el.value; recompute(); });
  });
  document.getElementById("drill-close").addEventListener("click", function () { document.getElementById("drill").hidden = true; });
  document.getElementById("filters").hidden = false;
  document.documentElement.setAttribute("data-explorer", "ready");
  recompute();
})();
