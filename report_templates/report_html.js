/* Interactive tables and tree for the audit report. Tenant text only ever goes through textContent. */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("report-data").textContent);
  // rows carry indices into the shared scope and text tables: [rule, severity, scope id, label, message, evidence, waiver]
  D.findings = D.findings.map(function (r) {
    var sc = D.scopes[r[2]];
    return [r[0], r[1], sc[0], sc[1], D.texts[r[3]], D.texts[r[4]], D.texts[r[5]]];
  });
  var PAGE = 200;
  var SEV = ["high", "medium", "low", ""];
  var COLORS = {covered: "#2e7d32", unenforced: "#f9a825", unremediated: "#0277bd", partial: "#ef6c00",
                uncovered: "#c62828", unknown: "#757575"};

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function badge(verdict) {
    var i = D.verdicts.indexOf(verdict);
    return el("span", "badge v-" + verdict, i >= 0 ? D.verdictLabels[i] : verdict);
  }
  function stack(counts, total) {
    var bar = el("span", "stackbar");
    D.verdicts.forEach(function (v, i) {
      if (!counts[i] || !total) return;
      var part = el("span");
      part.style.width = (100 * counts[i] / total) + "%";
      part.style.background = COLORS[v];
      part.title = D.verdictLabels[i] + ": " + counts[i];
      bar.appendChild(part);
    });
    return bar;
  }
  var MECHANISMS = {"AL": "activity log alert", "LS": "log search alert", "SN": "Sentinel analytics rule"};
  function mechanisms(code) {  /* "LS,AL+SN,," -> ["log search alert", "activity log alert, Sentinel analytics rule", ""] */
    return (code || "").split(",").map(function (c) {
      return c ? c.split("+").map(function (k) { return MECHANISMS[k] || k; }).join(", ") : "";
    });
  }
  function cells(code, labels, cls, by) {
    var span = el("span", "cells " + cls);
    for (var i = 0; i < code.length; i++) {
      var c = code[i];
      var sym = {"1": "✔", "0": "✘", "-": "–", "s": "○", "?": "?"}[c] || c;
      var cell = el("span", "cell c" + (c === "?" ? "q" : c === "-" ? "n" : c), sym);
      cell.title = labels[i] + ": " + ({"1": cls === "alerts" ? "alerting" : "exported", "0": cls === "alerts" ? "no alert" : "missing",
        "-": "not required", "s": "alert notifies nobody", "?": "unreadable"}[c] || c) + (by && by[i] ? " (" + by[i] + ")" : "");
      span.appendChild(cell);
    }
    return span;
  }

  /* ------------------------------------------------------------ hierarchy (lazy) */
  var childrenOf = {}, subsOf = {};
  D.groups.forEach(function (g, i) { (childrenOf[g[2]] = childrenOf[g[2]] || []).push(i); });
  D.subs.forEach(function (s, i) { (subsOf[s[5]] = subsOf[s[5]] || []).push(i); });

  function groupNode(i) {
    var g = D.groups[i];
    var det = el("details", "tnode");
    det.setAttribute("role", "treeitem");
    det.dataset.group = i;
    var sum = el("summary");
    sum.appendChild(el("span", "tname", g[0]));
    sum.appendChild(el("span", g[3] === true ? "ok small" : g[3] === false ? "bad small" : "muted small",
      g[3] === true ? "group exported" : g[3] === false ? "group not exported" : ""));
    sum.appendChild(el("span", "muted small", g[4] + (g[4] === 1 ? " subscription, " : " subscriptions, ") + g[5] +
      (g[5] === 1 ? " needs action" : " need action")));
    sum.appendChild(stack(g[6], g[4]));
    det.appendChild(sum);
    det.addEventListener("toggle", function () {
      if (!det.open || det.dataset.built) return;
      det.dataset.built = "1";
      var box = el("div", "tchildren");
      (childrenOf[i] || []).forEach(function (c) { box.appendChild(groupNode(c)); });
      var subs = subsOf[i] || [];
      var shown = 0;
      function addSubs() {
        subs.slice(shown, shown + PAGE).forEach(function (si) {
          var s = D.subs[si];
          var row = el("div", "tsub");
          row.appendChild(el("span", "tname", s[0]));
          row.appendChild(badge(s[2]));
          row.appendChild(el("span", "mono tiny muted", s[1]));
          box.insertBefore(row, more);
        });
        shown += PAGE;
        more.style.display = shown < subs.length ? "" : "none";
        more.textContent = "Show more (" + (subs.length - Math.min(shown, subs.length)) + " left)";
      }
      var more = el("button", "more small", "");
      more.type = "button";
      box.appendChild(more);
      more.addEventListener("click", addSubs);
      addSubs();
      det.appendChild(box);
    });
    return det;
  }
  var tree = document.getElementById("tree");
  (childrenOf[-1] || []).forEach(function (r) { tree.appendChild(groupNode(r)); });
  var firstRoot = tree.querySelector("details");
  if (firstRoot) firstRoot.open = true;
  document.getElementById("tree-expand").addEventListener("click", function () {
    var pending = true;
    while (pending) {
      pending = false;
      tree.querySelectorAll("details:not([open])").forEach(function (d) { d.open = true; d.dispatchEvent(new Event("toggle")); pending = true; });
    }
  });
  document.getElementById("tree-collapse").addEventListener("click", function () {
    tree.querySelectorAll("details[open]").forEach(function (d) { d.open = false; });
  });

  /* ------------------------------------------------------------ generic filtered, sorted, paged table */
  function table(opts) {
    var tbody = document.querySelector("#" + opts.id + " tbody");
    var moreBtn = document.getElementById(opts.more);
    var state = {rows: opts.rows, sortKey: null, dir: 1, shown: 0, view: opts.rows};
    function apply() {
      var view = opts.rows.filter(opts.filter);
      if (state.sortKey !== null) {
        var k = state.sortKey, dir = state.dir;
        view = view.slice().sort(function (a, b) {
          var x = a[k], y = b[k];
          if (typeof x === "number" && typeof y === "number") return (x - y) * dir;
          return String(x).localeCompare(String(y)) * dir;
        });
      }
      state.view = view;
      state.shown = 0;
      tbody.textContent = "";
      page();
      document.getElementById(opts.count).textContent = view.length + " of " + opts.rows.length + " shown";
    }
    function page() {
      var frag = document.createDocumentFragment();
      state.view.slice(state.shown, state.shown + PAGE).forEach(function (r) { frag.appendChild(opts.render(r)); });
      tbody.appendChild(frag);
      state.shown += PAGE;
      moreBtn.style.display = state.shown < state.view.length ? "" : "none";
      moreBtn.textContent = "Show more (" + Math.max(0, state.view.length - state.shown) + " left)";
    }
    moreBtn.addEventListener("click", page);
    document.querySelectorAll("#" + opts.id + " th[data-key]").forEach(function (th) {
      th.addEventListener("click", function () {
        var k = Number(th.dataset.key);
        state.dir = state.sortKey === k ? -state.dir : 1;
        state.sortKey = k;
        document.querySelectorAll("#" + opts.id + " th").forEach(function (h) { h.classList.remove("asc", "desc"); });
        th.classList.add(state.dir > 0 ? "asc" : "desc");
        apply();
      });
    });
    opts.inputs.forEach(function (id) {
      var e = document.getElementById(id);
      e.addEventListener(e.type === "search" ? "input" : "change", apply);
    });
    apply();
  }

  function val(id) { var e = document.getElementById(id); return e.type === "checkbox" ? e.checked : e.value; }

  table({
    id: "sub-table", more: "sub-more", count: "sub-count", rows: D.subs,
    inputs: ["sub-filter", "sub-verdict", "sub-action"],
    filter: function (s) {
      var q = val("sub-filter").toLowerCase(), v = val("sub-verdict");
      if (v && s[2] !== v) return false;
      if (val("sub-action") && !s[12]) return false;
      if (!q) return true;
      var grp = s[5] >= 0 ? D.groups[s[5]][0] : "";
      return (s[0] + " " + s[1] + " " + grp + " " + s[10] + " " + s[11]).toLowerCase().indexOf(q) >= 0;
    },
    render: function (s) {
      var tr = el("tr");
      var name = el("td");
      var link = el("a", "sub-link", s[0]);
      link.href = "#findings";
      link.title = "Show this subscription's findings";
      link.addEventListener("click", function () {
        var f = document.getElementById("f-filter");
        f.value = s[1];
        f.dispatchEvent(new Event("input"));
      });
      var first = el("div");
      first.appendChild(link);
      name.appendChild(first);
      name.appendChild(el("div", "mono tiny muted", s[1]));
      tr.appendChild(name);
      var v = el("td"); v.appendChild(badge(s[2])); tr.appendChild(v);
      tr.appendChild(el("td", "", s[3]));
      tr.appendChild(el("td", "", s[4]));
      var c = el("td"); c.appendChild(cells(s[8], D.categories, "cats")); tr.appendChild(c);
      var a = el("td"); a.appendChild(cells(s[9], D.operations, "alerts", mechanisms(s[13]))); tr.appendChild(a);
      tr.appendChild(el("td", "num", s[6]));
      tr.appendChild(el("td", "small", s[10]));
      tr.appendChild(el("td", "small", s[11]));
      return tr;
    }
  });

  table({
    id: "f-table", more: "f-more", count: "f-count", rows: D.findings,
    inputs: ["f-filter", "f-rule", "f-sev", "f-open"],
    filter: function (f) {
      var q = val("f-filter").toLowerCase(), r = val("f-rule"), sv = val("f-sev");
      if (r && D.rules[f[0]] !== r) return false;
      if (sv !== "" && String(f[1]) !== sv) return false;
      if (val("f-open") && f[6]) return false;
      return !q || (f[2] + " " + f[3] + " " + f[4] + " " + f[5]).toLowerCase().indexOf(q) >= 0;
    },
    render: function (f) {
      var tr = el("tr");
      tr.appendChild(el("td", "mono small", D.rules[f[0]]));
      var s = el("td"); s.appendChild(el("span", "badge sev-" + SEV[f[1]], SEV[f[1]])); tr.appendChild(s);
      var sc = el("td"); sc.appendChild(el("div", "", f[3])); sc.appendChild(el("div", "mono tiny muted", f[2])); tr.appendChild(sc);
      tr.appendChild(el("td", "", f[4]));
      var ev = el("td", "ev"); ev.appendChild(el("div", "mono tiny evbox", f[5])); tr.appendChild(ev);
      tr.appendChild(el("td", "small", f[6] ? "waived: " + f[6] : ""));
      return tr;
    }
  });
})();
