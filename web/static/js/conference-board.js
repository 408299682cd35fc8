// The organiser's conference board: asks the board's JSON for the sites changed since the last
// answer every few seconds and redraws the totals and those rows in place, so the page never
// reloads. The changed rows come whatever the filter: each is shown, replaced or removed here
// by the filter the form holds. The JSON answers 304 (through the browser's cache) when no
// site changed.
(function () {
  "use strict";
  var table = document.getElementById("board");
  if (!table) { return; }
  var source = table.getAttribute("data-source");
  var siteUrl = table.getAttribute("data-site-url");
  var every = parseInt(table.getAttribute("data-poll"), 10) || 5000;
  var yes = table.getAttribute("data-yes");
  var no = table.getAttribute("data-no");
  var central = table.getAttribute("data-central");
  var status = document.getElementById("board-status");
  var numbers = new Intl.NumberFormat(document.documentElement.lang || "vi");
  var body = table.tBodies[0];
  var since = table.getAttribute("data-since") || "";
  var form = document.getElementById("board-filters");

  function wanted(name) {
    var field = form ? form.elements[name] : null;
    return field ? field.value : "";
  }

  function kept(site) {
    var state = wanted("state"), kind = wanted("kind"), connection = wanted("connection");
    var search = wanted("q").trim().toLowerCase();
    if (state && site.state !== state) { return false; }
    if (kind && site.kind !== kind) { return false; }
    if (connection === "connected" && !site.connected) { return false; }
    if (connection === "not_connected" && site.connected) { return false; }
    if (search && site.name.toLowerCase().indexOf(search) < 0 &&
        site.code.toLowerCase().indexOf(search) < 0) { return false; }
    return true;
  }

  function cell(row, text, className) {
    var td = row.insertCell(-1);
    if (className) { td.className = className; }
    td.textContent = text;
    return td;
  }

  function link(site) {
    // The site page's address, with the site's id in place of the 0 the template gave.
    return siteUrl.replace(/\/0$/, "/" + site.id);
  }

  function drawRow(site) {
    var holder = document.createElement("tbody");
    var row = holder.insertRow(-1);
    row.id = "site-" + site.id;
    row.setAttribute("data-state", site.state);
    var name = row.insertCell(-1);
    var anchor = document.createElement("a");
    anchor.href = link(site);
    anchor.textContent = site.name;
    name.appendChild(anchor);
    if (site.central) {
      var badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = central;
      name.appendChild(document.createTextNode(" "));
      name.appendChild(badge);
    }
    cell(row, site.chair);
    var state = row.insertCell(-1);
    var label = document.createElement("span");
    label.className = "badge state-" + site.state;
    label.textContent = site.state_label;
    state.appendChild(label);
    site.checks.forEach(function (check) { cell(row, check ? yes : no); });
    cell(row, numbers.format(site.expected), "num");
    cell(row, site.connected ? yes : no);
    var attendance = cell(row, site.connected && site.attendance !== null ? numbers.format(site.attendance) : no, "num");
    attendance.setAttribute("data-attendance", "");
    return row;
  }

  function draw(data) {
    Object.keys(data.totals).forEach(function (name) {
      var figure = document.querySelector('[data-total="' + name + '"]');
      if (figure) { figure.textContent = numbers.format(data.totals[name]); }
    });
    if (data.full) {
      var rows = document.createDocumentFragment();
      data.sites.forEach(function (site) { rows.appendChild(drawRow(site)); });
      body.replaceChildren(rows);
    } else {
      data.sites.forEach(function (site) {
        var old = document.getElementById("site-" + site.id);
        if (!kept(site)) {
          if (old) { old.remove(); }
        } else if (old) {
          old.replaceWith(drawRow(site));
        } else {
          body.appendChild(drawRow(site));
        }
      });
    }
    if (data.since) { since = data.since; }
  }

  function refresh() {
    var address = source;
    if (since) { address += (source.indexOf("?") < 0 ? "?" : "&") + "since=" + encodeURIComponent(since); }
    fetch(address, { cache: "no-cache", credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        draw(data);
        if (status) {
          status.textContent = status.getAttribute("data-updated").replace("__TIME__", new Date().toLocaleTimeString());
        }
      })
      .catch(function () {
        if (status) { status.textContent = status.getAttribute("data-failed"); }
      })
      .finally(function () { window.setTimeout(refresh, every); });
  }

  window.setTimeout(refresh, every);
})();
