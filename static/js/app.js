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
  // Opened from the to-do list: every form of the page says which to-do it is and which comes next,
  // so that once the action is done the platform goes on to the next one.
  document.addEventListener("DOMContentLoaded", function () {
    var nav = document.getElementById("todo-nav");
    if (!nav) { return; }
    var forms = document.querySelectorAll("main form[method=post], main form[method=POST]");
    for (var i = 0; i < forms.length; i++) {
      var pairs = [["todo", nav.getAttribute("data-todo")], ["todo_next", nav.getAttribute("data-todo-next")]];
      for (var j = 0; j < pairs.length; j++) {
        if (!pairs[j][1] || forms[i].querySelector('input[name="' + pairs[j][0] + '"]')) { continue; }
        var input = document.createElement("input");
        input.type = "hidden"; input.name = pairs[j][0]; input.value = pairs[j][1];
        forms[i].appendChild(input);
      }
    }
  });
  // Tree pickers (知识点, 教材章节) show the branches of the 学段 and 学科 chosen in the same form;
  // a branch with a ticked box always stays.
  function filterTrees(form) {
    var stage = form.querySelector("[name=stage]"), subject = form.querySelector("[name=subject]");
    // Options that belong to one 学段 (年级) show only under that 学段; a hidden choice is dropped.
    var staged = form.querySelectorAll("select:not([name=stage]) option[data-stage]");
    for (var k = 0; k < staged.length; k++) {
      var off = !!(stage && stage.value) && staged[k].getAttribute("data-stage") !== stage.value;
      staged[k].hidden = off;
      staged[k].disabled = off;
      if (off && staged[k].selected) { staged[k].parentNode.value = ""; }
    }
    var branches = form.querySelectorAll(".tree-picker .tree-branch");
    for (var i = 0; i < branches.length; i++) {
      var b = branches[i], s = b.getAttribute("data-stage"), j = b.getAttribute("data-subject");
      var fits = (!s || !stage || !stage.value || s === stage.value) && (!j || !subject || !subject.value || j === subject.value);
      b.parentNode.hidden = !fits && !b.querySelector("input:checked");
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var pickers = document.querySelectorAll(".tree-picker");
    for (var i = 0; i < pickers.length; i++) {
      var form = pickers[i].closest("form");
      if (form && !form.hasAttribute("data-tree-filter")) {
        form.setAttribute("data-tree-filter", "1");
        form.addEventListener("change", filterTrees.bind(null, form));
        filterTrees(form);
      }
    }
  });
  // A file field marked data-autosubmit sends its form once a file is chosen (the button stays for
  // keyboards and for pages without this script).
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-autosubmit]") || !input.files.length) { return; }
    var form = input.form, note = document.createElement("div");
    note.className = "form-text"; note.setAttribute("role", "status"); note.id = "upload-progress";
    note.textContent = "正在上传并检查文件……";
    input.parentNode.appendChild(note);
    form.requestSubmit ? form.requestSubmit() : form.submit();
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
