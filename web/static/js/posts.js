// The live length counter beside each post text: as the person types, ask the server (the same
// rules that check on save: X's weighted length, Mastodon's characters with links as 23 or the
// instance's own figure, Telegram's limits) and show each platform's count.
(function () {
  "use strict";
  var DELAY_MS = 300;

  function counterFor(textarea) {
    return document.querySelector('[data-length-for="' + textarea.id + '"]');
  }

  function show(counter, report) {
    counter.querySelectorAll("[data-kind]").forEach(function (item) {
      var check = report[item.getAttribute("data-kind")];
      if (!check) { return; }
      item.querySelector("[data-length]").textContent = check.length;
      item.querySelector("[data-limit]").textContent = check.limit;
      item.classList.toggle("over", !check.ok);
    });
  }

  function watch(editor) {
    var url = editor.getAttribute("data-length-url");
    var token = editor.getAttribute("data-csrf");
    editor.querySelectorAll("textarea").forEach(function (textarea) {
      var counter = counterFor(textarea);
      if (!counter || !url) { return; }
      var timer = null;
      var asked = 0;
      function ask() {
        var mine = ++asked;
        fetch(url, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": token },
          body: JSON.stringify({
            text: textarea.value,
            images: parseInt(textarea.getAttribute("data-images") || "0", 10)
          })
        }).then(function (response) {
          return response.ok ? response.json() : null;
        }).then(function (report) {
          // Only the answer to the latest question counts.
          if (report && mine === asked) { show(counter, report); }
        }).catch(function () { /* the server checks again on save */ });
      }
      textarea.addEventListener("input", function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(ask, DELAY_MS);
      });
      if (textarea.value) { ask(); }
    });
  }

  document.querySelectorAll(".post-editor").forEach(watch);
})();
