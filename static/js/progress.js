// Time spent on a lesson: while the page is visible, report the visible seconds every 30 s, and once
// more when it is hidden (tab switched, phone locked, page left). The server clamps what it credits.
(function () {
  "use strict";
  var beacon = document.querySelector("[data-heartbeat]");
  if (!beacon || !window.fetch) {
    return;
  }
  var url = beacon.getAttribute("data-heartbeat");
  var view = beacon.getAttribute("data-view");
  var csrf = beacon.getAttribute("data-csrf");
  var INTERVAL = 30000;
  var visibleSince = document.visibilityState === "visible" ? Date.now() : null;
  var pending = 0;

  function collect() {
    if (visibleSince !== null) {
      pending += (Date.now() - visibleSince) / 1000;
      visibleSince = document.visibilityState === "visible" ? Date.now() : null;
    }
  }

  function send(leaving) {
    collect();
    var seconds = Math.round(pending);
    if (seconds < 1) {
      return;
    }
    pending = 0;
    var body = new FormData();
    body.append("csrfmiddlewaretoken", csrf);
    body.append("view", view);
    body.append("seconds", String(seconds));
    if (leaving && navigator.sendBeacon) {
      navigator.sendBeacon(url, body);
      return;
    }
    fetch(url, { method: "POST", body: body, credentials: "same-origin", keepalive: true }).catch(function () {
      pending += seconds; // offline for a moment: count it with the next beat
    });
  }

  window.setInterval(function () {
    if (document.visibilityState === "visible") {
      send(false);
    }
  }, INTERVAL);

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      send(true);
    } else {
      visibleSince = Date.now();
    }
  });
  window.addEventListener("pagehide", function () {
    send(true);
  });
})();
