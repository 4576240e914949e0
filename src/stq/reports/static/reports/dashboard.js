/* Leaders' dashboard: draws the charts from the JSON the page embeds (json_script); no inline script (CSP). */
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("dashboard-data");
    if (!source || typeof Chart === "undefined") { return; }
    Chart.defaults.animation = false;  // drawn at once: no half-drawn bars in screenshots or prints
    var data = JSON.parse(source.textContent);
    var counts = { y: { beginAtZero: true, ticks: { precision: 0 } } };
    var labels = document.getElementById("dashboard-labels").dataset;
    var vnd = function (v) { return Number(v).toLocaleString("vi-VN"); };
    var money = { scales: { y: { ticks: { callback: vnd } } } };
    var chart = function (id, config) {  // a chart with nothing to draw is a "No data" line, not a canvas
      var canvas = document.getElementById(id);
      if (canvas) { new Chart(canvas, config); }
    };
    chart("chart-by-state", {
      type: "bar",
      data: { labels: data.by_state.labels, datasets: data.by_state.datasets },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } }
    });
    chart("chart-amounts", {
      type: "line",
      data: { labels: data.amounts.labels, datasets: [
        { label: labels.assessed, data: data.amounts.assessed, borderColor: "#0d6efd" },
        { label: labels.collected, data: data.amounts.collected, borderColor: "#198754" }] },
      options: money
    });
    chart("chart-overdue", {
      type: "bar",
      data: { labels: data.overdue.labels, datasets: [{ label: labels.overdue, data: data.overdue.data,
        backgroundColor: "#dc3545" }] },
      options: { scales: counts }
    });
    chart("chart-risk-areas", {
      type: "bar",
      data: { labels: data.risk_areas.labels, datasets: [{ label: labels.tax, data: data.risk_areas.data,
        backgroundColor: "#fd7e14" }] },
      options: { indexAxis: "y", scales: { x: { ticks: { callback: vnd } } } }
    });
    document.body.dataset.chartsReady = "1";
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
