(function () {
  "use strict";
  var panel = document.getElementById("graph-panel");
  var details = document.getElementById("details");
  var LEVELS = {4: "critical", 3: "high", 2: "medium", 1: "low"};
  var COLOURS = {critical: "#991b1b", high: "#ea580c", medium: "#ca8a04", low: "#94a3b8"};
  var WIDTHS = {critical: 6, high: 4, medium: 2.5, low: 1.5};
  var STATUS = {active: "#2563eb", planned: "#ffffff", suspended: "#dc2626", closed: "#4b5563"};
  var cy = null;

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

  // The strongest shared kind names the line; the full list is in the details panel.
  function shortKinds(kinds) {
    return kinds.length ? kinds[0] + (kinds.length > 1 ? " +" + (kinds.length - 1) : "") : "";
  }

  function elements(data) {
    var els = [];
    data.clusters.forEach(function (c) {
      els.push({group: "nodes", classes: "cluster", data: {id: c.id, label: "Cluster " + c.number + " · " + c.level, level: c.level}});
    });
    data.accounts.forEach(function (a) {
      var cls = "account st-" + a.status + (a.at_risk_because_of ? " at-risk" : "");
      var label = a.name + (a.status === "suspended" || a.status === "closed" ? "\n(" + a.status + ")" : "");
      var node = {group: "nodes", classes: cls, data: {id: a.id, label: label, name: a.name, status: a.status,
        marketplace: a.marketplace, risk: a.at_risk_because_of, colour: STATUS[a.status] || "#64748b"}};
      if (a.cluster !== null) { node.data.parent = "c" + a.cluster; }
      els.push(node);
    });
    data.hubs.forEach(function (h) {
      var node = {group: "nodes", classes: "hub", data: {id: h.id, label: h.facet + " ×" + h.members.length,
        facet: h.facet, level: h.level, value: h.value, count: h.members.length}};
      if (h.cluster !== null) { node.data.parent = "c" + h.cluster; }
      els.push(node);
      h.members.forEach(function (m, i) {
        els.push({group: "edges", classes: "hub-edge", data: {id: h.id + "-" + i, source: h.id, target: m, level: h.level}});
      });
    });
    data.pairs.forEach(function (p) {
      els.push({group: "edges", classes: "pair lvl-" + p.level, data: {id: p.id, source: p.source, target: p.target,
        level: p.level, rank: p.rank, label: shortKinds(p.kinds), kinds: p.kinds, a: p.accounts[0], b: p.accounts[1],
        score: p.score, findings: p.findings, colour: COLOURS[p.level], width: WIDTHS[p.level]}});
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
      {selector: "edge.hub-edge", style: {"line-color": "#a78bfa", "width": 1, "curve-style": "haystack", "opacity": 0.6}},
      {selector: ".faded", style: {"opacity": 0.12, "text-opacity": 0.2}},
      {selector: ".filtered", style: {"display": "none"}},
      {selector: "node:selected", style: {"overlay-color": "#2563eb", "overlay-opacity": 0.25, "overlay-padding": 6}},
      {selector: "edge:selected", style: {"overlay-color": "#2563eb", "overlay-opacity": 0.25}}
    ];
  }

  // Large graphs: each cluster gets a concentric layout (most-linked accounts in the middle),
  // then the clusters are packed in rows, biggest first, and unlinked accounts go in a grid.
  function packedLayout() {
    var groups = [];
    cy.nodes(".cluster").forEach(function (c) { groups.push(c.children()); });
    groups.sort(function (x, y) { return y.length - x.length; });
    var loose = cy.nodes(".account, .hub").filter(function (n) { return !n.isChild(); });
    var gap = 60, placed = [];
    groups.forEach(function (g) {
      var side = Math.ceil(Math.sqrt(g.length)) * 60 + 60;
      g.layout({name: g.length <= 3 ? "grid" : "concentric", boundingBox: {x1: 0, y1: 0, w: side, h: side},
        fit: false, animate: false, avoidOverlap: true, minNodeSpacing: 18,
        concentric: function (n) { return n.degree(false); }, levelWidth: function () { return 2; }}).run();
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
      loose.layout({name: "grid", cols: cols, boundingBox: {x1: 0, y1: top, w: cols * 90, h: Math.ceil(loose.length / cols) * 70},
        fit: false, animate: false, avoidOverlap: true, condense: true}).run();
    }
    cy.fit(undefined, 20);
  }

  function runLayout(name) {
    if (name === "packed") {
      packedLayout();
      return;
    }
    // Start from a circle rather than at random, so the same data always gives the same picture.
    cy.nodes(".account, .hub").layout({name: "circle", fit: false, animate: false, radius: 60 + 25 * cy.nodes().length}).run();
    cy.layout({name: "cose", animate: false, randomize: false, fit: true, padding: 24, nodeDimensionsIncludeLabels: true,
      idealEdgeLength: function () { return 130; }, nodeRepulsion: function () { return 6000; },
      nestingFactor: 1.1, gravity: 2, numIter: 1500, componentSpacing: 40, nodeOverlap: 12}).run();
  }

  function record(layoutName) {
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
    panel.setAttribute("data-rendered-hubs", String(cy.nodes(".hub").length));
    panel.setAttribute("data-layout", layoutName);
    panel.setAttribute("data-status", "ready");
  }

  function showNode(n) {
    details.textContent = "";
    if (n.hasClass("cluster")) {
      details.appendChild(text("h3", n.data("label")));
      details.appendChild(text("p", n.children(".account").length + " accounts"));
      return;
    }
    if (n.hasClass("hub")) {
      details.appendChild(text("h3", n.data("facet") + " shared by " + n.data("count") + " accounts"));
      details.appendChild(text("p", "Level: " + n.data("level") + " · value " + n.data("value")));
      return;
    }
    details.appendChild(text("h3", n.data("name")));
    details.appendChild(text("p", (n.data("marketplace") || "no marketplace") + " · " + n.data("status")));
    if (n.data("risk")) { details.appendChild(text("p", "At risk because of " + n.data("risk"), "risk")); }
    var links = n.connectedEdges(".pair");
    details.appendChild(text("p", links.length ? "Linked to:" : "Not linked to any account shown."));
    var list = document.createElement("ul");
    links.forEach(function (e) {
      var other = e.data("a") === n.data("name") ? e.data("b") : e.data("a");
      list.appendChild(text("li", other + " — " + e.data("level") + " (" + e.data("kinds").join(", ") + ")"));
    });
    details.appendChild(list);
  }

  function showEdge(e) {
    details.textContent = "";
    if (e.hasClass("hub-edge")) { showNode(e.source()); return; }
    details.appendChild(text("h3", e.data("a") + " ↔ " + e.data("b")));
    details.appendChild(text("p", e.data("level") + " · score " + e.data("score") + " · " + e.data("findings") + " finding(s)"));
    var list = document.createElement("ul");
    var rows = document.querySelectorAll("#pair-" + e.id() + " tr.finding");
    rows.forEach(function (row) {
      var cells = row.querySelectorAll("td");
      list.appendChild(text("li", cells[0].textContent + ": " + cells[3].textContent + " / " + cells[4].textContent));
    });
    details.appendChild(list);
  }

  // Findings filter: by the pair's level and by account; the graph follows the same choice.
  var levelSelect = document.getElementById("filter-level");
  var accountSelect = document.getElementById("filter-account");
  var countLine = document.getElementById("findings-count");

  function applyFilter() {
    var minRank = Number(levelSelect.value || 0);
    var account = accountSelect.value;
    var shownPairs = 0, shownFindings = 0;
    document.querySelectorAll("#findings-table tbody.pair").forEach(function (body) {
      var show = Number(body.getAttribute("data-level")) >= minRank &&
        (!account || body.getAttribute("data-a") === account || body.getAttribute("data-b") === account);
      body.hidden = !show;
      if (show) { shownPairs += 1; shownFindings += body.querySelectorAll("tr.finding").length; }
    });
    if (countLine) {
      var total = countLine.getAttribute("data-pairs");
      countLine.textContent = (minRank || account ? "Showing " + shownPairs + " of " + total + " linked pair(s), " : total +
        " linked pair(s), ") + shownFindings + " finding(s)" + (minRank ? ", " + LEVELS[minRank] + " and above" : "") +
        (account ? ", involving " + account : "") + ".";
    }
    if (!cy) { return; }
    cy.batch(function () {
      cy.edges(".pair").forEach(function (e) { e.toggleClass("filtered", e.data("rank") < minRank); });
      cy.elements().removeClass("faded");
      if (account) {
        var node = cy.nodes(".account").filter(function (n) { return n.data("name") === account; });
        if (node.length) {
          var keep = node.closedNeighborhood().union(node.closedNeighborhood().parents());
          cy.elements().difference(keep).addClass("faded");
          cy.elements().unselect();
          node.select();
          showNode(node);
        }
      }
    });
    if (account) {
      var target = cy.nodes(".account").filter(function (n) { return n.data("name") === account; });
      if (target.length) { cy.animate({fit: {eles: target.closedNeighborhood(), padding: 60}}, {duration: 250}); }
    }
  }

  if (levelSelect && accountSelect) {
    levelSelect.addEventListener("change", applyFilter);
    accountSelect.addEventListener("change", applyFilter);
    document.getElementById("filters").addEventListener("reset", function () { setTimeout(applyFilter, 0); });
  }

  try {
    if (typeof cytoscape !== "function") { throw new Error("graph library did not load"); }
    var data = JSON.parse(document.getElementById("linkcheck-data").textContent);
    var big = data.accounts.length + data.hubs.length > 150;
    cy = cytoscape({container: document.getElementById("graph"), elements: elements(data), style: style(),
      layout: {name: "preset"}, minZoom: 0.02, maxZoom: 4, boxSelectionEnabled: false,
      textureOnViewport: big, hideEdgesOnViewport: big, pixelRatio: big ? 1 : "auto"});
    runLayout(data.layout);
    record(data.layout);
    cy.on("mouseover tap", "node", function (evt) { showNode(evt.target); });
    cy.on("mouseover tap", "edge", function (evt) { showEdge(evt.target); });
    cy.on("tap", "node.account", function (evt) {
      var name = evt.target.data("name");
      if (accountSelect && Array.prototype.some.call(accountSelect.options, function (o) { return o.value === name; })) {
        accountSelect.value = name;
        applyFilter();
      }
    });
    // A canvas does not reflow for paper: print a still picture of the graph instead.
    window.addEventListener("beforeprint", function () {
      document.getElementById("graph-print").src = cy.png({full: true, scale: 2, bg: "#ffffff"});
    });
  } catch (error) {
    fail(error);
  }
})();
