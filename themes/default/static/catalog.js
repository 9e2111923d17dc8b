/* Backlot catalog index: filters and pages through window.BACKLOT_CATALOG
   (catalog/entities-index.js, loaded before this script) in the browser.

   - Filter state lives in the URL with Backstage's parameter names
     (filters[kind]=component&filters[owners]=team-a&filters[text]=...,
     repeated for several values), so links from and to Backstage work.
   - Only one page of rows (data-page-size, 50) is ever in the DOM, so a
     catalog of 20,000 entities stays fast.
   - Every text goes in with textContent; links are relative URLs that
     Backlot built. No framework, no network requests: it works from file://.
*/
(function () {
  "use strict";

  var data = window.BACKLOT_CATALOG;
  var app = document.getElementById("catalog-app");
  if (!data || !app) { return; }

  // Facets in display order: Backstage's filter name, label, record field.
  var FACETS = [
    { key: "kind", label: "Kind", field: "kind", open: true },
    { key: "type", label: "Type", field: "type" },
    { key: "owners", label: "Owner", field: "owner" },
    { key: "lifecycles", label: "Lifecycle", field: "lifecycle" },
    { key: "namespace", label: "Namespace", field: "namespace" },
    { key: "tags", label: "Tags", field: "tags" }
  ];
  var TEXT_DELAY_MS = 200;

  var col = {};
  data.fields.forEach(function (name, i) { col[name] = i; });
  var pageSize = parseInt(app.getAttribute("data-page-size"), 10) || 50;
  var fromDisk = location.protocol === "file:";

  var form = document.getElementById("catalog-filters");
  var textInput = document.getElementById("filter-text");
  var facetsBox = document.getElementById("facets");
  var table = document.getElementById("catalog-table");
  var tbody = table.querySelector("tbody");
  var caption = document.getElementById("catalog-caption");
  var resultCount = document.getElementById("result-count");
  var prevButton = document.getElementById("page-prev");
  var nextButton = document.getElementById("page-next");
  var pageStatus = document.getElementById("page-status");

  function lower(text) { return String(text || "").toLowerCase(); }

  // Lower-cased values for matching, computed once per entity.
  var records = data.rows.map(function (row) {
    var tags = row[col.tags] || [];
    return {
      row: row,
      kind: lower(row[col.kind]),
      type: lower(row[col.type]),
      owner: lower(row[col.owner]),
      ownerRef: lower(row[col.ownerRef]),
      lifecycle: lower(row[col.lifecycle]),
      namespace: lower(row[col.namespace]),
      tags: tags.map(lower),
      text: lower([row[col.ref], row[col.name], row[col.title], row[col.description],
        row[col.owner], row[col.type], tags.join(" ")].join(" "))
    };
  });

  // Backstage writes owners as full refs (group:default/team-a); the
  // facet shows them as Backstage displays them (team-a).
  var ownerByRef = {};
  records.forEach(function (r) { if (r.ownerRef) { ownerByRef[r.ownerRef] = r.owner; } });

  var state = readState();
  var results = records;
  var page = 1;
  var textTimer = null;

  /* Folder links do not open index.html from disk: add it, as the inline
     script of every page does for the links in the HTML. */
  function localHref(url) {
    if (!fromDisk) { return url; }
    var m = /^([^?#]*)(.*)$/.exec(url);
    return m[1] !== "" && m[1].slice(-1) === "/" ? m[1] + "index.html" + m[2] : url;
  }

  function readState() {
    var params = new URLSearchParams(location.search);
    var s = { text: params.get("filters[text]") || "", values: {} };
    FACETS.forEach(function (f) {
      s.values[f.key] = params.getAll("filters[" + f.key + "]").map(function (v) {
        v = lower(v).trim();
        return f.key === "owners" && ownerByRef[v] ? ownerByRef[v] : v;
      }).filter(Boolean);
    });
    return s;
  }

  function writeState() {
    var params = new URLSearchParams(location.search);
    FACETS.forEach(function (f) {
      var name = "filters[" + f.key + "]";
      params.delete(name);
      state.values[f.key].forEach(function (v) { params.append(name, v); });
    });
    params.delete("filters[text]");
    if (state.text) { params.set("filters[text]", state.text); }
    var query = params.toString();
    try {
      history.replaceState(null, "", location.pathname + (query ? "?" + query : "") + location.hash);
    } catch (e) {
      // Some browsers refuse history changes on file:// pages; filtering
      // still works, only the URL does not follow.
    }
  }

  function matches(r) {
    for (var i = 0; i < FACETS.length; i++) {
      var f = FACETS[i];
      var selected = state.values[f.key];
      if (!selected.length) { continue; }
      if (f.key === "tags") {
        if (!r.tags.some(function (t) { return selected.indexOf(t) >= 0; })) { return false; }
      } else if (f.key === "owners") {
        if (selected.indexOf(r.owner) < 0 && selected.indexOf(r.ownerRef) < 0) { return false; }
      } else if (selected.indexOf(r[f.field]) < 0) {
        return false;
      }
    }
    var terms = lower(state.text).split(/\s+/);
    for (var j = 0; j < terms.length; j++) {
      if (terms[j] && r.text.indexOf(terms[j]) < 0) { return false; }
    }
    return true;
  }

  function isFiltered() {
    return Boolean(state.text) || FACETS.some(function (f) { return state.values[f.key].length > 0; });
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  function cell(text) { return element("td", null, text); }

  function ownerCell(row) {
    var td = element("td");
    var owner = row[col.owner];
    if (!owner) { return td; }
    if (row[col.ownerUrl]) {
      var a = element("a", null, owner);
      a.setAttribute("href", localHref(row[col.ownerUrl]));
      td.appendChild(a);
    } else {
      // Never a link: the owner is not in the catalog.
      var missing = element("span", "ref-missing", owner + " ");
      missing.title = row[col.ownerRef] + " is not in the catalog";
      missing.appendChild(element("span", "ref-missing-marker", "(missing)"));
      td.appendChild(missing);
    }
    return td;
  }

  function tagsCell(row) {
    var td = element("td");
    var tags = row[col.tags] || [];
    if (tags.length) {
      var ul = element("ul", "tags");
      tags.forEach(function (t) { ul.appendChild(element("li", "tag", t)); });
      td.appendChild(ul);
    }
    return td;
  }

  function rowElement(row) {
    var tr = element("tr");
    var th = element("th");
    th.setAttribute("scope", "row");
    var a = element("a", null, row[col.title] || row[col.name]);
    a.setAttribute("href", localHref(row[col.url]));
    th.appendChild(a);
    if (row[col.title]) {
      th.appendChild(element("br"));
      th.appendChild(element("span", "muted small", row[col.name]));
    }
    tr.appendChild(th);
    tr.appendChild(cell(row[col.kind]));
    tr.appendChild(cell(row[col.type]));
    tr.appendChild(ownerCell(row));
    tr.appendChild(cell(row[col.lifecycle]));
    tr.appendChild(cell(row[col.description]));
    tr.appendChild(tagsCell(row));
    return tr;
  }

  function render() {
    var pages = Math.max(1, Math.ceil(results.length / pageSize));
    page = Math.min(Math.max(page, 1), pages);
    var start = (page - 1) * pageSize;
    var end = Math.min(start + pageSize, results.length);
    var rows = document.createDocumentFragment();
    for (var i = start; i < end; i++) { rows.appendChild(rowElement(results[i].row)); }
    if (!results.length) {
      var td = cell("No entities match these filters.");
      td.colSpan = 7;
      var tr = element("tr");
      tr.appendChild(td);
      rows.appendChild(tr);
    }
    tbody.textContent = "";
    tbody.appendChild(rows);

    var total = records.length.toLocaleString();
    var filtered = isFiltered();
    resultCount.textContent = results.length
      ? "Showing " + (start + 1).toLocaleString() + "–" + end.toLocaleString() + " of " +
        results.length.toLocaleString() + (filtered ? " matching entities (" + total + " in total)" : " entities")
      : "No entities match these filters (" + total + " in total).";
    caption.textContent = (filtered ? "Matching entities" : "All entities") + ", page " + page + " of " + pages;
    pageStatus.textContent = "Page " + page + " of " + pages;
    prevButton.disabled = page <= 1;
    nextButton.disabled = page >= pages;
  }

  function apply() {
    results = records.filter(matches);
    page = 1;
    render();
    updateSummaries();
  }

  function updateSummaries() {
    FACETS.forEach(function (f) {
      var badge = document.getElementById("facet-count-" + f.key);
      if (!badge) { return; }
      var n = state.values[f.key].length;
      badge.textContent = n ? " (" + n + " selected)" : "";
    });
  }

  function buildFacet(f) {
    var values = (data.facets && data.facets[f.key]) || [];
    if (!values.length) { return; }
    var details = element("details", "facet");
    details.open = Boolean(f.open || state.values[f.key].length);
    var summary = element("summary", null, f.label);
    summary.appendChild(element("span", "muted", ""));
    summary.lastChild.id = "facet-count-" + f.key;
    details.appendChild(summary);
    var fieldset = element("fieldset");
    fieldset.appendChild(element("legend", "visually-hidden", f.label));
    values.forEach(function (entry, i) {
      // entry: [value (lower-case), label, count]
      var id = "facet-" + f.key + "-" + i;
      var label = element("label");
      label.setAttribute("for", id);
      var input = element("input");
      input.type = "checkbox";
      input.id = id;
      input.value = entry[0];
      input.checked = state.values[f.key].indexOf(entry[0]) >= 0;
      input.addEventListener("change", function () {
        var list = state.values[f.key];
        var at = list.indexOf(input.value);
        if (input.checked && at < 0) { list.push(input.value); }
        if (!input.checked && at >= 0) { list.splice(at, 1); }
        apply();
        writeState();
      });
      label.appendChild(input);
      label.appendChild(element("span", null, entry[1]));
      label.appendChild(element("span", "muted", String(entry[2])));
      fieldset.appendChild(label);
    });
    details.appendChild(fieldset);
    facetsBox.appendChild(details);
  }

  function goTo(delta, button) {
    page += delta;
    render();
    // A button that just became disabled loses focus; keep the user in place.
    if (button.disabled) { (delta < 0 ? nextButton : prevButton).focus(); }
    table.scrollIntoView({ block: "start" });
  }

  FACETS.forEach(buildFacet);
  textInput.value = state.text;

  textInput.addEventListener("input", function () {
    clearTimeout(textTimer);
    textTimer = setTimeout(function () {
      state.text = textInput.value.trim();
      apply();
      writeState();
    }, TEXT_DELAY_MS);
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.addEventListener("reset", function () {
    // After the browser has cleared the inputs.
    setTimeout(function () {
      state.text = "";
      FACETS.forEach(function (f) { state.values[f.key] = []; });
      apply();
      writeState();
    }, 0);
  });
  prevButton.addEventListener("click", function () { goTo(-1, prevButton); });
  nextButton.addEventListener("click", function () { goTo(1, nextButton); });

  app.hidden = false;
  apply();
})();
