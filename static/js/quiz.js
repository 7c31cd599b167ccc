// Quiz enhancements; the form works without them. Saves answers as the agent goes, and announces the
// time left politely every five minutes and in the last minute, never every second.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form) return;
  var status = form.querySelector("[data-autosave-status]");
  var timer = null;
  function save() {
    var body = new FormData(form);
    fetch(form.getAttribute("data-autosave"), {
      method: "POST", body: body, headers: { "Accept": "application/json" }, credentials: "same-origin"
    }).then(function (response) {
      if (status) status.textContent = response.ok ? status.getAttribute("data-saved") : "";
    }).catch(function () { /* offline: the final submission still sends everything */ });
  }
  form.addEventListener("change", function () {
    clearTimeout(timer);
    timer = setTimeout(save, 800);
  });
  var deadlineNode = document.querySelector("[data-deadline]");
  if (!deadlineNode) return;
  var deadline = new Date(deadlineNode.getAttribute("data-deadline"));
  var live = deadlineNode.querySelector("[data-time-left]");
  var lastAnnounced = null;
  setInterval(function () {
    var minutes = Math.ceil((deadline - new Date()) / 60000);
    if (minutes < 0 || minutes === lastAnnounced) return;
    if (minutes % 5 === 0 || minutes <= 1) {
      lastAnnounced = minutes;
      live.textContent = minutes <= 0
        ? deadlineNode.getAttribute("data-over")
        : deadlineNode.getAttribute("data-left").replace("%s", minutes);
    }
  }, 15000);
})();
