// Deal page: confirm Withdraw / Won / Lost in a Bootstrap modal instead of a separate page.
// Without JavaScript each button is a link to its confirmation page.
(function () {
  "use strict";
  document.querySelectorAll("[data-confirm-modal]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var modalElement = document.querySelector(link.getAttribute("data-confirm-modal"));
      if (!modalElement || !window.bootstrap) {
        return;
      }
      event.preventDefault();
      window.bootstrap.Modal.getOrCreateInstance(modalElement).show();
    });
  });
})();
