// Shared page behaviour. No inline scripts: the Content-Security-Policy allows only files from /static.
(function () {
  "use strict";
  // Buttons with data-confirm ask before submitting their form.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = (button && button.getAttribute("data-confirm")) || event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
  // Opened from the to-do list: ← / → (or K / J) go to the previous / next to-do, unless typing.
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) { return; }
    var id = {ArrowLeft: "todo-prev", k: "todo-prev", ArrowRight: "todo-next", j: "todo-next"}[event.key];
    var link = id && document.getElementById(id);
    if (link) { event.preventDefault(); window.location.href = link.href; }
  });
  // fetch() helper for pages that call the JSON API with the session cookie: sends the CSRF token.
  window.eduFetch = function (url, options) {
    options = options || {};
    options.headers = options.headers || {};
    var token = document.querySelector('meta[name="csrf-token"]');
    if (token) { options.headers["X-CSRFToken"] = token.getAttribute("content"); }
    options.credentials = "same-origin";
    return window.fetch(url, options);
  };
})();
