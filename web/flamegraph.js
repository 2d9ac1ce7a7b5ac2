/* flamekit flame graph: hover details, click zoom, regex search, URL hash state, keyboard. */
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var doc = document;
  /* Several graphs may share a page (notebook cells), so nothing is looked up by a page-wide id:
     each copy of this script finds its own graph, the SVG that holds it (a standalone SVG) or the
     one just before its data (an HTML page); without currentScript, the first graph not set up. */
  var me = doc.currentScript;
  var svg = me && me.closest ? me.closest("svg") : null;
  var dataEl = me ? me.previousElementSibling : null;
  if (!svg && dataEl) {
    svg = dataEl.previousElementSibling;
  }
  if (!svg || svg.fkReady !== undefined) {
    svg = null;
    var all = doc.querySelectorAll("svg.flamekit");
    for (var a = 0; a < all.length && !svg; a++) {
      if (all[a].fkReady === undefined) {
        svg = all[a];
      }
    }
    dataEl = svg ? svg.querySelector(".fk-data") || svg.nextElementSibling : null;
  }
  function part(name) {
    return svg.querySelector(".fk-" + name);
  }
  var framesEl = svg && part("frames");
  if (!framesEl || !dataEl || !/\bfk-data\b/.test(dataEl.getAttribute("class") || "")) {
    return;
  }
  svg.fkReady = false;
  var D = JSON.parse(dataEl.textContent);
  var n = D.names.length;
  var els = [];
  var rects = [];
  var texts = [];
  var wheres = [];
  var baseX = [];
  var baseW = [];
  var fills = [];
  var plotW = D.width - 2 * D.xpad;
  /* where frames go: by weight in a flame graph, by time (gx0, gw) in a flame chart */
  var geoX = D.gx0 || D.x0;
  var geoW = D.gw || D.total;
  var charPx = D.fontsize * D.fontwidth;
  var details = part("details");
  var matchedEl = part("matched");
  var unzoomEl = part("unzoom");
  var searchEl = part("search");
  var caseEl = part("case");
  var defaultDetails = details ? details.textContent : "";
  var state = { zoom: 0, search: "", ignoreCase: false };
  var matches = null;

  /* the drawn frames' elements, in D's order */
  function collect() {
    els = [];
    rects = [];
    texts = [];
    wheres = [];
    baseX = [];
    baseW = [];
    fills = [];
    var children = framesEl.children;
    for (var i = 0; i < n; i++) {
      var g = children[i];
      g.fkIndex = i;
      els.push(g);
      var r = g.getElementsByTagNameNS(NS, "rect")[0];
      rects.push(r);
      var ts = g.getElementsByTagNameNS(NS, "text");
      texts.push(ts.length && ts[0].getAttribute("class") !== "fk-where" ? ts[0] : null);
      wheres.push(g.querySelector(".fk-where"));
      baseX.push(parseFloat(r.getAttribute("x")));
      baseW.push(parseFloat(r.getAttribute("width")));
      fills.push(r.getAttribute("fill"));
    }
  }
  collect();
  svg.style.setProperty("--fk-search", D.searchcolor);
  svg.style.setProperty("--fk-search-label", D.searchlabel || "#fff");

  function num(v) {
    var t = Math.round(v * 10) / 10;
    return String(t);
  }

  function fmtCount(v) {
    if (Math.floor(v) === v) {
      return v.toLocaleString("en-US");
    }
    return v.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  function fmtDuration(ns) {
    if (ns < 1e3) {
      return ns.toFixed(0) + " ns";
    }
    if (ns < 1e6) {
      return (ns / 1e3).toFixed(1) + " \u00b5s";
    }
    if (ns < 1e9) {
      return (ns / 1e6).toFixed(1) + " ms";
    }
    return (ns / 1e9).toFixed(2) + " s";
  }

  function amount(i) {
    var t = D.total[i];
    if (D.unit === "nanoseconds") {
      var s = fmtDuration(t);
      if (D.samples) {
        s += ", " + fmtCount(D.samples[i]) + " samples";
      }
      return s;
    }
    var out = fmtCount(t) + " " + D.countname;
    if (D.period) {
      out += ", " + fmtDuration(t * D.period);
    }
    return out;
  }

  function pct(part, whole) {
    return whole > 0 ? ((100 * part) / whole).toFixed(2) + "%" : "0.00%";
  }

  function describe(i) {
    var s = D.nametype + " " + D.names[i];
    if (D.files[i]) {
      s += " (" + D.files[i] + (D.lines[i] ? ":" + D.lines[i] : "") + ")";
    }
    s += " \u2014 " + amount(i) + ", " + pct(D.total[i], D.total[0]) + " of total";
    if (state.zoom > 0) {
      s += ", " + pct(D.total[i], D.total[state.zoom]) + " of zoomed frame";
    }
    if (D.total[i] !== D.self[i] && i > 0) {
      s += "; self " + pct(D.self[i], D.total[0]);
    }
    var labels = D.extrakeys || Object.keys(D.extra || {}); /* JSON keys are sorted */
    for (var k = 0; k < labels.length; k++) {
      var v = D.extra[labels[k]][i];
      if (v) {
        s += "; " + labels[k] + ": " + v;
      }
    }
    return s;
  }

  /* a frame's tooltip, as flamekit.render.flame writes it */
  function titleOf(i) {
    var s = D.names[i];
    if (D.files[i]) {
      s += " " + D.files[i] + (D.lines[i] ? ":" + D.lines[i] : "");
    }
    s += " (" + amount(i) + ", " + pct(D.total[i], D.total[0]) + ")";
    var labels = D.extrakeys || Object.keys(D.extra || {});
    for (var k = 0; k < labels.length; k++) {
      var v = D.extra[labels[k]][i];
      if (v) {
        s += "\n" + labels[k] + ": " + v;
      }
    }
    return s;
  }

  function showDetails(i) {
    if (details) {
      details.textContent = i === null ? defaultDetails : describe(i);
    }
  }

  function fitLabel(name, w) {
    var chars = Math.floor(w / charPx);
    if (chars < 3) {
      return "";
    }
    return name.length <= chars ? name : name.slice(0, chars - 2) + "..";
  }

  /* what a bar says, as flamekit.render.flame.bar_texts: the name, its share when it fits,
     where it is at the right end when that fits too */
  function barTexts(i, w) {
    var chars = Math.floor(w / charPx);
    var left = D.names[i];
    if (i > 0) {
      left += " " + ((100 * D.total[i]) / D.total[0]).toFixed(1) + "%";
    }
    var where = (D.where && D.where[i]) || "";
    if (where && left.length + 2 + where.length <= chars) {
      return [left, where];
    }
    if (left.length <= chars) {
      return [left, ""];
    }
    return [fitLabel(D.names[i], w), ""];
  }

  function textAt(i, cls) {
    var t = doc.createElementNS(NS, "text");
    var r = rects[i];
    t.setAttribute("y", String(parseFloat(r.getAttribute("y")) + parseFloat(r.getAttribute("height")) / 2 + D.fontsize / 3));
    if (cls) {
      t.setAttribute("class", cls);
    }
    els[i].appendChild(t);
    return t;
  }

  function place(i, x, w) {
    var r = rects[i];
    r.setAttribute("x", num(x));
    r.setAttribute("width", num(w));
    var said = barTexts(i, w);
    var t = texts[i];
    if (!t && said[0]) {
      t = texts[i] = textAt(i, "");
    }
    if (t) {
      t.setAttribute("x", num(x + 3));
      t.textContent = said[0];
    }
    var wt = wheres[i];
    if (!wt && said[1]) {
      wt = wheres[i] = textAt(i, "fk-where");
    }
    if (wt) {
      wt.setAttribute("x", num(x + w - 3));
      wt.textContent = said[1];
    }
  }

  /* the flame chart's time ruler: the same ticks as flamekit.render.flamechart.time_ticks */
  var rulerEl = part("ruler");
  var TIME_UNITS = [[1e9, "s"], [1e6, "ms"], [1e3, "\u00b5s"], [1, "ns"]];

  function timeTicks(start, span) {
    if (!(span > 0) || !(plotW > 0)) {
      return [];
    }
    var raw = span / Math.max(1, Math.floor(plotW / 100));
    var power = 1;
    while (power * 10 <= raw) {
      power *= 10;
    }
    var step = 10 * power;
    var steps = [1, 2, 5];
    for (var m = 0; m < steps.length; m++) {
      if (steps[m] * power >= raw) {
        step = steps[m] * power;
        break;
      }
    }
    var first = Math.ceil(Math.floor(start) / step);
    var last = Math.floor((start + span) / step);
    var top = Math.max(Math.abs(last) * step, step);
    var u = 0;
    while (TIME_UNITS[u][0] > top) {
      u++;
    }
    var zeros = 0;
    for (var rest = step; rest % 10 === 0; rest /= 10) {
      zeros++;
    }
    var decimals = Math.max(0, String(TIME_UNITS[u][0]).length - 1 - zeros);
    var ticks = [];
    for (var k = first; k <= last; k++) {
      ticks.push([k * step, ((k * step) / TIME_UNITS[u][0]).toFixed(decimals) + " " + TIME_UNITS[u][1]]);
    }
    return ticks;
  }

  function drawRuler(start, span) {
    var y1 = rulerEl.getAttribute("data-y1");
    var y2 = rulerEl.getAttribute("data-y2");
    var textY = rulerEl.getAttribute("data-text-y");
    while (rulerEl.firstChild) {
      rulerEl.removeChild(rulerEl.firstChild);
    }
    var ticks = timeTicks(start, span);
    for (var i = 0; i < ticks.length; i++) {
      var x = D.xpad + ((ticks[i][0] - start) / span) * plotW;
      var line = doc.createElementNS(NS, "line");
      line.setAttribute("x1", num(x));
      line.setAttribute("x2", num(x));
      line.setAttribute("y1", y1);
      line.setAttribute("y2", y2);
      rulerEl.appendChild(line);
      var label = ticks[i][1];
      if (x + 2 + label.length * charPx <= D.width) {
        var text = doc.createElementNS(NS, "text");
        text.setAttribute("x", num(x + 2));
        text.setAttribute("y", textY);
        text.textContent = label;
        rulerEl.appendChild(text);
      }
    }
  }

  /* a graph deeper than its first view draws D.rows rows from depth `lo`: 0 at first, and as
     much higher as a zoomed frame's callees need (never past its caller). A flame chart of
     several lanes starts with each lane's lowest rows (D.viewrow: each frame's row, -1 hidden;
     `lo` is then -1) and, zoomed into a frame, draws that frame's lane as one graph. */
  var R = D.rows || 0;
  var lo = D.viewrow ? -1 : 0;

  function setY(i, y) {
    var r = rects[i];
    r.setAttribute("y", num(y));
    var ty = num(y + parseFloat(r.getAttribute("height")) / 2 + D.fontsize / 3);
    if (texts[i]) {
      texts[i].setAttribute("y", ty);
    }
    if (wheres[i]) {
      wheres[i].setAttribute("y", ty);
    }
  }

  function lowestRow(z) {
    var deepest = 0;
    for (var i = z; i <= D.end[z]; i++) {
      deepest = Math.max(deepest, D.depth[i]);
    }
    if (deepest < R) {
      return 0;
    }
    return Math.max(0, Math.min(D.depth[z] - 1, deepest - (R - 1)));
  }

  function fitRows(z) {
    var lanes = D.viewrow && z === 0 ? D.viewrow : null;
    var newLo = lanes ? -1 : lowestRow(z);
    var moved = newLo !== lo;
    lo = newLo;
    var fh = D.frameheight;
    for (var i = 0; i < n; i++) {
      var row = lanes ? lanes[i] : D.depth[i] - lo;
      var out = row < 0 || row >= R;
      var more = lanes ? D.end[i] > i && lanes[i + 1] < 0 : row === R - 1 && D.end[i] > i;
      els[i].classList.toggle("fk-deep", out);
      els[i].classList.toggle("fk-stub", !out && more);
      if (moved && !out) {
        setY(i, D.inverted ? D.ybase + row * fh : D.ybase - row * fh);
      }
    }
  }

  function isAncestor(a, b) {
    return a < b && D.end[a] >= b;
  }

  function zoom(z) {
    if (!(z >= 0 && z < n)) {
      z = 0;
    }
    state.zoom = z;
    var zx = geoX[z];
    var zw = geoW[z];
    for (var i = 0; i < n; i++) {
      var g = els[i];
      if (i >= z && i <= D.end[z]) {
        g.classList.remove("fk-hidden", "fk-parent");
        if (z === 0) {
          place(i, baseX[i], baseW[i]);
        } else {
          place(i, D.xpad + ((geoX[i] - zx) / zw) * plotW, (geoW[i] / zw) * plotW);
        }
      } else if (isAncestor(i, z)) {
        g.classList.remove("fk-hidden");
        g.classList.add("fk-parent");
        place(i, D.xpad, plotW);
      } else {
        g.classList.add("fk-hidden");
        g.classList.remove("fk-parent");
      }
    }
    if (R) {
      fitRows(z);
    }
    if (rulerEl && D.gx0) {
      drawRuler(D.t0 + geoX[z], geoW[z]);
    }
    if (unzoomEl) {
      unzoomEl.classList.toggle("fk-hide", z === 0);
    }
    if (state.search) {
      updateMatched();
    }
    saveHash();
  }

  function compile(term, ignoreCase) {
    try {
      return new RegExp(term, ignoreCase ? "i" : "");
    } catch (e) {
      return null;
    }
  }

  function updateMatched() {
    if (!matchedEl) {
      return;
    }
    if (!matches) {
      matchedEl.textContent = "";
      return;
    }
    var z = state.zoom;
    var sum = 0;
    var coveredTo = -1;
    for (var i = Math.max(z, 1); i <= D.end[z]; i++) {
      if (i > coveredTo && matches[i]) {
        sum += D.total[i];
        coveredTo = D.end[i];
      }
    }
    var text = "Matched: " + pct(sum, D.total[z]) + (z > 0 ? " of zoomed frame" : "");
    if (D.omitted) {
      /* frames narrower than --minwidth are not in the file, so they cannot match */
      text += z > 0 ? ", drawn frames only" : " of drawn frames";
    }
    matchedEl.textContent = text;
  }

  function search(term) {
    state.search = term || "";
    matches = null;
    for (var i = 0; i < n; i++) {
      els[i].classList.remove("fk-match");
    }
    if (state.search) {
      var re = compile(state.search, state.ignoreCase);
      if (!re) {
        if (matchedEl) {
          matchedEl.textContent = "Invalid regular expression";
        }
        saveHash();
        return;
      }
      matches = new Uint8Array(n);
      for (var j = 1; j < n; j++) {
        if (re.test(D.names[j])) {
          matches[j] = 1;
          els[j].classList.add("fk-match");
        }
      }
    }
    if (searchEl) {
      searchEl.classList.toggle("fk-on", !!state.search);
      searchEl.textContent = state.search ? "Reset Search" : "Search";
    }
    updateMatched();
    saveHash();
  }

  function setIgnoreCase(on) {
    state.ignoreCase = !!on;
    if (caseEl) {
      caseEl.classList.toggle("fk-on", state.ignoreCase);
      caseEl.setAttribute("aria-pressed", state.ignoreCase ? "true" : "false");
    }
  }

  function promptSearch() {
    if (state.search) {
      search("");
      return;
    }
    var term = window.prompt("Search frames (regular expression)", "");
    if (term) {
      search(term);
    }
  }

  function resetAll() {
    search("");
    zoom(0);
    showDetails(null);
  }

  /* the URL hash and the page-wide keys belong to one graph: the first on the page owns the
     hash; keys go to the graph last pointed at or focused (the first until then) */
  var ownsHash = doc.querySelector("svg.flamekit") === svg;

  function active() {
    var current = doc.fkActiveGraph;
    if (current && current.isConnected) {
      return current === svg;
    }
    return ownsHash;
  }

  function saveHash() {
    if (!ownsHash) {
      return;
    }
    var parts = [];
    if (state.zoom > 0) {
      parts.push("zoom=" + state.zoom);
    }
    if (state.search) {
      parts.push("search=" + encodeURIComponent(state.search));
    }
    if (state.ignoreCase) {
      parts.push("ic=1");
    }
    var hidden = Object.keys(offAreas).filter(function (k) {
      return offAreas[k];
    });
    if (hidden.length) {
      parts.push("hide=" + hidden.sort().map(encodeURIComponent).join(","));
    }
    var hash = parts.length ? "#" + parts.join("&") : "";
    try {
      if (window.location.hash !== hash) {
        history.replaceState(null, "", hash || window.location.pathname + window.location.search);
      }
    } catch (e) {
      /* a page without history (a data: URL) keeps working without the hash */
    }
  }

  function loadHash() {
    var hash = ownsHash ? window.location.hash.replace(/^#/, "") : "";
    var params = {};
    hash.split("&").forEach(function (kv) {
      var at = kv.indexOf("=");
      if (at > 0) {
        try {
          params[kv.slice(0, at)] = decodeURIComponent(kv.slice(at + 1));
        } catch (e) {
          /* ignore a malformed part */
        }
      }
    });
    setIgnoreCase(params.ic === "1");
    setAreas((params.hide || "").split(",").filter(Boolean));
    var z = parseInt(params.zoom || "0", 10);
    zoom(z >= 0 && z < n ? z : 0);
    search(params.search || "");
  }

  function frameIndex(target) {
    var el = target;
    while (el && el !== framesEl) {
      if (el.fkIndex !== undefined) {
        return el.fkIndex;
      }
      el = el.parentNode;
    }
    return null;
  }

  function focusFrame(i) {
    if (i === null || i < 0 || i >= n || /\bfk-(hidden|deep)\b/.test(els[i].getAttribute("class") || "")) {
      return;
    }
    var g = els[i];
    g.setAttribute("tabindex", "0");
    g.setAttribute("role", "button");
    g.setAttribute("aria-label", describe(i));
    g.focus();
  }

  function parentOf(i) {
    for (var j = i - 1; j >= 0; j--) {
      if (D.end[j] >= i && D.depth[j] === D.depth[i] - 1) {
        return j;
      }
    }
    return null;
  }

  framesEl.addEventListener("mouseover", function (ev) {
    var i = frameIndex(ev.target);
    if (i !== null) {
      showDetails(i);
    }
  });
  framesEl.addEventListener("mouseout", function (ev) {
    if (frameIndex(ev.relatedTarget) === null) {
      showDetails(null);
    }
  });
  framesEl.addEventListener("click", function (ev) {
    var i = frameIndex(ev.target);
    if (i !== null) {
      zoom(i);
      showDetails(i);
    }
  });
  framesEl.addEventListener("focusin", function (ev) {
    var i = frameIndex(ev.target);
    if (i !== null) {
      showDetails(i);
    }
  });
  framesEl.addEventListener("keydown", function (ev) {
    var i = frameIndex(ev.target);
    if (i === null) {
      return;
    }
    var up = D.inverted ? "ArrowDown" : "ArrowUp";
    var down = D.inverted ? "ArrowUp" : "ArrowDown";
    var next = null;
    if (ev.key === "Enter" || ev.key === " ") {
      zoom(i);
      showDetails(i);
      ev.preventDefault();
      return;
    } else if (ev.key === up) {
      next = i + 1 <= D.end[i] ? i + 1 : null;
    } else if (ev.key === down) {
      next = parentOf(i);
    } else if (ev.key === "ArrowRight") {
      next = D.end[i] + 1 < n && D.depth[D.end[i] + 1] === D.depth[i] ? D.end[i] + 1 : null;
    } else if (ev.key === "ArrowLeft") {
      for (var j = i - 1; j >= 0 && D.depth[j] >= D.depth[i]; j--) {
        if (D.depth[j] === D.depth[i]) {
          next = j;
          break;
        }
      }
    } else {
      return;
    }
    ev.preventDefault();
    if (next !== null) {
      els[i].setAttribute("tabindex", "-1");
      focusFrame(next);
    }
  });

  function button(el, action) {
    if (!el) {
      return;
    }
    el.addEventListener("click", action);
    el.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" || ev.key === " ") {
        ev.preventDefault();
        action();
      }
    });
  }
  button(unzoomEl, function () {
    zoom(0);
  });
  button(searchEl, promptSearch);
  button(part("hot-next"), function () {
    selectHot(1);
  });
  button(part("hot-prev"), function () {
    selectHot(-1);
  });
  button(caseEl, function () {
    setIgnoreCase(!state.ignoreCase);
    if (state.search) {
      search(state.search);
    } else {
      saveHash();
    }
  });

  /* "hottest frame n of N": the drawn frames by self weight, heaviest first; next and
     previous select one, zooming out (or in) as far as needed to show it */
  var hotOrder = [];
  function rankHot() {
    hotOrder = [];
    for (var h = 1; h < n; h++) {
      if (D.self[h] > 0) {
        hotOrder.push(h);
      }
    }
    hotOrder.sort(function (a, b) {
      return D.self[b] - D.self[a] || a - b;
    });
  }
  rankHot();
  var hotAt = -1;
  var hotEl = part("hot");
  var hotLabel = part("hot-label");
  var selected = null;

  function shown(i) {
    return !/\bfk-(hidden|deep)\b/.test(els[i].getAttribute("class") || "");
  }

  function selectHot(step) {
    if (!hotOrder.length) {
      return;
    }
    hotAt = (hotAt + step + hotOrder.length) % hotOrder.length;
    var i = hotOrder[hotAt];
    var z = state.zoom;
    if (!(z === 0 || z === i || isAncestor(z, i)) || !shown(i)) {
      zoom(parentOf(i) || 0);
      if (!shown(i)) {
        zoom(i);
      }
    }
    if (selected !== null) {
      els[selected].classList.remove("fk-selected");
    }
    selected = i;
    els[i].classList.add("fk-selected");
    if (hotLabel) {
      hotLabel.textContent = "hottest frame " + (hotAt + 1) + " of " + hotOrder.length;
    }
    showDetails(i);
    defaultDetails = describe(i);
  }

  /* area chips: hide a code area by giving its frames' time to their callers, as
     flamekit.transforms.hide_areas does, and draw the graph again from the data as rendered */
  var first = null;
  var offAreas = {};

  function withoutAreas(O) {
    var off = {};
    for (var a = 0; a < O.areas.length; a++) {
      if (offAreas[O.areas[a][0]]) {
        O.areas[a][1].forEach(function (k) {
          off[k] = 1;
        });
      }
    }
    var m = O.names.length;
    var rep = [0];
    var kids = [{}];
    var self = [O.self[0]];
    var selfS = [O.samples ? O.samples[0] : 0];
    var visible = new Int32Array(m); /* per frame: its new node, or its nearest shown caller's */
    var node = new Int32Array(m); /* per frame: the new node its own time goes to */
    var up = [0];
    var hiddenRoot = -1;
    function add(r, p, key) {
      rep.push(r);
      kids.push({});
      self.push(0);
      selfS.push(0);
      kids[p][key] = rep.length - 1;
      return rep.length - 1;
    }
    for (var i = 1; i < m; i++) {
      var d = O.depth[i];
      var caller = up[d - 1];
      up[d] = i;
      var p = visible[caller];
      var to;
      if (off[O.kind[i]]) {
        visible[i] = p;
        if (p === 0) {
          if (hiddenRoot < 0) {
            hiddenRoot = add(0, 0, "hidden");
          }
          to = hiddenRoot;
        } else {
          to = p;
        }
      } else {
        to = kids[p][O.fid[i]];
        if (to === undefined) {
          to = add(i, p, O.fid[i]);
        }
        visible[i] = to;
      }
      self[to] += O.self[i];
      if (O.samples) {
        selfS[to] += O.samples[i];
        selfS[node[caller]] -= O.samples[i];
      }
      node[i] = to;
    }
    return { rep: rep, kids: kids, self: self, samples: O.samples ? selfS : null, hiddenRoot: hiddenRoot };
  }

  function rebuild() {
    if (!first) {
      first = { D: D, g: els.slice() };
    }
    var O = first.D;
    var t = withoutAreas(O);
    var N = { names: [], files: [], lines: [], where: [], depth: [], x0: [], total: [], self: [], end: [], node: [] };
    var totals = t.self.slice();
    var counts = t.samples ? t.samples.slice() : null;
    var order = [];
    /* siblings in name order, as flamekit.render.flame_layout.layout draws them */
    function rankOf(v) {
      return v === t.hiddenRoot ? O.hiddenrank : O.rank[t.rep[v]];
    }
    function sorted(v) {
      var ks = Object.keys(t.kids[v]).map(function (k) {
        return t.kids[v][k];
      });
      return ks.sort(function (a, b) {
        return rankOf(a) - rankOf(b);
      });
    }
    function sum(v) {
      var ks = sorted(v);
      for (var k = 0; k < ks.length; k++) {
        totals[v] += sum(ks[k]);
        if (counts) {
          counts[v] += counts[ks[k]];
        }
      }
      return totals[v];
    }
    sum(0);
    function visit(v, depth, x) {
      var at = order.length;
      order.push(v);
      N.node.push(v);
      N.depth.push(depth);
      N.x0.push(x);
      N.end.push(0);
      var ks = sorted(v);
      for (var k = 0; k < ks.length; k++) {
        if (totals[ks[k]] > 0) {
          visit(ks[k], depth + 1, x);
          x += totals[ks[k]];
        }
      }
      N.end[at] = order.length - 1;
    }
    visit(0, 0, O.x0[0]);
    var keep = { v: 1 };
    Object.keys(O).forEach(function (key) {
      if (!(key in N) && !Array.isArray(O[key])) {
        keep[key] = O[key];
      }
    });
    var extra = {};
    Object.keys(O.extra || {}).forEach(function (key) {
      extra[key] = [];
    });
    var perFrame = ["names", "files", "lines", "where", "kind", "fid", "rank"];
    var nd = { extra: extra, extrakeys: O.extrakeys, areas: O.areas, samples: null };
    perFrame.forEach(function (key) {
      nd[key] = [];
    });
    for (var j = 0; j < order.length; j++) {
      var v = order[j];
      var r = t.rep[v];
      perFrame.forEach(function (key) {
        nd[key].push(O[key] ? O[key][r] : null);
      });
      Object.keys(extra).forEach(function (key) {
        extra[key].push(v === t.hiddenRoot ? "" : O.extra[key][r]);
      });
      if (v === t.hiddenRoot) {
        nd.names[j] = "(hidden)";
        nd.files[j] = "";
        nd.lines[j] = 0;
        nd.where[j] = "";
      }
    }
    Object.keys(keep).forEach(function (key) {
      if (!(key in nd)) {
        nd[key] = keep[key];
      }
    });
    nd.depth = N.depth;
    nd.x0 = N.x0;
    nd.end = N.end;
    nd.total = order.map(function (v) {
      return totals[v];
    });
    nd.self = order.map(function (v) {
      return t.self[v];
    });
    nd.samples = counts
      ? order.map(function (v) {
          return counts[v];
        })
      : null;
    nd.omitted = O.omitted;
    D = nd;
    n = order.length;
    geoX = D.x0;
    geoW = D.total;
    while (framesEl.firstChild) {
      framesEl.removeChild(framesEl.firstChild);
    }
    var fh = D.frameheight;
    for (var q = 0; q < n; q++) {
      var g = first.g[t.rep[order[q]]].cloneNode(true);
      g.classList.remove("fk-hidden", "fk-parent", "fk-match", "fk-selected", "fk-deep", "fk-stub");
      g.removeAttribute("tabindex");
      var rect = g.getElementsByTagNameNS(NS, "rect")[0];
      rect.setAttribute("x", num(D.xpad + ((D.x0[q] - D.x0[0]) / D.total[0]) * plotW));
      rect.setAttribute("width", num((D.total[q] / D.total[0]) * plotW));
      rect.setAttribute("y", num(D.inverted ? D.ybase + D.depth[q] * fh : D.ybase - D.depth[q] * fh));
      framesEl.appendChild(g);
    }
    collect();
    for (var y = 0; y < n; y++) {
      setY(y, parseFloat(rects[y].getAttribute("y")));
      var title = els[y].getElementsByTagName("title")[0];
      if (title) {
        title.textContent = titleOf(y);
      }
    }
    lo = 0;
    rankHot();
    hotAt = -1;
    selected = null;
    if (hotLabel) {
      hotLabel.textContent = "hottest frames (" + hotOrder.length + ")";
    }
    els[0].setAttribute("tabindex", "0");
    zoom(0);
    search(state.search);
  }

  var chips = svg.querySelectorAll(".fk-area");

  function showChip(chip) {
    var on = !!offAreas[chip.getAttribute("data-area")];
    chip.classList.toggle("fk-on", on);
    chip.setAttribute("aria-pressed", on ? "true" : "false");
  }

  /* hide exactly the areas named (those the graph has chips for), as a shared link asks */
  function setAreas(keys) {
    var changed = false;
    Array.prototype.forEach.call(chips, function (chip) {
      var key = chip.getAttribute("data-area");
      var off = keys.indexOf(key) >= 0;
      if (!!offAreas[key] !== off) {
        offAreas[key] = off;
        changed = true;
      }
      showChip(chip);
    });
    if (changed) {
      rebuild();
    }
  }

  Array.prototype.forEach.call(chips, function (chip) {
    button(chip, function () {
      var key = chip.getAttribute("data-area");
      offAreas[key] = !offAreas[key];
      showChip(chip);
      rebuild();
    });
  });

  function claim() {
    doc.fkActiveGraph = svg;
  }
  svg.addEventListener("mouseenter", claim);
  svg.addEventListener("focusin", claim);
  window.addEventListener("keydown", function (ev) {
    if (!active()) {
      return;
    }
    var tag = (ev.target && ev.target.tagName) || "";
    var typing = /^(input|textarea|select)$/i.test(tag);
    if ((ev.ctrlKey || ev.metaKey) && (ev.key === "f" || ev.key === "F")) {
      ev.preventDefault();
      promptSearch();
    } else if (ev.key === "/" && !typing) {
      ev.preventDefault();
      promptSearch();
    } else if (ev.key === "Escape") {
      resetAll();
    } else if (!typing && !ev.ctrlKey && !ev.metaKey && !ev.altKey && (ev.key === "n" || ev.key === "p")) {
      selectHot(ev.key === "n" ? 1 : -1);
    }
  });
  if (ownsHash) {
    window.addEventListener("hashchange", loadHash);
  }

  els[0].setAttribute("tabindex", "0");
  els[0].setAttribute("role", "button");
  els[0].setAttribute("aria-label", describe(0));
  framesEl.setAttribute("role", "group");
  framesEl.setAttribute("aria-label", "Flame graph frames: Tab to enter, arrows to move, Enter to zoom");
  loadHash();
  svg.classList.add("fk-live"); /* the controls show only where this script runs */
  if (hotEl) {
    if (hotOrder.length) {
      if (hotLabel) {
        hotLabel.textContent = "hottest frames (" + hotOrder.length + ")";
      }
      /* Reset Zoom goes after the hottest-frame controls */
      if (unzoomEl && hotEl.getComputedTextLength) {
        unzoomEl.setAttribute("x", num(10 + hotEl.getComputedTextLength() + 18));
      }
    } else {
      hotEl.classList.add("fk-hide");
    }
  }
  /* an HTML page starts with the base of the graph, its widest frames, in the window */
  var page = svg.parentNode;
  if (ownsHash && !D.inverted && page && page.classList && page.classList.contains("fk-page")) {
    var box = svg.getBoundingClientRect();
    if (box.bottom > window.innerHeight) {
      window.scrollTo(0, window.scrollY + box.bottom - window.innerHeight);
    }
  }
  svg.fkReady = true;
})();
