// Progressive enhancements only: every page works without this file.
(function () {
  "use strict";
  // After a failed submit, move the focus to the error summary so that it is read first.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
})();

// A table wider than the screen scrolls sideways inside its .table-wrap: make that region reachable
// and scrollable by keyboard (WCAG 2.1.1), named after the table's caption.
(function () {
  "use strict";
  function label(wrap) {
    var caption = wrap.querySelector("caption");
    return caption ? caption.textContent.trim() : document.documentElement.lang === "en" ? "Table" : "Tableau";
  }
  function update() {
    var wraps = document.querySelectorAll(".table-wrap");
    for (var i = 0; i < wraps.length; i++) {
      var wrap = wraps[i];
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", label(wrap));
      } else if (wrap.getAttribute("data-scroll-region") === null) {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
      }
    }
  }
  update();
  window.addEventListener("resize", update);
})();
