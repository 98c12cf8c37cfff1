// Objectry web app: progressive enhancements only; every page works without them.
// Multi-selects become searchable tom-select widgets; focus returns to the swapped list.
(function () {
  "use strict";
  // tom-select moves the <label for> to its own search box; the original (now hidden)
  // input keeps its name through the label, which tom-select gives an id.
  function labelOriginal(el) {
    if (document.getElementById(el.id + "-ts-label")) {
      el.setAttribute("aria-labelledby", el.id + "-ts-label");
    }
  }
  function enhance(root) {
    if (typeof window.TomSelect !== "function") { return; }
    root.querySelectorAll("select[data-enhance='tom-select']").forEach(function (el) {
      if (!el.tomselect) {
        new window.TomSelect(el, { plugins: ["remove_button"] });
        labelOriginal(el);
      }
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
  function labelOriginal(el) {  // as in the block above
    if (document.getElementById(el.id + "-ts-label")) {
      el.setAttribute("aria-labelledby", el.id + "-ts-label");
    }
  }
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
      labelOriginal(el);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { lookups(document); });
  document.addEventListener("htmx:afterSwap", function (event) { lookups(event.target); });
})();
