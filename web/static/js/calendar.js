// Calendar forms: show the time fields or the date fields, whichever "All day" asks for, and
// on the postpone form only once "the new date is known" is ticked.
// Progressive enhancement only: without this script every field stays visible and works.
(function () {
  "use strict";

  function sync(form) {
    var allDay = form.querySelector("input[name='all_day']");
    var known = form.querySelector("input[name='new_times_known']");
    var open = !known || known.checked;
    if (known) {
      allDay.closest(".field").hidden = !open;
    }
    form.querySelectorAll("[data-when]").forEach(function (group) {
      var wanted = group.getAttribute("data-when") === (allDay.checked ? "all-day" : "timed");
      group.hidden = !(open && wanted);
    });
  }

  document.querySelectorAll("form").forEach(function (form) {
    if (form.querySelector("[data-when]") && form.querySelector("input[name='all_day']")) {
      sync(form);
      form.addEventListener("change", function () { sync(form); });
    }
  });
})();
