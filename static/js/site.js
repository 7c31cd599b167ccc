// Progressive enhancements only: every page works without this file.
(function () {
  "use strict";
  // After a failed submit, move the focus to the error summary so that it is read first.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
})();
