(function () {
  "use strict";
  var panel = document.getElementById("graph-panel");
  var details = document.getElementById("details");
  var LEVELS = {4: "critical", 3: "high", 2: "medium", 1: "low"};
  var COLOURS = {critical: "#991b1b", high: "#ea580c", medium: "#ca8a04", low: "#94a3b8"};
  var WIDTHS = {critical: 6, high: 4, medium: 2.5, low: 1.5};
  var STATUS = {active: "#2563eb", planned: "#ffffff", suspended: "#dc2626", closed: "#4b5563"};
  // Rows of the findings table and of the cluster list drawn at a time.
  var PAGE = 50;
  // Above the graph budget, the graph first draws the strongest groups up to this many nodes.
  var FIRST_DRAWN = 300;
  var cy = null;
  var data = null, S = [], names = [], byName = {}, pairsOf = [], groupOf = [], groups = [];
  var drawn = {}, expanded = {};

  function fail(error) {
    panel.setAttribute("data-status", "error");
    panel.setAttribute("data-error", String((error && error.message) || error));
  }

  function text(tag, value, cls) {
    var el = document.createElement(tag);
    el.textContent = value;
    if (cls) { el.className = cls; }
    return el;
  }

  function s(i) { return i === null || i === undefined ? null : S[i]; }

  // The page's fixed words in the report's language: data.words maps each English text to it
  // (none in English); placeholders are written {name}. The words themselves are on the page
  // as text, never as markup.
  var WORDS = {};
  function say(english, values) {
    var out = Object.prototype.hasOwnProperty.call(WORDS, english) ? WORDS[english] : english;
    if (!values) { return out; }
    return out.replace(/\{(\w+)\}/g, function (m, k) { return Object.prototype.hasOwnProperty.call(values, k) ? String(values[k]) : m; });
  }

  // A facet as the page's language names it: its Chinese label in Chinese (data.words), its
  // name in English; a list of them joined as the language joins a list.
  function kindName(facet) { return say(facet); }
  function kindList(kinds) { return kinds.map(kindName).join(say(", ")); }

  // The strongest shared kind names the line; the full list is in the details panel.
  function shortKinds(kinds) {
    return kinds.length ? kindName(kinds[0]) + (kinds.length > 1 ? " +" + (kinds.length - 1) : "") : "";
  }

  // A pair's kinds: its findings' facets, strongest first, context ones left out.
  function pairKinds(p) {
    var kinds = [];
    p[4].forEach(function (f) {
      var t = data.finding_types[f[0]], facet = s(t[0]);
      if (s(t[1]) !== "context" && kinds.indexOf(facet) < 0) { kinds.push(facet); }
    });
    return kinds;
  }

  // ----- the data: indexes over the compact rows ------------------------------------------------

  // A finding's state ("current" or "past": either side stopped using the value).
  function findingState(f) { return s(data.finding_types[f[0]][5]); }

  // Past only: every finding that links the pair is past (context findings left out).
  function pastOnly(p) {
    var linking = p[4].filter(function (f) { return s(data.finding_types[f[0]][1]) !== "context"; });
    return linking.length > 0 && linking.every(function (f) { return findingState(f) === "past"; });
  }

  // Whether a pair has a finding in `state` ("" matches every pair).
  function hasState(p, state) {
    return !state || p[4].some(function (f) { return findingState(f) === state; });
  }

  function prepare(raw) {
    data = raw;
    S = data.strings;
    WORDS = data.words || {};
    names = data.accounts.map(function (a) { return a[0]; });
    names.forEach(function (n, i) { byName[n] = i; pairsOf.push([]); });
    data.pairs.forEach(function (p, j) { pairsOf[p[0]].push(j); pairsOf[p[1]].push(j); });
    // Groups: accounts connected by pairs at any level (union-find), strongest and largest first.
    var parent = names.map(function (_, i) { return i; });
    function root(i) { while (parent[i] !== i) { parent[i] = parent[parent[i]]; i = parent[i]; } return i; }
    data.pairs.forEach(function (p) { var a = root(p[0]), b = root(p[1]); if (a !== b) { parent[a] = b; } });
    data.clusters.forEach(function (c) {
      for (var k = 1; k < c[1].length; k++) { var a = root(c[1][0]), b = root(c[1][k]); if (a !== b) { parent[a] = b; } }
    });
    var at = {};
    names.forEach(function (_, i) {
      var r = root(i);
      if (!(r in at)) { at[r] = groups.length; groups.push({members: [], rank: 0}); }
      groupOf.push(at[r]);
      groups[at[r]].members.push(i);
    });
    data.pairs.forEach(function (p) { var g = groups[groupOf[p[0]]]; g.rank = Math.max(g.rank, p[2]); });
    var list = document.getElementById("account-names");
    if (list && names.length <= 5000) {
      names.forEach(function (n) { var o = document.createElement("option"); o.value = n; list.appendChild(o); });
    }
  }

  // Only a graph over its budget closes its large clusters: a small report draws every account.
  function collapsed(c) {
    return c !== null && names.length > data.graph_budget && data.clusters[c][1].length > data.collapse_over && !expanded[c];
  }

  // The nodes and edges for the accounts in `drawn`: clusters over the collapse size are one node.
  function elements() {
    var els = [], clusters = {};
    names.forEach(function (_, i) {
      if (!drawn[i]) { return; }
      var a = data.accounts[i], c = a[3];
      if (c !== null) { clusters[c] = true; }
      if (collapsed(c)) { return; }
      var status = s(a[2]);
      var cls = "account st-" + status + (a[4] ? " at-risk" : "");
      var label = a[0] + (status === "suspended" || status === "closed" ? "\n(" + say(status) + ")" : "");
      var node = {group: "nodes", classes: cls, data: {id: "a" + i, index: i, label: label, name: a[0], status: status,
        marketplace: s(a[1]), risk: a[4], colour: STATUS[status] || "#64748b"}};
      if (c !== null) { node.data.parent = "c" + c; }
      els.push(node);
    });
    Object.keys(clusters).forEach(function (key) {
      var c = Number(key), row = data.clusters[c], label = say("Cluster {n} · linked at {level} or above", {n: c + 1, level: say(LEVELS[row[0]])});
      if (collapsed(c)) {
        els.push({group: "nodes", classes: "collapsed", data: {id: "k" + c, cluster: c, side: Math.min(140, 40 + 4 * Math.sqrt(row[1].length) * 4),
          label: label + "\n" + say("{n} accounts (tap to open)", {n: row[1].length})}});
      } else {
        els.push({group: "nodes", classes: "cluster", data: {id: "c" + c, cluster: c, label: label, level: LEVELS[row[0]]}});
      }
    });
    function nodeOf(i) { var c = data.accounts[i][3]; return collapsed(c) ? "k" + c : "a" + i; }
    data.hubs.forEach(function (h) {
      var members = h.members.filter(function (m) { return drawn[m]; });
      if (!members.length) { return; }
      var node = {group: "nodes", classes: "hub", data: {id: h.id, label: kindName(h.facet) + " ×" + h.count,
        facet: h.facet, level: h.level, value: h.value, count: h.count}};
      if (h.cluster !== null && !collapsed(h.cluster) && clusters[h.cluster]) { node.data.parent = "c" + h.cluster; }
      els.push(node);
      var seen = {};
      members.forEach(function (m) {
        var target = nodeOf(m);
        if (seen[target]) { return; }
        seen[target] = true;
        els.push({group: "edges", classes: "hub-edge", data: {id: h.id + "-" + m, source: h.id, target: target, level: h.level}});
      });
    });
    var joined = {};
    data.pairs.forEach(function (p, j) {
      if (!drawn[p[0]] || !drawn[p[1]]) { return; }
      var source = nodeOf(p[0]), target = nodeOf(p[1]);
      if (source === target) { return; }
      var level = LEVELS[p[2]], kinds = pairKinds(p);
      if (source.charAt(0) === "k" || target.charAt(0) === "k") {
        var key = source < target ? source + " " + target : target + " " + source;
        if (joined[key]) { return; }  // one line from an account to a closed cluster, the strongest
        joined[key] = true;
      }
      var past = pastOnly(p);
      els.push({group: "edges", classes: "pair lvl-" + level + (past ? " past" : ""), data: {id: "p" + j, pair: j,
        source: source, target: target, past: past, current: hasState(p, "current"), hasPast: hasState(p, "past"),
        level: level, rank: p[2], label: shortKinds(kinds) + (past ? " " + say("(past)") : ""), kinds: kinds, a: names[p[0]], b: names[p[1]],
        score: p[3], findings: p[4].length, colour: COLOURS[level], width: WIDTHS[level]}});
    });
    return els;
  }

  function style() {
    return [
      {selector: "node.account", style: {"background-color": "data(colour)", "label": "data(label)", "width": 30, "height": 30,
        "font-size": 13, "text-valign": "bottom", "text-margin-y": 4, "text-wrap": "wrap", "text-max-width": 140,
        "border-width": 2, "border-color": "#1e3a8a", "min-zoomed-font-size": 7, "text-background-color": "#fff",
        "text-background-opacity": 0.7, "text-background-padding": 1}},
      {selector: "node.st-planned", style: {"border-style": "dashed", "border-color": "#2563eb", "border-width": 2}},
      {selector: "node.st-suspended", style: {"shape": "octagon", "border-color": "#7f1d1d", "width": 36, "height": 36,
        "color": "#991b1b", "font-weight": "bold"}},
      {selector: "node.st-closed", style: {"shape": "round-rectangle", "border-color": "#111827", "color": "#374151"}},
      {selector: "node.at-risk", style: {"border-color": "#f59e0b", "border-width": 5}},
      {selector: "node.hub", style: {"shape": "diamond", "background-color": "#7c3aed", "width": 22, "height": 22,
        "label": "data(label)", "font-size": 10, "color": "#5b21b6", "text-valign": "bottom", "min-zoomed-font-size": 7}},
      {selector: "node.cluster", style: {"background-color": "#f1f5f9", "background-opacity": 0.9, "border-width": 1,
        "border-color": "#94a3b8", "border-style": "dashed", "shape": "round-rectangle", "label": "data(label)",
        "font-size": 12, "color": "#475569", "text-valign": "top", "text-halign": "center", "text-margin-y": -2,
        "padding": 14, "min-zoomed-font-size": 6}},
      {selector: "edge.pair", style: {"line-color": "data(colour)", "width": "data(width)", "curve-style": "bezier",
        "label": "data(label)", "font-size": 11, "color": "#334155", "text-rotation": "autorotate",
        "text-background-color": "#fff", "text-background-opacity": 0.85, "text-background-padding": 1,
        "min-zoomed-font-size": 8, "opacity": 0.9}},
      {selector: "edge.lvl-medium", style: {"line-style": "dashed"}},
      {selector: "edge.lvl-low", style: {"line-style": "dotted"}},
      {selector: "edge.past", style: {"line-style": "dashed", "line-dash-pattern": [2, 6], "opacity": 0.55}},
      {selector: "edge.hub-edge", style: {"line-color": "#a78bfa", "width": 1, "curve-style": "haystack", "opacity": 0.6}},
      {selector: "node.collapsed", style: {"shape": "round-rectangle", "background-color": "#e2e8f0", "border-width": 2,
        "border-color": "#64748b", "border-style": "dashed", "width": "data(side)", "height": "data(side)",
        "label": "data(label)", "font-size": 12, "color": "#334155", "text-valign": "center", "text-wrap": "wrap",
        "text-max-width": 120, "min-zoomed-font-size": 6}},
      {selector: ".faded", style: {"opacity": 0.12, "text-opacity": 0.2}},
      {selector: ".filtered", style: {"display": "none"}},
      {selector: "node:selected", style: {"overlay-color": "#2563eb", "overlay-opacity": 0.25, "overlay-padding": 6}},
      {selector: "edge:selected", style: {"overlay-color": "#2563eb", "overlay-opacity": 0.25}}
    ];
  }

  // Large graphs: each connected group gets a concentric layout (most-linked accounts in the
  // middle), then the groups are packed in rows, biggest first; lone nodes go in a grid after them.
  function packedLayout() {
    var parts = cy.elements().not(".cluster").components();
    parts.sort(function (x, y) { return y.nodes().length - x.nodes().length; });
    var gap = 60, placed = [], loose = [];
    parts.forEach(function (part) {
      var g = part.nodes();
      if (g.length === 1) { loose.push(g); return; }
      var side = Math.ceil(Math.sqrt(g.length)) * 60 + 60;
      if (g.length <= 3) {
        g.layout({name: "grid", boundingBox: {x1: 0, y1: 0, w: side, h: side}, fit: false, animate: false,
          avoidOverlap: true}).run();
      } else {
        // One ring, each cluster's accounts side by side on it, so a cluster's box stays small.
        var ring = g.sort(function (x, y) {
          var px = x.data("parent") || "", py = y.data("parent") || "";
          return px < py ? -1 : px > py ? 1 : y.degree(false) - x.degree(false);
        });
        ring.layout({name: "circle", boundingBox: {x1: 0, y1: 0, w: side, h: side}, fit: false, animate: false,
          avoidOverlap: true, spacingFactor: 1}).run();
      }
      placed.push(g);
    });
    var totalArea = 0;
    placed.forEach(function (g) { var bb = g.boundingBox(); totalArea += (bb.w + gap) * (bb.h + gap); });
    var rowWidth = Math.max(900, Math.sqrt(totalArea + loose.length * 80 * 80) * 1.4);
    var x = 0, y = 0, rowHeight = 0;
    placed.forEach(function (g) {
      var bb = g.boundingBox();
      if (x > 0 && x + bb.w > rowWidth) { x = 0; y += rowHeight + gap; rowHeight = 0; }
      var dx = x - bb.x1, dy = y - bb.y1;
      g.positions(function (n) { var p = n.position(); return {x: p.x + dx, y: p.y + dy}; });
      x += bb.w + gap;
      rowHeight = Math.max(rowHeight, bb.h);
    });
    if (loose.length) {
      var top = placed.length ? y + rowHeight + gap * 2 : 0;
      var cols = Math.max(1, Math.floor(rowWidth / 90));
      loose.forEach(function (g, k) { g.position({x: (k % cols) * 90, y: top + Math.floor(k / cols) * 70}); });
    }
    cy.fit(undefined, 20);
  }

  function runLayout(name) {
    if (name === "packed") {
      packedLayout();
      return;
    }
    // Start from a circle rather than at random, so the same data always gives the same picture.
    cy.nodes(".account, .hub, .collapsed").layout({name: "circle", fit: false, animate: false, radius: 60 + 25 * cy.nodes().length}).run();
    cy.layout({name: "cose", animate: false, randomize: false, fit: true, padding: 24, nodeDimensionsIncludeLabels: true,
      idealEdgeLength: function () { return 130; }, nodeRepulsion: function () { return 6000; },
      nestingFactor: 1.1, gravity: 2, numIter: 1500, componentSpacing: 40, nodeOverlap: 12}).run();
  }

  function layoutName() {
    return cy.nodes(".account, .hub, .collapsed").length <= COSE_MAX_NODES ? "cose" : "packed";
  }
  var COSE_MAX_NODES = 150;

  function record(name) {
    var extent = cy.extent();
    function finite(n) { var p = n.position(); return isFinite(p.x) && isFinite(p.y); }
    function inView(n) {
      var bb = n.boundingBox();
      return bb.x2 >= extent.x1 && bb.x1 <= extent.x2 && bb.y2 >= extent.y1 && bb.y1 <= extent.y2;
    }
    var nodes = cy.nodes(".account").filter(function (n) { return n.visible() && finite(n); });
    var edges = cy.edges(".pair").filter(function (e) { return e.visible(); });
    panel.setAttribute("data-rendered-nodes", String(nodes.length));
    panel.setAttribute("data-rendered-edges", String(edges.length));
    panel.setAttribute("data-nodes-in-view", String(nodes.filter(inView).length));
    panel.setAttribute("data-rendered-clusters", String(cy.nodes(".cluster").length));
    panel.setAttribute("data-collapsed-clusters", String(cy.nodes(".collapsed").length));
    panel.setAttribute("data-rendered-hubs", String(cy.nodes(".hub").length));
    panel.setAttribute("data-layout", name);
    panel.setAttribute("data-status", "ready");
  }

  function redraw() {
    cy.batch(function () {
      cy.elements().remove();
      cy.add(elements());
    });
    var name = layoutName();
    runLayout(name);
    record(name);
    applyGraphFilter();
    var note = document.getElementById("graph-note");
    var count = 0;
    names.forEach(function (_, i) { if (drawn[i]) { count += 1; } });
    if (note && count < names.length) {
      note.hidden = false;
      note.textContent = say("The graph shows {count} of the {total} linked accounts: the strongest groups first. Find an account, or choose “Show in graph” on a cluster below, to draw it and its group.",
        {count: count, total: names.length});
    } else if (note) {
      note.hidden = true;
    }
  }

  function drawGroup(g) { groups[g].members.forEach(function (i) { drawn[i] = true; }); }

  function firstDrawn() {
    if (names.length <= data.graph_budget) { names.forEach(function (_, i) { drawn[i] = true; }); return; }
    var order = groups.map(function (_, g) { return g; });
    order.sort(function (x, y) { return groups[y].rank - groups[x].rank || groups[y].members.length - groups[x].members.length || x - y; });
    var nodes = 0;
    order.forEach(function (g) {
      var cost = 0, seen = {};
      groups[g].members.forEach(function (i) {
        var c = data.accounts[i][3];
        if (collapsed(c)) { if (!seen[c]) { seen[c] = true; cost += 1; } } else { cost += 1; }
      });
      if (nodes + cost > FIRST_DRAWN) { return; }
      nodes += cost;
      drawGroup(g);
    });
  }

  // ----- details ---------------------------------------------------------------------------------

  function linkLine(j, self) {
    var p = data.pairs[j], other = p[0] === self ? p[1] : p[0];
    return names[other] + " — " + say(LEVELS[p[2]]) + " (" + kindList(pairKinds(p)) + ")";
  }

  function showAccount(i) {
    var a = data.accounts[i];
    details.textContent = "";
    details.appendChild(text("h3", a[0]));
    details.appendChild(text("p", (s(a[1]) || say("no marketplace")) + " · " + say(s(a[2]))));
    if (a[4]) { details.appendChild(text("p", say("At risk because of {account}", {account: a[4]}), "risk")); }
    if (a[3] !== null) {
      var c = data.clusters[a[3]];
      details.appendChild(text("p", say("In cluster {n} ({level}, {count} accounts)", {n: a[3] + 1, level: say(LEVELS[c[0]]), count: c[1].length})));
    }
    var links = pairsOf[i];
    details.appendChild(text("p", links.length ? say("Linked to:") : say("Not linked to any account shown.")));
    var list = document.createElement("ul");
    links.slice(0, 200).forEach(function (j) { list.appendChild(text("li", linkLine(j, i))); });
    if (links.length > 200) { list.appendChild(text("li", say("… and {n} more", {n: links.length - 200}))); }
    details.appendChild(list);
  }

  function showNode(n) {
    details.textContent = "";
    if (n.hasClass("cluster") || n.hasClass("collapsed")) {
      var c = data.clusters[n.data("cluster")];
      details.appendChild(text("h3", say("Cluster {n} · linked at {level} or above", {n: n.data("cluster") + 1, level: say(LEVELS[c[0]])})));
      details.appendChild(text("p", n.hasClass("collapsed") ? say("{n} accounts (tap to open)", {n: c[1].length}) : say("{n} accounts", {n: c[1].length})));
      return;
    }
    if (n.hasClass("hub")) {
      details.appendChild(text("h3", say("{kind} shared by {n} accounts", {kind: kindName(n.data("facet")), n: n.data("count")})));
      details.appendChild(text("p", say("Level: {level} · value {value}", {level: say(n.data("level")), value: n.data("value")})));
      return;
    }
    showAccount(n.data("index"));
  }

  function showEdge(e) {
    details.textContent = "";
    if (e.hasClass("hub-edge")) { showNode(e.source()); return; }
    details.appendChild(text("h3", e.data("a") + " ↔ " + e.data("b")));
    details.appendChild(text("p", say("{level} · score {score} · {n} finding(s)", {level: say(e.data("level")), score: e.data("score"), n: e.data("findings")}) +
      (e.data("past") ? " · " + say("past only: no longer in use on one side or both") : "")));
    var list = document.createElement("ul");
    data.pairs[e.data("pair")][4].forEach(function (f) {
      list.appendChild(text("li", s(data.finding_types[f[0]][0]) + ": " + s(f[2]) + " / " + s(f[3])));
    });
    details.appendChild(list);
  }

  // ----- findings: rendered from the data a page at a time, filtered by level and account --------

  var levelSelect = document.getElementById("filter-level");
  var stateSelect = document.getElementById("filter-state");
  var accountInput = document.getElementById("filter-account");
  var countLine = document.getElementById("findings-count");
  var table = document.getElementById("findings-table");
  var findingsPage = 0;

  // The account filter: an exact name, else any account whose name contains the text (any case).
  function chosenAccount() {
    return accountInput ? accountInput.value.trim() : "";
  }

  function chosenState() {
    return stateSelect ? stateSelect.value : "";
  }

  function matchesAccount(p, account) {
    if (!account) { return true; }
    if (account in byName) { return names[p[0]] === account || names[p[1]] === account; }
    var needle = account.toLowerCase();
    return names[p[0]].toLowerCase().indexOf(needle) >= 0 || names[p[1]].toLowerCase().indexOf(needle) >= 0;
  }

  function pairBody(j) {
    var p = data.pairs[j], a = names[p[0]], b = names[p[1]], level = LEVELS[p[2]];
    var body = document.createElement("tbody");
    body.className = "pair";
    body.id = "pair-p" + j;
    body.setAttribute("data-level", String(p[2]));
    if (pastOnly(p)) { body.setAttribute("data-past-only", "true"); }
    body.setAttribute("data-a", a);
    body.setAttribute("data-b", b);
    var head = document.createElement("tr"), th = document.createElement("th");
    head.className = "pair-head";
    th.colSpan = 6;
    th.appendChild(text("span", say(level), "badge lvl-" + level));
    th.appendChild(document.createTextNode(" "));
    th.appendChild(text("span", a, "acct"));
    th.appendChild(document.createTextNode(" ↔ "));
    th.appendChild(text("span", b, "acct"));
    th.appendChild(document.createTextNode(" "));
    th.appendChild(text("span", say("score {score} · shares {kinds}", {score: p[3].toFixed(2), kinds: kindList(pairKinds(p))}), "muted"));
    head.appendChild(th);
    body.appendChild(head);
    var state = chosenState();
    p[4].forEach(function (f) {
      var t = data.finding_types[f[0]];  // facet, level, match, reason, reason_zh, state
      if (state && s(t[5]) !== state) { return; }
      var row = document.createElement("tr"), findingLevel = s(t[1]);
      row.className = "finding" + (findingLevel === "context" ? " context" : "") + (s(t[5]) === "past" ? " past" : "");
      row.setAttribute("data-state", s(t[5]));
      row.appendChild(text("td", kindName(s(t[0]))));
      var badge = document.createElement("td");
      badge.appendChild(text("span", say(findingLevel), "badge lvl-" + findingLevel));
      row.appendChild(badge);
      row.appendChild(text("td", f[1] === null ? say(s(t[2])) : say(s(t[2])) + " " + f[1] + "%"));
      row.appendChild(text("td", s(f[2]), "value"));
      row.appendChild(text("td", s(f[3]), "value"));
      var why = text("td", s(t[3]));
      if (t[4] !== null) { var zh = text("span", s(t[4]), "zh"); zh.lang = "zh-CN"; why.appendChild(zh); }
      if (f.length > 4) { why.appendChild(text("span", say("Explained: {note}", {note: s(f[4])}), "explained")); }
      row.appendChild(why);
      body.appendChild(row);
    });
    return body;
  }

  function pager(element, page, pages, go) {
    if (!element) { return; }
    element.textContent = "";
    if (pages <= 1) { return; }
    var previous = text("button", say("← Previous")), next = text("button", say("Next →"));
    previous.type = next.type = "button";
    previous.disabled = page === 0;
    next.disabled = page >= pages - 1;
    previous.addEventListener("click", function () { go(page - 1); });
    next.addEventListener("click", function () { go(page + 1); });
    element.appendChild(previous);
    element.appendChild(text("span", " " + say("Page {page} of {pages}", {page: page + 1, pages: pages}) + " "));
    element.appendChild(next);
  }

  function renderFindings() {
    if (!table || !data) { return; }
    var minRank = Number(levelSelect.value || 0), account = chosenAccount(), state = chosenState();
    var shown = [], shownFindings = 0;
    data.pairs.forEach(function (p, j) {
      if (p[2] >= minRank && matchesAccount(p, account) && hasState(p, state)) {
        shown.push(j);
        shownFindings += state ? p[4].filter(function (f) { return findingState(f) === state; }).length : p[4].length;
      }
    });
    var pages = Math.max(1, Math.ceil(shown.length / PAGE));
    findingsPage = Math.min(findingsPage, pages - 1);
    Array.prototype.slice.call(table.tBodies).forEach(function (b) { table.removeChild(b); });
    shown.slice(findingsPage * PAGE, (findingsPage + 1) * PAGE).forEach(function (j) { table.appendChild(pairBody(j)); });
    pager(document.getElementById("findings-pager"), findingsPage, pages, function (page) {
      findingsPage = page;
      renderFindings();
      table.scrollIntoView();
    });
    if (countLine) {
      var total = countLine.getAttribute("data-pairs");
      countLine.textContent = say("{sentence}.", {sentence: (minRank || account || state ?
        say("Showing {shown} of {total} linked pair(s), {findings} finding(s)", {shown: shown.length, total: total, findings: shownFindings}) :
        say("{total} linked pair(s), {findings} finding(s)", {total: total, findings: shownFindings})) +
        (minRank ? say(", {level} and above", {level: say(LEVELS[minRank])}) : "") +
        (state === "past" ? say(", on values no longer in use") : state === "current" ? say(", on values still in use") : "") +
        (account ? say(", involving {account}", {account: account}) : "")}) +
        (pages > 1 ? " " + say("{n} pair(s) a page.", {n: PAGE}) : "");
    }
  }

  function applyGraphFilter() {
    if (!cy) { return; }
    var minRank = Number(levelSelect ? levelSelect.value || 0 : 0);
    var account = accountInput ? accountInput.value.trim() : "";
    cy.batch(function () {
      var state = chosenState();
      cy.edges(".pair").forEach(function (e) {
        e.toggleClass("filtered", e.data("rank") < minRank || (state === "past" && !e.data("hasPast")) ||
          (state === "current" && !e.data("current")));
      });
      cy.elements().removeClass("faded");
      if (account in byName) {
        var node = cy.getElementById("a" + byName[account]);
        if (node.length) {
          var keep = node.closedNeighborhood().union(node.closedNeighborhood().parents());
          cy.elements().difference(keep).addClass("faded");
          cy.elements().unselect();
          node.select();
        }
      }
    });
  }

  function applyFilter() {
    findingsPage = 0;
    renderFindings();
    applyGraphFilter();
    var account = accountInput ? accountInput.value.trim() : "";
    if (cy && account in byName) {
      var node = cy.getElementById("a" + byName[account]);
      if (node.length) {
        showAccount(byName[account]);
        cy.animate({fit: {eles: node.closedNeighborhood(), padding: 60}}, {duration: 250});
      }
    }
  }

  // ----- clusters: listed from the data a page at a time -------------------------------------------

  var clusterPage = 0;

  function linkItem(link) {
    var li = document.createElement("li"), level = LEVELS[link[2]];
    li.appendChild(text("span", names[link[0]], "acct"));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(text("span", "—" + kindList(link[3].map(s)) + " · " + say(level) + "→", "via lvl-" + level));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(text("span", names[link[1]], "acct"));
    return li;
  }

  function renderClusters() {
    var list = document.getElementById("cluster-list");
    if (!list || !data) { return; }
    list.textContent = "";
    var pages = Math.max(1, Math.ceil(data.clusters.length / PAGE));
    list.start = clusterPage * PAGE + 1;
    data.clusters.slice(clusterPage * PAGE, (clusterPage + 1) * PAGE).forEach(function (c, k) {
      var number = clusterPage * PAGE + k + 1, level = LEVELS[c[0]];
      var li = document.createElement("li"), p = document.createElement("p");
      li.className = "cluster";
      li.setAttribute("data-cluster", String(number));
      p.appendChild(text("b", say("Cluster {n}", {n: number})));
      p.appendChild(document.createTextNode(" "));
      p.appendChild(text("span", say(level), "badge lvl-" + level));
      p.appendChild(document.createTextNode(" " + say("{n} accounts:", {n: c[1].length})));
      c[1].slice(0, 40).forEach(function (i, m) {
        p.appendChild(document.createTextNode(" "));
        p.appendChild(text("span", names[i], "acct"));
        if (m < Math.min(c[1].length, 40) - 1) { p.appendChild(document.createTextNode(",")); }
      });
      if (c[1].length > 40) { p.appendChild(document.createTextNode(" " + say("… and {n} more", {n: c[1].length - 40}))); }
      if (cy) {
        var show = text("button", say("Show in graph"), "no-print show-cluster");
        show.type = "button";
        show.addEventListener("click", function () { showCluster(number - 1); });
        p.appendChild(document.createTextNode(" "));
        p.appendChild(show);
      }
      li.appendChild(p);
      var chain = document.createElement("ul");
      chain.className = "chain";
      c[2].forEach(function (link) { chain.appendChild(linkItem(link)); });
      if (c[2].length > 12) {
        var more = document.createElement("details");
        more.appendChild(text("summary", say("{n} links", {n: c[2].length})));
        more.appendChild(chain);
        li.appendChild(more);
      } else {
        li.appendChild(chain);
      }
      list.appendChild(li);
    });
    pager(document.getElementById("cluster-pager"), clusterPage, pages, function (page) {
      clusterPage = page;
      renderClusters();
      list.scrollIntoView();
    });
  }

  function showCluster(c) {
    if (!cy) { return; }
    expanded[c] = true;
    drawGroup(groupOf[data.clusters[c][1][0]]);
    redraw();
    var box = cy.getElementById("c" + c);
    if (box.length) { cy.fit(box, 40); showNode(box); }
    document.getElementById("graph-section").scrollIntoView();
  }

  // ----- search: draw the account's group, open its cluster, highlight its links -------------------

  function find(value) {
    var wanted = value.trim();
    if (!wanted) { return null; }
    if (wanted in byName) { return byName[wanted]; }
    var needle = wanted.toLowerCase();
    for (var i = 0; i < names.length; i++) { if (names[i].toLowerCase().indexOf(needle) >= 0) { return i; } }
    return null;
  }

  function search(event) {
    if (event) { event.preventDefault(); }
    var value = document.getElementById("search-account").value;
    var result = document.getElementById("search-result");
    var i = find(value);
    if (i === null) {
      result.textContent = !value.trim() ? "" : data.every_account ? say("No account matches “{name}”.", {name: value.trim()}) :
        say("No linked account matches “{name}”.", {name: value.trim()});
      return;
    }
    var a = data.accounts[i];
    result.textContent = a[3] !== null ? say("{name}: {n} link(s), cluster {cluster}.", {name: a[0], n: pairsOf[i].length, cluster: a[3] + 1}) :
      say("{name}: {n} link(s).", {name: a[0], n: pairsOf[i].length});
    var closed = collapsed(a[3]);
    if (a[3] !== null) { expanded[a[3]] = true; }
    if (!drawn[i] || closed) { drawGroup(groupOf[i]); redraw(); }
    if (accountInput) { accountInput.value = a[0]; }
    panel.setAttribute("data-selected", a[0]);
    applyFilter();
  }

  if (levelSelect && accountInput) {
    levelSelect.addEventListener("change", applyFilter);
    if (stateSelect) { stateSelect.addEventListener("change", applyFilter); }
    accountInput.addEventListener("change", applyFilter);
    document.getElementById("filters").addEventListener("reset", function () { setTimeout(applyFilter, 0); });
  }

  try {
    prepare(JSON.parse(document.getElementById("linkcheck-data").textContent));
    renderFindings();
    renderClusters();
    if (typeof cytoscape !== "function") { throw new Error("graph library did not load"); }
    var big = data.accounts.length + data.hubs.length > 150;
    cy = cytoscape({container: document.getElementById("graph"), elements: [], style: style(),
      layout: {name: "preset"}, minZoom: 0.02, maxZoom: 4, boxSelectionEnabled: false,
      textureOnViewport: big, hideEdgesOnViewport: big, pixelRatio: big ? 1 : "auto"});
    firstDrawn();
    redraw();
    renderClusters();
    cy.on("mouseover tap", "node", function (evt) { showNode(evt.target); });
    cy.on("mouseover tap", "edge", function (evt) { showEdge(evt.target); });
    cy.on("tap", "node.collapsed", function (evt) { expanded[evt.target.data("cluster")] = true; redraw(); });
    cy.on("tap", "node.account", function (evt) {
      if (accountInput) {
        accountInput.value = evt.target.data("name");
        applyFilter();
      }
    });
    document.getElementById("search").addEventListener("submit", search);
    // report.html#account=NAME opens the page on that account, as a search for it would.
    var wanted = /^#account=(.+)$/.exec(window.location.hash);
    if (wanted) {
      document.getElementById("search-account").value = decodeURIComponent(wanted[1]);
      search(null);
    }
    // report.html#state=past opens the page on the findings about values no longer in use.
    var wantedState = /^#state=(past|current)$/.exec(window.location.hash);
    if (wantedState && stateSelect) {
      stateSelect.value = wantedState[1];
      applyFilter();
    }
    // A canvas does not reflow for paper: print a still picture of the graph instead.
    window.addEventListener("beforeprint", function () {
      document.getElementById("graph-print").src = cy.png({full: true, scale: 2, bg: "#ffffff"});
    });
  } catch (error) {
    fail(error);
  }
})();
