/* Backlot search: the header's instant results and the /search/ page.
 *
 * The index lives under search/ as scripts that call __backlotSearch(path,
 * data) (src/search/mod.rs documents every file). Nothing is loaded until
 * the search box is focused; a query then loads the term shards it needs
 * and the document chunks of the results it shows. Scripts rather than
 * fetch(): a portal opened from disk (file://) can add <script>s but not
 * fetch files.
 *
 * Text from the index comes from repositories and is untrusted: it only
 * ever reaches the page through textContent and text nodes.
 *
 * The tokenizer mirrors src/search/tokenize.rs exactly (a browser test
 * compares the two on a vocabulary); keep them in step.
 */
(function () {
  "use strict";

  var form = document.querySelector("form.site-search");
  if (!form || !window.Promise) { return; }
  var root = form.getAttribute("data-root") || "";
  var base = root + "search/";
  var onDisk = location.protocol === "file:";

  // ---------------------------------------------------------------------
  // Loading index files

  var waiting = {};
  var loading = {};

  window.__backlotSearch = function (path, data) {
    var w = waiting[path];
    if (w) {
      delete waiting[path];
      w(data);
    }
  };

  function load(path) {
    if (!loading[path]) {
      loading[path] = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        var fail = function () {
          delete waiting[path];
          delete loading[path];
          reject(new Error("the search index file " + path + " could not be loaded"));
        };
        waiting[path] = resolve;
        script.src = base + path;
        script.async = true;
        script.onerror = fail;
        script.onload = function () {
          script.remove();
          if (waiting[path]) { fail(); }
        };
        document.head.appendChild(script);
      });
    }
    return loading[path];
  }

  var meta = null;
  function loadMeta() {
    return load("meta.js").then(function (m) {
      if (!meta) {
        meta = m;
        // A Set: a plain object would call "constructor" a stop word.
        meta.stop = new Set(m.stopWords);
        meta.shardKeys = Object.keys(m.shards).sort(function (a, b) {
          return chars(b).length - chars(a).length;
        });
      }
      return meta;
    });
  }

  // ---------------------------------------------------------------------
  // Tokenizer (src/search/tokenize.rs)

  var MAX_TOKEN_CHARS = 40;
  var CHUNK_SPLIT = /[^\p{Alphabetic}\p{N}\-_.]+/u;
  var PART_SPLIT = /[-_.]+/;
  var UPPER = /^\p{Uppercase}$/u;
  var LOWER = /^\p{Lowercase}$/u;
  var NUMERIC = /^\p{N}$/u;
  var ALNUM = /^[\p{Alphabetic}\p{N}]$/u;
  var ASCII = /^[\x00-\x7f]*$/;

  function chars(s) { return Array.from(s); }

  function camelParts(word) {
    var cs = chars(word);
    var parts = [];
    var start = 0;
    for (var i = 1; i < cs.length; i++) {
      var c = cs[i];
      var prev = cs[i - 1];
      var nextLower = i + 1 < cs.length && LOWER.test(cs[i + 1]);
      if (UPPER.test(c) &&
          (LOWER.test(prev) || NUMERIC.test(prev) || (UPPER.test(prev) && nextLower))) {
        parts.push(cs.slice(start, i).join(""));
        start = i;
      }
    }
    parts.push(cs.slice(start).join(""));
    return parts;
  }

  function rawTerms(text, emit) {
    text.split(CHUNK_SPLIT).forEach(function (chunk) {
      var parts = [];
      chunk.split(PART_SPLIT).forEach(function (w) {
        if (w) { parts = parts.concat(camelParts(w)); }
      });
      parts.forEach(function (p) { emit(p.toLowerCase()); });
      if (parts.length > 1) { emit(parts.join("").toLowerCase()); }
    });
  }

  function normalize(token) {
    if (!token || chars(token).length > MAX_TOKEN_CHARS) { return null; }
    if (!ASCII.test(token)) { return token; }
    if (meta.stop.has(token)) { return null; }
    return stem(token);
  }

  function tokenize(text) {
    var out = [];
    rawTerms(text, function (t) {
      var n = normalize(t);
      if (n) { out.push(n); }
    });
    return out;
  }

  function nameKey(name) {
    var joined = chars(name).filter(function (c) { return ALNUM.test(c); })
      .map(function (c) { return c.toLowerCase(); }).join("");
    var n = normalize(joined);
    if (n) { return n; }
    return joined && chars(joined).length <= MAX_TOKEN_CHARS ? joined : null;
  }

  // Name terms start with "=", which no token contains (NAME_MARK).
  function nameTerm(name) {
    var key = nameKey(name);
    return key ? "=" + key : null;
  }

  function queryTerms(query) {
    var terms = [];
    tokenize(query).concat([nameTerm(query)]).forEach(function (t) {
      if (t && terms.indexOf(t) < 0) { terms.push(t); }
    });
    return terms;
  }

  // The Porter stemmer, in the variant elasticlunr uses (Martin Porter's
  // C version with its two departures: -bli → -ble, -logi → -log; step 1c
  // looks at the letter before a final y literally).
  var stem = (function () {
    var b, k, j;
    function cons(i) {
      var c = b[i];
      if (c === "a" || c === "e" || c === "i" || c === "o" || c === "u") { return false; }
      if (c === "y") { return i === 0 ? true : !cons(i - 1); }
      return true;
    }
    // The number of consonant-vowel sequences in b[0, j).
    function m() {
      var n = 0, i = 0;
      while (true) {
        if (i >= j) { return n; }
        if (!cons(i)) { break; }
        i++;
      }
      i++;
      while (true) {
        while (true) {
          if (i >= j) { return n; }
          if (cons(i)) { break; }
          i++;
        }
        i++;
        n++;
        while (true) {
          if (i >= j) { return n; }
          if (!cons(i)) { break; }
          i++;
        }
        i++;
      }
    }
    function vowelInStem() {
      for (var i = 0; i < j; i++) { if (!cons(i)) { return true; } }
      return false;
    }
    function doublec(i) {
      return i >= 1 && b[i] === b[i - 1] && cons(i);
    }
    function cvc(i) {
      if (i < 2 || !cons(i) || cons(i - 1) || !cons(i - 2)) { return false; }
      var c = b[i];
      return !(c === "w" || c === "x" || c === "y");
    }
    function ends(s) {
      var n = s.length;
      if (n > k) { return false; }
      for (var i = 0; i < n; i++) {
        if (b[k - n + i] !== s[i]) { return false; }
      }
      j = k - n;
      return true;
    }
    function setto(s) {
      for (var i = 0; i < s.length; i++) { b[j + i] = s[i]; }
      k = j + s.length;
    }
    function r(s) { if (m() > 0) { setto(s); } }

    function step1ab() {
      if (b[k - 1] === "s") {
        if (ends("sses")) { k -= 2; }
        else if (ends("ies")) { setto("i"); }
        else if (b[k - 2] !== "s") { k -= 1; }
      }
      if (ends("eed")) {
        if (m() > 0) { k -= 1; }
      } else if ((ends("ed") || ends("ing")) && vowelInStem()) {
        k = j;
        if (ends("at")) { setto("ate"); }
        else if (ends("bl")) { setto("ble"); }
        else if (ends("iz")) { setto("ize"); }
        else if (doublec(k - 1)) {
          k -= 1;
          var c = b[k - 1];
          if (c === "l" || c === "s" || c === "z") { k += 1; }
        } else if (m() === 1 && cvc(k - 1)) { setto("e"); }
      }
    }
    function step1c() {
      if (k > 2 && ends("y")) {
        var c = b[k - 2];
        if (!(c === "a" || c === "e" || c === "i" || c === "o" || c === "u")) { b[k - 1] = "i"; }
      }
    }
    // Each entry: the letter before last the suffixes share, then
    // [suffix, replacement] pairs tried in order; the first that ends the
    // word decides (replaced only when m() > 0).
    var STEP2 = {
      a: [["ational", "ate"], ["tional", "tion"]],
      c: [["enci", "ence"], ["anci", "ance"]],
      e: [["izer", "ize"]],
      l: [["bli", "ble"], ["alli", "al"], ["entli", "ent"], ["eli", "e"], ["ousli", "ous"]],
      o: [["ization", "ize"], ["ation", "ate"], ["ator", "ate"]],
      s: [["alism", "al"], ["iveness", "ive"], ["fulness", "ful"], ["ousness", "ous"]],
      t: [["aliti", "al"], ["iviti", "ive"], ["biliti", "ble"]],
      g: [["logi", "log"]]
    };
    var STEP3 = {
      e: [["icate", "ic"], ["ative", ""], ["alize", "al"]],
      i: [["iciti", "ic"]],
      l: [["ical", "ic"], ["ful", ""]],
      s: [["ness", ""]]
    };
    function table(rules) {
      var list = rules || [];
      for (var i = 0; i < list.length; i++) {
        if (ends(list[i][0])) {
          r(list[i][1]);
          return;
        }
      }
    }
    function step2() { if (k >= 2) { table(STEP2[b[k - 2]]); } }
    function step3() { table(STEP3[b[k - 1]]); }
    var STEP4 = {
      a: ["al"], c: ["ance", "ence"], e: ["er"], i: ["ic"], l: ["able", "ible"],
      n: ["ant", "ement", "ment", "ent"], s: ["ism"], t: ["ate", "iti"], u: ["ous"],
      v: ["ive"], z: ["ize"]
    };
    function step4() {
      if (k < 2) { return; }
      var c = b[k - 2];
      var matched = false;
      if (c === "o") {
        matched = (ends("ion") && j > 0 && (b[j - 1] === "s" || b[j - 1] === "t")) || ends("ou");
      } else {
        var list = STEP4[c] || [];
        for (var i = 0; i < list.length && !matched; i++) { matched = ends(list[i]); }
      }
      if (matched && m() > 1) { k = j; }
    }
    function step5() {
      j = k;
      if (b[k - 1] === "e") {
        var a = m();
        if (a > 1 || (a === 1 && !cvc(k - 2))) { k -= 1; }
      }
      if (b[k - 1] === "l" && doublec(k - 1) && m() > 1) { k -= 1; }
    }
    return function (word) {
      if (word.length <= 2) { return word; }
      b = word.split("");
      k = b.length;
      j = 0;
      step1ab();
      step1c();
      step2();
      step3();
      step4();
      step5();
      return b.slice(0, k).join("");
    };
  })();

  // ---------------------------------------------------------------------
  // Querying

  // A name term lives in the shard of the same word (shard_key).
  function shardFile(term) {
    if (term.charAt(0) === "=") { term = term.slice(1); }
    for (var i = 0; i < meta.shardKeys.length; i++) {
      var key = meta.shardKeys[i];
      if (term.lastIndexOf(key, 0) === 0) { return meta.shards[key]; }
    }
    return null;
  }

  // Shards that may hold terms starting with `prefix`: the one it falls in
  // and those whose key extends it.
  function shardsFor(prefix) {
    var files = [];
    var own = shardFile(prefix);
    if (own) { files.push(own); }
    meta.shardKeys.forEach(function (key) {
      if (key.length > prefix.length && key.lastIndexOf(prefix, 0) === 0) {
        var f = meta.shards[key];
        if (files.indexOf(f) < 0) { files.push(f); }
      }
    });
    return files;
  }

  var MAX_COMPLETIONS = 12;
  var MAX_COMPLETION_SHARDS = 3;

  // The last word of a query still being typed also matches longer terms
  // (`deplo` → `deploy`), at half weight.
  function partialOf(query) {
    if (/[\s\-_.]$/.test(query)) { return null; }
    var last = null;
    rawTerms(query, function (t) { last = t; });
    if (!last || chars(last).length < 2 || !ASCII.test(last)) { return null; }
    return last;
  }

  function search(query) {
    return loadMeta().then(function () {
      var terms = queryTerms(query);
      var words = query.split(/\s+/).filter(Boolean);
      var partial = partialOf(query);
      var wanted = {};
      terms.forEach(function (t) {
        var f = shardFile(t);
        if (f) { wanted[f] = true; }
      });
      var completionFiles = partial ? shardsFor(partial) : [];
      if (completionFiles.length <= MAX_COMPLETION_SHARDS) {
        completionFiles.forEach(function (f) { wanted[f] = true; });
      } else {
        partial = null;
      }
      var files = Object.keys(wanted);
      return Promise.all(files.map(function (f) { return load("terms/" + f); }))
        .then(function (shards) {
          var all = {};
          shards.forEach(function (s) {
            Object.keys(s.terms).forEach(function (t) { all[t] = s.terms[t]; });
          });
          // Each word of the query (split at spaces) is a group of terms;
          // a document's score is scaled by the share of groups it
          // matches, squared, so that one matching every word ranks above
          // one matching a single word many times.
          var groups = words.map(function (w) { return tokenize(w); })
            .filter(function (g) { return g.length; });
          var completed = [];
          if (partial) {
            completed = Object.keys(all).filter(function (t) {
              return t.length > partial.length && t.lastIndexOf(partial, 0) === 0 &&
                terms.indexOf(t) < 0;
            }).sort(function (a, b) {
              return a.length - b.length || (a < b ? -1 : 1);
            }).slice(0, MAX_COMPLETIONS);
          }
          var scores = new Map();
          var hits = new Map();
          var add = function (term, weight, group) {
            var postings = all[term] || [];
            for (var i = 0; i < postings.length; i++) {
              var id = postings[i][0];
              scores.set(id, (scores.get(id) || 0) + postings[i][1] * weight);
              if (group >= 0) {
                var h = hits.get(id) || new Set();
                h.add(group);
                hits.set(id, h);
              }
            }
          };
          terms.forEach(function (t) {
            var group = -1;
            groups.forEach(function (g, i) { if (group < 0 && g.indexOf(t) >= 0) { group = i; } });
            add(t, 1, group);
          });
          completed.forEach(function (t) { add(t, 0.5, groups.length - 1); });
          if (groups.length > 1) {
            scores.forEach(function (score, id) {
              var share = (hits.get(id) || new Set()).size / groups.length;
              scores.set(id, score * share * share);
            });
          }
          var ranked = Array.from(scores.entries()).sort(function (a, b) {
            return b[1] - a[1] || a[0] - b[0];
          }).map(function (e) { return e[0]; });
          return { ids: ranked, terms: terms.concat(completed), partial: partial };
        });
    });
  }

  // Document ids having every selected facet value.
  function facetFilter(filters) {
    var selected = Object.keys(filters).filter(function (f) { return filters[f]; });
    if (!selected.length) { return Promise.resolve(null); }
    return loadMeta().then(function () {
      return Promise.all(selected.map(function (f) {
        var values = meta.facets[f] || [];
        for (var i = 0; i < values.length; i++) {
          if (values[i][0] === filters[f]) {
            return load("facets/" + f + "/" + i + ".js").then(function (d) { return d.ids; });
          }
        }
        return Promise.resolve([]);
      })).then(function (lists) {
        var keep = new Set(lists[0]);
        lists.slice(1).forEach(function (ids) {
          var other = new Set(ids);
          keep.forEach(function (id) { if (!other.has(id)) { keep.delete(id); } });
        });
        return keep;
      });
    });
  }

  function docs(ids) {
    var size = meta.docChunkSize;
    var chunks = {};
    ids.forEach(function (id) { chunks[Math.floor(id / size)] = true; });
    return Promise.all(Object.keys(chunks).map(function (c) {
      return load("docs/" + c + ".js");
    })).then(function (loaded) {
      var byChunk = {};
      loaded.forEach(function (chunk) { byChunk[chunk.offset / size] = chunk; });
      return ids.map(function (id) {
        var chunk = byChunk[Math.floor(id / size)];
        return chunk.docs[id - chunk.offset];
      });
    });
  }

  // ---------------------------------------------------------------------
  // Showing results

  function href(url) {
    if (onDisk) {
      var m = /^([^?#]*)(.*)$/.exec(url);
      if (m[1] === "" || m[1].slice(-1) === "/") { url = m[1] + "index.html" + m[2]; }
    }
    return root + url;
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function matches(word, found) {
    var lower = word.toLowerCase();
    if (found.partial && lower.lastIndexOf(found.partial, 0) === 0) { return true; }
    var hit = false;
    rawTerms(word, function (t) {
      var n = normalize(t);
      if (n && found.terms.indexOf(n) >= 0) { hit = true; }
    });
    return hit;
  }

  // `text` as text nodes, with the words the query matched in <mark>.
  function highlight(parent, text, found) {
    var re = /[\p{Alphabetic}\p{N}][\p{Alphabetic}\p{N}\-_.]*/gu;
    var last = 0;
    var m;
    while ((m = re.exec(text)) !== null) {
      if (matches(m[0], found)) {
        if (m.index > last) { parent.appendChild(document.createTextNode(text.slice(last, m.index))); }
        parent.appendChild(el("mark", null, m[0]));
        last = m.index + m[0].length;
      }
    }
    if (last < text.length) { parent.appendChild(document.createTextNode(text.slice(last))); }
    return parent;
  }

  // A window of the snippet around its first match.
  function excerpt(text, found, size) {
    var re = /[\p{Alphabetic}\p{N}][\p{Alphabetic}\p{N}\-_.]*/gu;
    var m;
    var at = 0;
    while ((m = re.exec(text)) !== null) {
      if (matches(m[0], found)) { at = m.index; break; }
    }
    if (text.length <= size) { return text; }
    var start = Math.max(0, at - Math.floor(size / 3));
    var space = text.lastIndexOf(" ", start);
    if (start > 0 && space > start - 20) { start = space + 1; }
    var out = text.slice(start, start + size);
    return (start > 0 ? "…" : "") + out + (start + size < text.length ? "…" : "");
  }

  function badge(doc) {
    if (doc.kind === "docSection") { return "Docs"; }
    if (doc.kind === "api") { return "API operation"; }
    return doc.entityKind;
  }

  function resultBody(link, doc, found, snippetSize) {
    var head = el("span", "search-result-head");
    head.appendChild(el("span", "search-badge search-badge-" + badge(doc).toLowerCase().replace(/\W+/g, "-"), badge(doc)));
    highlight(head.appendChild(el("span", "search-result-title")), doc.title, found);
    if (doc.heading) {
      head.appendChild(el("span", "search-result-sep", " › "));
      highlight(head.appendChild(el("span", "search-result-heading")), doc.heading, found);
    }
    link.appendChild(head);
    if (doc.snippet) {
      highlight(link.appendChild(el("span", "search-result-snippet")), excerpt(doc.snippet, found, snippetSize), found);
    }
    var facts = [];
    if (doc.kind !== "entity") { facts.push(doc.entity.replace(/^[^:]*:(default\/)?/, "")); }
    ["type", "owner", "lifecycle"].forEach(function (f) {
      if (doc.facets && doc.facets[f]) { facts.push(doc.facets[f]); }
    });
    if (facts.length) { link.appendChild(el("span", "search-result-facts", facts.join(" · "))); }
    return link;
  }

  // ---------------------------------------------------------------------
  // The header box

  var input = form.querySelector("input[type=search]");
  var panel = form.querySelector(".site-search-panel");
  var list = form.querySelector("[role=listbox]");
  var status = form.querySelector(".site-search-status");
  var DROPDOWN_RESULTS = 8;
  var active = -1;
  var generation = 0;
  var timer = null;

  function options() { return list.querySelectorAll("[role=option]"); }

  function setActive(i) {
    var opts = options();
    if (!opts.length) { active = -1; return; }
    active = (i + opts.length) % opts.length;
    for (var n = 0; n < opts.length; n++) {
      opts[n].setAttribute("aria-selected", n === active ? "true" : "false");
    }
    input.setAttribute("aria-activedescendant", opts[active].id);
    opts[active].scrollIntoView({ block: "nearest" });
  }

  function open(show) {
    panel.hidden = !show;
    input.setAttribute("aria-expanded", show ? "true" : "false");
    if (!show) {
      active = -1;
      input.removeAttribute("aria-activedescendant");
    }
  }

  function searchPage(query) {
    return href("search/") + "?q=" + encodeURIComponent(query);
  }

  function run() {
    var query = input.value.trim();
    var mine = ++generation;
    if (!query) {
      list.textContent = "";
      status.textContent = "";
      open(false);
      return;
    }
    status.textContent = "Searching…";
    open(true);
    search(query).then(function (found) {
      if (mine !== generation) { return null; }
      var top = found.ids.slice(0, DROPDOWN_RESULTS);
      return docs(top).then(function (shown) {
        if (mine !== generation) { return; }
        list.textContent = "";
        active = -1;
        input.removeAttribute("aria-activedescendant");
        shown.forEach(function (doc, n) {
          var item = el("li");
          item.setAttribute("role", "option");
          item.id = "site-search-option-" + n;
          item.setAttribute("aria-selected", "false");
          var link = el("a", "search-result");
          link.href = href(doc.url);
          link.tabIndex = -1;
          item.appendChild(resultBody(link, doc, found, 120));
          list.appendChild(item);
        });
        var more = el("li", "site-search-all");
        more.setAttribute("role", "option");
        more.id = "site-search-option-all";
        more.setAttribute("aria-selected", "false");
        var n = found.ids.length;
        var all = el("a", null, n === 0 ? "No results for “" + query + "”"
          : (n === 1 ? "1 result" : "All " + n + " results") + " for “" + query + "”");
        all.href = searchPage(query);
        all.tabIndex = -1;
        more.appendChild(all);
        list.appendChild(more);
        status.textContent = found.ids.length + (found.ids.length === 1 ? " result" : " results");
      });
    }).catch(function (err) {
      if (mine !== generation) { return; }
      list.textContent = "";
      status.textContent = "Search is unavailable: " + err.message;
    });
  }

  input.addEventListener("focus", function () {
    loadMeta().catch(function () {});
    if (input.value.trim() && list.childNodes.length) { open(true); }
  });
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(run, 80);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      if (panel.hidden && input.value.trim()) { run(); return; }
      e.preventDefault();
      setActive(active + (e.key === "ArrowDown" ? 1 : -1));
    } else if (e.key === "Enter") {
      e.preventDefault();
      var opts = options();
      var target = active >= 0 && opts[active] ? opts[active].querySelector("a").href : null;
      if (target) { location.href = target; }
      else if (input.value.trim()) { location.href = searchPage(input.value.trim()); }
    } else if (e.key === "Escape") {
      if (!panel.hidden) { open(false); } else { input.value = ""; input.blur(); }
    }
  });
  form.addEventListener("focusout", function (e) {
    if (!form.contains(e.relatedTarget)) { open(false); }
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (input.value.trim()) { location.href = searchPage(input.value.trim()); }
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) { return; }
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) { return; }
    e.preventDefault();
    input.focus();
    input.select();
  });

  // ---------------------------------------------------------------------
  // The search page

  var page = document.getElementById("search-page");
  if (page) {
    var pageInput = page.querySelector("input[name=q]");
    var filterBox = page.querySelector(".search-page-filters");
    var selects = page.querySelectorAll("select[data-facet]");
    var pageStatus = document.querySelector(".search-page-status");
    var results = document.querySelector(".search-page-results");
    var moreButton = document.querySelector(".search-page-more");
    var PAGE_RESULTS = 20;
    var pageGeneration = 0;
    var current = null;

    var params = new URLSearchParams(location.search);
    pageInput.value = params.get("q") || "";

    var state = function () {
      var filters = {};
      selects.forEach(function (s) { filters[s.getAttribute("data-facet")] = s.value; });
      return { q: pageInput.value.trim(), filters: filters };
    };

    var keepInUrl = function (st) {
      var p = new URLSearchParams();
      if (st.q) { p.set("q", st.q); }
      Object.keys(st.filters).forEach(function (f) { if (st.filters[f]) { p.set(f, st.filters[f]); } });
      var qs = p.toString();
      history.replaceState(null, "", location.pathname + (qs ? "?" + qs : ""));
    };

    var showMore = function () {
      if (!current) { return; }
      var mine = pageGeneration;
      var next = current.ids.slice(current.shown, current.shown + PAGE_RESULTS);
      docs(next).then(function (shown) {
        if (mine !== pageGeneration) { return; }
        shown.forEach(function (doc) {
          var item = el("li");
          var link = el("a", "search-result");
          link.href = href(doc.url);
          item.appendChild(resultBody(link, doc, current.found, 180));
          results.appendChild(item);
        });
        current.shown += next.length;
        moreButton.hidden = current.shown >= current.ids.length;
      });
    };

    var runPage = function () {
      var st = state();
      keepInUrl(st);
      var mine = ++pageGeneration;
      results.textContent = "";
      moreButton.hidden = true;
      if (!st.q) {
        pageStatus.textContent = "Type a query: entity names, tags, owners, words from the docs.";
        return;
      }
      pageStatus.textContent = "Searching…";
      Promise.all([search(st.q), facetFilter(st.filters)]).then(function (r) {
        if (mine !== pageGeneration) { return; }
        var keep = r[1];
        var ids = keep ? r[0].ids.filter(function (id) { return keep.has(id); }) : r[0].ids;
        current = { ids: ids, shown: 0, found: r[0] };
        pageStatus.textContent = ids.length === 0
          ? "No results for “" + st.q + "”" + (keep ? " with these filters." : ".")
          : ids.length + (ids.length === 1 ? " result" : " results") + " for “" + st.q + "”";
        showMore();
      }).catch(function (err) {
        if (mine !== pageGeneration) { return; }
        pageStatus.textContent = "Search is unavailable: " + err.message;
      });
    };

    loadMeta().then(function () {
      selects.forEach(function (s) {
        var facet = s.getAttribute("data-facet");
        var values = (meta.facets[facet] || []).slice().sort(function (a, b) {
          return b[1] - a[1] || (a[0] < b[0] ? -1 : 1);
        });
        values.forEach(function (v) {
          var o = el("option", null, v[0] + " (" + v[1] + ")");
          o.value = v[0];
          s.appendChild(o);
        });
        s.value = params.get(facet) || "";
        s.addEventListener("change", runPage);
      });
      filterBox.hidden = false;
      runPage();
    }).catch(function (err) {
      pageStatus.textContent = "Search is unavailable: " + err.message;
    });
    page.addEventListener("submit", function (e) {
      e.preventDefault();
      runPage();
    });
    pageInput.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(runPage, 150);
    });
    moreButton.addEventListener("click", showMore);
  }

  // For the browser tests: the tokenizer, to compare with Rust's.
  window.__backlotSearchTokenize = function (text) {
    return loadMeta().then(function () { return tokenize(text); });
  };
})();
