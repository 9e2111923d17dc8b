/* The /api-docs/ filters: hide the rows of the static table that do not
   match. The filters live in the query string under Backstage's names
   (filters[type], filters[lifecycles], filters[owners], filters[text]),
   so a filtered list can be shared. Without JavaScript the whole table
   shows. */
(function () {
  "use strict";
  var form = document.getElementById("api-filters");
  var table = document.getElementById("api-table");
  if (!form || !table) { return; }
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var count = document.getElementById("api-count");
  var fields = { type: "filters[type]", lifecycle: "filters[lifecycles]", owner: "filters[owners]", text: "filters[text]" };

  function values() {
    return {
      type: form.elements.type.value,
      lifecycle: form.elements.lifecycle.value,
      owner: form.elements.owner.value,
      text: form.elements.text.value.trim().toLowerCase()
    };
  }

  function apply(push) {
    var v = values();
    var shown = 0;
    rows.forEach(function (row) {
      var d = row.dataset;
      var words = v.text ? v.text.split(/\s+/) : [];
      var ok = (!v.type || d.type === v.type) &&
        (!v.lifecycle || d.lifecycle === v.lifecycle) &&
        (!v.owner || d.owner === v.owner) &&
        words.every(function (w) { return d.text.indexOf(w) !== -1; });
      row.hidden = !ok;
      if (ok) { shown++; }
    });
    count.textContent = shown === rows.length ? rows.length + " APIs" : shown + " of " + rows.length + " APIs";
    if (push && window.history && window.history.replaceState) {
      var params = new URLSearchParams(window.location.search);
      Object.keys(fields).forEach(function (k) {
        if (v[k]) { params.set(fields[k], v[k]); } else { params.delete(fields[k]); }
      });
      var query = params.toString();
      window.history.replaceState(null, "", window.location.pathname + (query ? "?" + query : "") + window.location.hash);
    }
  }

  var params = new URLSearchParams(window.location.search);
  Object.keys(fields).forEach(function (k) {
    var value = params.get(fields[k]);
    if (value === null) { return; }
    var el = form.elements[k];
    value = k === "text" ? value : value.toLowerCase();
    if (el.tagName === "SELECT" && !Array.prototype.some.call(el.options, function (o) { return o.value === value; })) { return; }
    el.value = value;
  });
  form.hidden = false;
  form.addEventListener("input", function () { apply(true); });
  form.addEventListener("change", function () { apply(true); });
  form.addEventListener("reset", function () { setTimeout(function () { apply(true); }, 0); });
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  apply(false);
})();
