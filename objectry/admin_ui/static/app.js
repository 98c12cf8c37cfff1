// Objectry web app: progressive enhancements only; every page works without them.
// Multi-selects become searchable tom-select widgets; focus returns to the swapped list.
(function () {
  "use strict";
  function enhance(root) {
    if (typeof window.TomSelect !== "function") { return; }
    root.querySelectorAll("select[data-enhance='tom-select']").forEach(function (el) {
      if (!el.tomselect) { new window.TomSelect(el, { plugins: ["remove_button"] }); }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:afterSwap", function (event) {
    enhance(event.target);
    if (event.target.id === "records") {
      var heading = event.target.querySelector("table, p");
      if (heading && document.activeElement === document.body) {
        heading.setAttribute("tabindex", "-1");
        heading.focus();
      }
    }
  });
})();

// Lookup inputs search the target's records as the user types (the web app's options
// endpoint, which reads through the records service as the signed-in user).
(function () {
  "use strict";
  function lookups(root) {
    if (typeof window.TomSelect !== "function") { return; }
    root.querySelectorAll("input[data-lookup-url]").forEach(function (el) {
      if (el.tomselect) { return; }
      var url = el.getAttribute("data-lookup-url");
      var current = el.value ? [{ value: el.value, text: el.getAttribute("data-lookup-label") || el.value }] : [];
      new window.TomSelect(el, {
        maxItems: 1, create: false, valueField: "value", labelField: "text",
        searchField: ["text"], options: current, items: current.map(function (o) { return o.value; }),
        load: function (query, callback) {
          fetch(url + "?q=" + encodeURIComponent(query), { credentials: "same-origin" })
            .then(function (r) { return r.json(); })
            .then(function (data) { callback(data.items); })
            .catch(function () { callback(); });
        }
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { lookups(document); });
  document.addEventListener("htmx:afterSwap", function (event) { lookups(event.target); });
})();
