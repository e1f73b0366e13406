// The deal page's "due in …" badge keeps counting down while the page is open (issue 15).
// The wording comes from the server (sla.badge_wordings), in the reader's language, with
// __N__ for the number;
// the rounding is sla.due_badge's: whole minutes under an hour, hours under a day, days.
(function () {
  "use strict";
  var clock = document.querySelector("[data-due-at]");
  if (!clock) return;
  var due = Date.parse(clock.dataset.dueAt);
  function amount(seconds) {
    if (seconds < 3600) return [Math.max(1, Math.floor(seconds / 60)), "Min"];
    if (seconds < 86400) return [Math.floor(seconds / 3600), "H"];
    return [Math.floor(seconds / 86400), "D"];  // dataset keys: data-due-min → dueMin
  }
  function render() {
    var seconds = Math.floor((due - Date.now()) / 1000);
    var late = seconds < 0;
    var parts = amount(Math.abs(seconds));
    var template = clock.dataset[(late ? "overdue" : "due") + parts[1]];
    if (template) clock.textContent = template.replace("__N__", parts[0]);
  }
  render();
  setInterval(render, 30000);
})();
