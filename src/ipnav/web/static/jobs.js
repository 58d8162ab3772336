// ipnav job page: while the job is queued or running, poll its progress (JSON, same
// session) and update the bar; reload the page when the status or the stage changes.
// No inline script: the Content-Security-Policy allows scripts from this site only.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) {
    return;
  }
  var url = box.getAttribute("data-progress-url");
  var status = box.getAttribute("data-status");
  var stage = box.getAttribute("data-stage") || "";
  if (status !== "queued" && status !== "running") {
    return;
  }
  var bar = box.querySelector("progress");
  var count = box.querySelector("[data-field=count]");

  function show(progress) {
    if (bar && progress.percent !== null) {
      bar.max = 100;
      bar.value = progress.percent;
    }
    if (count) {
      var text = progress.done.toLocaleString();
      if (progress.total !== null) {
        text += " / " + progress.total.toLocaleString();
      }
      count.textContent = text;
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (job) {
        if (job.status !== status || (job.progress.stage || "") !== stage) {
          window.location.reload();
          return;
        }
        show(job.progress);
        window.setTimeout(poll, 1500);
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }

  window.setTimeout(poll, 1500);
})();
