// Import jobs: while a job runs, poll its status and move the progress bar; once it has
// finished, reload the page, which then shows the report. The page works without this script
// (it has a refresh link).
(function () {
  "use strict";
  var section = document.querySelector("[data-import-job]");
  var bar = document.querySelector("[data-import-progress]");
  if (!section || !bar) {
    return;
  }
  var statusUrl = section.getAttribute("data-import-job");
  var label = document.querySelector("[data-import-status]");
  var done = document.querySelector("[data-import-done]");
  var total = document.querySelector("[data-import-total]");

  function show(status) {
    if (label) {
      label.textContent = status.label;
    }
    if (status.total) {
      bar.setAttribute("max", status.total);
      bar.setAttribute("value", status.done);
    }
    if (done && total) {
      done.textContent = status.done;
      total.textContent = status.total;
    }
  }

  function poll() {
    fetch(statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (status) {
        show(status);
        if (status.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }

  window.setTimeout(poll, 1000);
})();
