// Charts of the enterprise activity profile (data from the json_script element "stq-activity-data").
(function () {
  function draw() {
    var holder = document.getElementById("stq-activity-data");
    if (!holder || typeof Chart === "undefined") return;
    var data = JSON.parse(holder.textContent);
    var months = document.querySelector(".stq-activity-months");
    if (months && !months.dataset.drawn) {
      months.dataset.drawn = "1";
      new Chart(months, {
        type: "bar",
        data: {labels: data.labels, datasets: [
          {label: months.dataset.importLabel, data: data.imports, backgroundColor: "#0d6efd"},
          {label: months.dataset.exportLabel, data: data.exports, backgroundColor: "#20c997"}]},
        options: {responsive: true, scales: {y: {beginAtZero: true}}}
      });
    }
    var channels = document.querySelector(".stq-activity-channels");
    if (channels && !channels.dataset.drawn) {
      channels.dataset.drawn = "1";
      new Chart(channels, {
        type: "doughnut",
        data: {labels: channels.dataset.labels.split("|"),
               datasets: [{data: data.channels, backgroundColor: ["#198754", "#ffc107", "#dc3545"]}]}
      });
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
