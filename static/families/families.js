// 家校: the slip page's print button (no inline handlers: the CSP allows scripts from 'self' only).
document.addEventListener("click", function (event) {
  var target = event.target.closest ? event.target.closest("[data-family-print]") : null;
  if (target) { window.print(); }
});
