// Opportunity Manager: apply a filter as soon as a status, list or date changes.
// Without JavaScript the Filter button does the same.
(function () {
  "use strict";
  var form = document.getElementById("om-filters");
  if (!form) {
    return;
  }
  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("input[type=checkbox], select, input[type=date]")) {
      form.requestSubmit();
    }
  });
})();
