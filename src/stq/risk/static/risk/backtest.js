/* Policy backtest: draws the per-month charts from the JSON the result embeds (json_script; no inline script, CSP).
   The result may arrive by an htmx swap (progress polling), so it also draws after each swap. */
(function () {
  "use strict";
  var colours = ["#0d6efd", "#fd7e14", "#6c757d"];
  function draw() {
    var source = document.getElementById("backtest-chart-data");
    if (!source || typeof Chart === "undefined" || source.dataset.drawn) { return; }
    source.dataset.drawn = "1";
    Chart.defaults.animation = false;
    var data = JSON.parse(source.textContent);
    var vnd = function (v) { return Number(v).toLocaleString("vi-VN"); };
    function chart(id, key, money) {
      var canvas = document.getElementById(id);
      if (!canvas) { return; }
      new Chart(canvas, {
        type: "bar",
        data: { labels: data.labels, datasets: data.series.map(function (s, i) {
          return { label: s.label, data: s[key], backgroundColor: colours[i % colours.length] };
        }) },
        options: { plugins: { title: { display: true, text: data.texts[key] } },
          scales: { y: { beginAtZero: true, ticks: money ? { callback: vnd } : { precision: 0 } } } }
      });
    }
    chart("backtest-chart-violations", "violations", false);
    chart("backtest-chart-duty", "duty", true);
    document.body.dataset.backtestChartsReady = "1";
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
  document.addEventListener("htmx:afterSettle", draw);
})();
