// The import job page: poll the job's API endpoint, move the bar, reload when the job ends.
// A static file, not inline: the Content-Security-Policy allows scripts from this origin only.
(function () {
  "use strict";
  var POLL_MS = 1500;
  var box = document.getElementById("job-progress");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("job-bar");
  var status = document.getElementById("job-status");

  function show(job) {
    if (job.state !== "queued" && job.state !== "running") {
      window.location.reload();
      return false;
    }
    bar.value = job.progress_pct;
    bar.textContent = job.progress_pct + "%";
    if (job.state === "queued") {
      status.textContent = "Waiting for a worker\u2026";
    } else if (job.rows_counted !== null && job.rows_counted !== undefined) {
      // The import's first pass (header, date order, rows): nothing read yet, the count moves.
      status.textContent = "Checking the file: " + job.rows_counted.toLocaleString() + " of about " +
        job.rows_estimate.toLocaleString() + " rows counted\u2026";
    } else {
      status.textContent = job.rows_read.toLocaleString() + " of about " + job.rows_estimate.toLocaleString() +
        " rows read (" + job.progress_pct + "%).";
    }
    return true;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) { if (!job || show(job)) window.setTimeout(poll, POLL_MS); })
      .catch(function () { window.setTimeout(poll, POLL_MS * 4); });
  }

  window.setTimeout(poll, POLL_MS);
})();
