/* Definition pages keep operations, types and messages in closed <details>
   so that a 900-operation API stays readable. A link to one of them (a
   search result, a shared URL, a type link within the page) must show it
   open: open the target's own <details> and every <details> around it,
   on load and whenever the fragment changes. Without JavaScript the
   summaries still show, and a click opens them. */
(function () {
  "use strict";
  function reveal() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (!target) { return; }
    var own = target.tagName === "DETAILS" ? target : target.querySelector(":scope > details");
    if (own) { own.open = true; }
    for (var node = target.parentElement; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") { node.open = true; }
    }
    target.scrollIntoView();
  }
  window.addEventListener("hashchange", reveal);
  reveal();
}());
