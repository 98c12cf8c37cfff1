// Dashboards: each canvas carries its chart's data (labels, series) as JSON; Chart.js
// (vendored) draws it. A funnel is a horizontal bar chart in the order given; an
// attribution chart is grouped bars, one per model for each campaign.
(function () {
  "use strict";
  function draw(canvas) {
    if (typeof Chart === "undefined" || canvas.dataset.drawn) { return; }
    canvas.dataset.drawn = "1";
    var data = JSON.parse(canvas.dataset.chart);
    var funnel = data.type === "funnel";
    var bars = funnel || data.type === "attribution";
    new Chart(canvas, {
      type: bars ? "bar" : data.type,
      data: {
        labels: data.labels,
        datasets: data.series.map(function (s) { return { label: s.label || s.key, data: s.values }; })
      },
      options: { indexAxis: funnel ? "y" : "x", animation: false, responsive: true }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  });
})();
