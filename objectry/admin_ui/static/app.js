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

// Picklists search their options on the server as the user types: by label in every
// language, by value and by alias ("SH" finds Shanghai). The server decides what
// matches; until its answer arrives, the label the user sees is matched.
(function () {
  "use strict";
  function labelOriginal(el) {  // as in the blocks above
    if (document.getElementById(el.id + "-ts-label")) {
      el.setAttribute("aria-labelledby", el.id + "-ts-label");
    }
  }
  function choices(root) {
    if (typeof window.TomSelect !== "function") { return; }
    root.querySelectorAll("select[data-choices-url]").forEach(function (el) {
      if (el.tomselect) { return; }
      var url = el.getAttribute("data-choices-url");
      var found = {};  // typed text -> the option values the server found for it
      new window.TomSelect(el, {
        plugins: el.multiple ? ["remove_button"] : [],
        valueField: "value", labelField: "text", searchField: ["text"],
        allowEmptyOption: !el.multiple,
        load: function (query, callback) {
          fetch(url + "?q=" + encodeURIComponent(query), { credentials: "same-origin" })
            .then(function (r) { return r.json(); })
            .then(function (data) {
              found[query] = data.items.map(function (o) { return o.value; });
              callback(data.items);
            })
            .catch(function () { callback(); });
        },
        score: function (search) {
          var hits = found[search];
          var lower = search.toLowerCase();
          return function (item) {
            if (!search) { return 1; }
            if (hits) { return hits.indexOf(item.value) >= 0 ? 1 : 0; }
            return String(item.text || "").toLowerCase().indexOf(lower) >= 0 ? 1 : 0;
          };
        }
      });
      labelOriginal(el);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { choices(document); });
  document.addEventListener("htmx:afterSwap", function (event) { choices(event.target); });
})();

// Designers: an api_name follows the English label as the admin types it, until the
// admin edits the api_name itself (the server derives the same when it is left empty).
(function () {
  "use strict";
  function derive(text) {
    var name = text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "").replace(/^[^a-z]+/, "");
    return name.slice(0, 63);
  }
  function wire(form) {
    var source = form.querySelector("[data-api-name-source]");
    var target = form.querySelector("[data-api-name-target]");
    if (!source || !target || target.dataset.wired) { return; }
    target.dataset.wired = "1";
    var touched = target.value !== "";
    target.addEventListener("input", function () { touched = target.value !== ""; });
    source.addEventListener("input", function () {
      if (!touched) { target.value = derive(source.value); }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-derive-api-name]").forEach(wire);
  });
})();
