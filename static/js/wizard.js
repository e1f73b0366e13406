// Register a Deal: small improvements over pages that work without JavaScript.
(function () {
  "use strict";
  var MAX_PRODUCTS = 3;

  // After a refused answer: the error summary takes the focus.
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();

  // Step 1: the Opportunity ID only matters when the answer is Yes.
  document.querySelectorAll("[data-show-when]").forEach(function (block) {
    var parts = block.getAttribute("data-show-when").split("=");
    var radios = document.querySelectorAll('input[name="' + parts[0] + '"]');
    function update() {
      var chosen = document.querySelector('input[name="' + parts[0] + '"]:checked');
      block.hidden = !(chosen && chosen.value === parts[1]);
    }
    radios.forEach(function (r) { r.addEventListener("change", update); });
    update();
  });

  // Step 4: filter the product list as you type, and refuse a 4th product at once.
  var form = document.querySelector("[data-products-form]");
  if (form) {
    var text = form.querySelector("#product-text");
    var family = form.querySelector("#product-family");
    var note = form.querySelector("[data-product-limit-note]");
    var rows = form.querySelectorAll("[data-product-row]");
    var counter = form.querySelector("[data-product-count]");
    function filter() {
      var q = text.value.trim().toLowerCase();
      var f = family.value;
      rows.forEach(function (row) {
        var ticked = row.querySelector('input[type="checkbox"]').checked;
        var match = (!q || row.getAttribute("data-text").indexOf(q) !== -1) &&
          (!f || row.getAttribute("data-family") === f);
        row.hidden = !(match || ticked);
      });
    }
    text.addEventListener("input", filter);
    family.addEventListener("change", filter);
    // Enter in the search box filters here instead of reloading the page.
    text.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); filter(); } });
    form.addEventListener("change", function (e) {
      if (e.target.name !== "product") return;
      var ticked = form.querySelectorAll('input[name="product"]:checked').length;
      if (e.target.checked && ticked > MAX_PRODUCTS) {
        e.target.checked = false;
        ticked -= 1;
        // The refusal is said next to the box that was ticked.
        e.target.closest("tr").querySelector("td:nth-child(2)").appendChild(note);
        note.hidden = false;
        note.classList.remove("text-muted");
        note.classList.add("text-danger", "fw-semibold");
        note.setAttribute("role", "alert");
      } else if (ticked <= MAX_PRODUCTS) {
        note.hidden = true;
      }
      if (counter) counter.textContent = counter.dataset.template.replace("__N__", ticked);
    });
  }

  // Review: one click registers; a second click while the first is on its way does nothing.
  var register = document.querySelector("[data-register-form]");
  if (register) {
    register.addEventListener("submit", function (e) {
      if (register.dataset.sent) { e.preventDefault(); return; }
      register.dataset.sent = "1";
    });
  }
})();
