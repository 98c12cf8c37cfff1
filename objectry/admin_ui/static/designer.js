// The layout designer's drag and drop (SortableJS): a progressive enhancement only;
// every move also has a button or a select, which keyboard users keep using.
// Dropping a field writes the whole arrangement into the "arrange" form and submits
// it, so the server previews the layout document (the plan) before anything applies.
// Dragging list-column rows renumbers their position inputs.
(function () {
  "use strict";
  function arrangement(root) {
    var sections = [];
    root.querySelectorAll("ol.layout-fields[data-section-fields]").forEach(function (list) {
      var fields = [];
      list.querySelectorAll(":scope > li[data-field]").forEach(function (item) {
        fields.push(item.getAttribute("data-field"));
      });
      sections[Number(list.getAttribute("data-section-fields"))] = fields;
    });
    return sections;
  }
  function start() {
    if (typeof window.Sortable !== "function") { return; }
    var form = document.querySelector("form.arrange-layout");
    if (!form) { return; }
    var submit = function () {
      form.querySelector("input[name='arrangement']").value =
        JSON.stringify(arrangement(document));
      form.submit();
    };
    var lists = document.querySelectorAll(
      "ol.layout-fields[data-section-fields], ul.unplaced[data-unplaced-fields]");
    lists.forEach(function (list) {
      new window.Sortable(list, {
        group: "layout-fields", animation: 120, draggable: "li", forceFallback: true,
        filter: "button, select, input, label", preventOnFilter: false,
        onEnd: function (event) {
          if (event.from !== event.to || event.oldIndex !== event.newIndex) { submit(); }
        }
      });
    });
    document.querySelectorAll("table.columns tbody").forEach(function (body) {
      new window.Sortable(body, {
        animation: 120, draggable: "tr", forceFallback: true, filter: "input",
        preventOnFilter: false,
        onEnd: function () {
          body.querySelectorAll("tr input[type='number']").forEach(function (input, i) {
            input.value = String(i + 1);
          });
        }
      });
    });
    document.documentElement.classList.add("drag-enabled");
  }
  document.addEventListener("DOMContentLoaded", start);
})();
