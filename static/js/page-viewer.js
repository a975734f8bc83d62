// Page previews: one page at a time, 上一页/下一页 buttons and the arrow keys; a page's image is
// fetched when it is about to be shown (the current page and the next one).
(function () {
  document.querySelectorAll(".page-viewer").forEach(function (viewer) {
    var images = Array.prototype.slice.call(viewer.querySelectorAll(".page-image"));
    var current = viewer.querySelector("[data-page-current]");
    var index = 0;
    function load(i) {
      var img = images[i];
      if (img && img.dataset.src) { img.src = img.dataset.src; delete img.dataset.src; }
    }
    function show(i) {
      if (i < 0 || i >= images.length) return;
      images[index].classList.add("d-none");
      index = i;
      load(index); load(index + 1);
      images[index].classList.remove("d-none");
      current.textContent = String(index + 1);
      var focused = document.activeElement;
      var prev = viewer.querySelector("[data-page-prev]"), next = viewer.querySelector("[data-page-next]");
      prev.disabled = index === 0;
      next.disabled = index === images.length - 1;
      // A button disabled while it has the focus would drop it to the page: keep it in the viewer.
      if (focused && focused.disabled && (focused === prev || focused === next)) { viewer.focus(); }
    }
    viewer.querySelector("[data-page-prev]").addEventListener("click", function () { show(index - 1); });
    viewer.querySelector("[data-page-next]").addEventListener("click", function () { show(index + 1); });
    viewer.addEventListener("keydown", function (event) {
      if (event.target.closest("input, textarea, select")) return;
      if (event.key === "ArrowRight" || event.key === "PageDown") { show(index + 1); event.preventDefault(); }
      if (event.key === "ArrowLeft" || event.key === "PageUp") { show(index - 1); event.preventDefault(); }
      if (event.key === "Home") { show(0); event.preventDefault(); }
      if (event.key === "End") { show(images.length - 1); event.preventDefault(); }
    });
    // Arrow keys work anywhere on the page while nothing else has the focus.
    document.addEventListener("keydown", function (event) {
      if (document.activeElement && document.activeElement !== document.body) return;
      viewer.dispatchEvent(new KeyboardEvent("keydown", {key: event.key, bubbles: false}));
    });
    if (images.length) show(0);
  });
})();
