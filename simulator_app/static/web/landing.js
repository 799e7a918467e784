/* hsim landing page: fill each simulator's health cell from /simulator/health/{id}.
 * The list itself is rendered by the server; health checks (broker, value databases) run
 * per simulator, so they are asked for after the page shows, a few at a time. */
(function () {
  "use strict";
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-health-url]"));
  var PARALLEL = 4;

  function show(row, status, reasons) {
    var cell = row.querySelector(".health");
    var badge = document.createElement("span");
    badge.className = "badge health-" + status;
    badge.textContent = status;
    if (reasons && reasons.length) { badge.title = reasons.join("\n"); }
    cell.textContent = "";
    cell.appendChild(badge);
    if (reasons && reasons.length) {
      var why = document.createElement("span");
      why.className = "muted reason";
      why.textContent = " " + reasons[0];
      cell.appendChild(why);
    }
  }

  function check(row) {
    // A 503 carries the same body as a 200: the simulator is unhealthy, not the page.
    return fetch(row.dataset.healthUrl, { credentials: "same-origin",
                                          headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (h) { show(row, h.status || "unknown", h.reasons); })
      .catch(function () { show(row, "unknown", ["health check did not answer"]); });
  }

  function next() {
    var row = rows.shift();
    return row ? check(row).then(next) : null;
  }

  for (var i = 0; i < PARALLEL; i++) { next(); }
})();
