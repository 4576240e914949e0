/* Criterion form: show the parameter fields of the selected condition kind only (no inline script, CSP). */
(function () {
  "use strict";
  function sync() {
    var select = document.querySelector("[data-testid=criterion-form] select[name=kind]");
    if (!select) { return; }
    document.querySelectorAll("[data-testid=criterion-form] fieldset[data-kind]").forEach(function (set) {
      set.hidden = set.dataset.kind !== select.value;
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.name === "kind") { sync(); }
  });
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", sync); } else { sync(); }
})();
