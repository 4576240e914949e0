// STQ page behaviour without inline scripts (content security policy): confirm dangerous actions.
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) { event.preventDefault(); }
});
