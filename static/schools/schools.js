// School portal behaviour. No inline scripts: the CSP allows only files from /static.
(function () {
  "use strict";
  // Buttons with data-print open the browser's print dialog (account slips).
  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-print]") : null;
    if (target) { window.print(); }
  });
})();
