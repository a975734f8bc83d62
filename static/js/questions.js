// Question bank pages: KaTeX rendering, the question form preview, exam autosave and timer, charts.
// No inline scripts (the Content-Security-Policy allows only files from /static).
(function () {
  "use strict";
  var MATH_DELIMITERS = [
    {left: "$$", right: "$$", display: true}, {left: "\\[", right: "\\]", display: true},
    {left: "$", right: "$", display: false}, {left: "\\(", right: "\\)", display: false}
  ];

  function renderMath(root) {
    if (!window.renderMathInElement) { return; }
    var nodes = (root || document).querySelectorAll(".math");
    for (var i = 0; i < nodes.length; i++) {
      window.renderMathInElement(nodes[i], {delimiters: MATH_DELIMITERS, throwOnError: false});
    }
  }

  // --- the question form: live preview and image upload ---------------------------------------
  function setupForm() {
    var stem = document.getElementById("q-stem");
    var preview = document.getElementById("q-preview");
    if (!stem || !preview) { return; }
    var update = function () {
      preview.textContent = stem.value;
      renderMath(preview.parentNode);
    };
    stem.addEventListener("input", update);
    update();
    var button = document.getElementById("q-image-btn");
    var file = document.getElementById("q-image");
    if (button && file) {
      button.addEventListener("click", function () {
        if (!file.files.length) { return; }
        var data = new FormData();
        data.append("file", file.files[0]);
        window.eduFetch(button.getAttribute("data-url"), {method: "POST", body: data,
                                                            headers: {"Accept": "application/json"}})
          .then(function (r) { return r.json(); })
          .then(function (body) {
            if (body.url) { stem.value += '<img src="' + body.url + '" alt="">'; update(); }
            else if (body.error) { window.alert(body.error.message); }
          });
      });
    }
  }

  // --- taking an exam: collect answers, autosave, count down, submit at time-out ---------------
  function collect(form) {
    var answers = {};
    var items = form.querySelectorAll(".exam-item");
    for (var i = 0; i < items.length; i++) {
      var item = items[i];
      var id = item.getAttribute("data-item");
      var type = item.getAttribute("data-type");
      var name = "q" + id;
      var inputs = item.querySelectorAll('[name="' + name + '"]');
      var value = null;
      if (type === "single") {
        var picked = item.querySelector('[name="' + name + '"]:checked');
        value = picked ? parseInt(picked.value, 10) : null;
      } else if (type === "true_false") {
        var tf = item.querySelector('[name="' + name + '"]:checked');
        value = tf ? tf.value === "true" : null;
      } else if (type === "multiple") {
        value = [];
        for (var j = 0; j < inputs.length; j++) { if (inputs[j].checked) { value.push(parseInt(inputs[j].value, 10)); } }
      } else if (type === "cloze") {
        // One entry per part: text, an option index, or a list of indexes (multiple response).
        value = [];
        var parts = item.querySelectorAll(".cloze-part");
        for (var p = 0; p < parts.length; p++) {
          var el = parts[p], at = parseInt(el.getAttribute("data-part"), 10), kind = el.getAttribute("data-kind");
          if (kind === "text") { value[at] = el.value; }
          else if (kind === "multi") { value[at] = value[at] || []; if (el.checked) { value[at].push(parseInt(el.value, 10)); } }
          else if (el.tagName === "SELECT") { value[at] = el.value === "" ? null : parseInt(el.value, 10); }
          else if (el.checked) { value[at] = parseInt(el.value, 10); }
          else if (value[at] === undefined) { value[at] = null; }
        }
        for (var q = 0; q < value.length; q++) { if (value[q] === undefined) { value[q] = null; } }
      } else if (type === "fill_blank" || type === "matching") {
        value = [];
        for (var k = 0; k < inputs.length; k++) { value.push(inputs[k].value); }
      } else {
        value = inputs.length ? inputs[0].value : null;
      }
      answers[id] = value;
    }
    return answers;
  }

  function isAnswered(value) {
    if (value === null || value === undefined) { return false; }
    if (Array.isArray(value)) {
      for (var i = 0; i < value.length; i++) { if (isAnswered(value[i]) && value[i] !== "") { return true; } }
      return false;
    }
    return String(value).trim() !== "";
  }

  // The 答题卡: which items are answered, which the student flagged to come back to (flags are the
  // student's own note, kept in this browser for this attempt), how many are still open.
  function setupAnswerCard(app, form) {
    var key = "exam-flags-" + app.getAttribute("data-attempt-id");
    var flags = {};
    try { flags = JSON.parse(window.localStorage.getItem(key) || "{}"); } catch (e) { flags = {}; }
    var cells = {};
    var all = document.querySelectorAll(".card-cell");
    for (var i = 0; i < all.length; i++) { cells[all[i].getAttribute("data-card")] = all[i]; }

    function refresh() {
      var answers = collect(form), done = 0, open = 0;
      for (var id in cells) {
        if (!Object.prototype.hasOwnProperty.call(cells, id)) { continue; }
        var cell = cells[id], answered = isAnswered(answers[id]), flagged = !!flags[id];
        cell.classList.toggle("answered", answered);
        cell.classList.toggle("btn-outline-secondary", !answered);
        cell.classList.toggle("flagged", flagged);
        cell.setAttribute("data-state", answered ? "answered" : "open");
        cell.setAttribute("aria-label", "第 " + cell.textContent.trim() + " 题：" + (answered ? "已答" : "未答") +
                          (flagged ? "，已标记" : ""));
        if (answered) { done++; } else { open++; }
      }
      var counts = document.querySelectorAll(".answered-count");
      for (var c = 0; c < counts.length; c++) { counts[c].textContent = done; }
      form.setAttribute("data-confirm", open ? "还有 " + open + " 题未作答，确定交卷？交卷后不能再修改。"
                                            : "确定交卷？交卷后不能再修改。");
      return open;
    }

    var toggles = form.querySelectorAll(".flag-toggle");
    for (var t = 0; t < toggles.length; t++) {
      var button = toggles[t];
      button.setAttribute("aria-pressed", flags[button.getAttribute("data-flag")] ? "true" : "false");
      button.textContent = flags[button.getAttribute("data-flag")] ? "取消标记" : "标记";
      button.addEventListener("click", function (event) {
        var id = event.currentTarget.getAttribute("data-flag");
        if (flags[id]) { delete flags[id]; } else { flags[id] = 1; }
        event.currentTarget.setAttribute("aria-pressed", flags[id] ? "true" : "false");
        event.currentTarget.textContent = flags[id] ? "取消标记" : "标记";
        try { window.localStorage.setItem(key, JSON.stringify(flags)); } catch (e) { /* private mode */ }
        refresh();
      });
    }
    form.addEventListener("change", refresh);
    form.addEventListener("input", refresh);
    refresh();
    return refresh;
  }

  //: seconds left at which the student is warned, once each
  var WARN_AT = [300, 60];

  function setupExam() {
    var app = document.getElementById("exam-app");
    if (!app) { return; }
    var form = document.getElementById("exam-form");
    var status = document.getElementById("save-status");
    var timer = document.getElementById("exam-timer");
    var warning = document.getElementById("time-warning");
    var url = app.getAttribute("data-save-url");
    var deadline = Date.now() + parseInt(app.getAttribute("data-remaining"), 10) * 1000;
    var pending = null;
    var closed = false;
    var dirty = false;
    var warned = {};
    var openCount = setupAnswerCard(app, form);

    function body() {
      return JSON.stringify({answers: collect(form),
                             attempt_id: parseInt(app.getAttribute("data-attempt-id"), 10) || null});
    }

    function save() {
      pending = null;
      dirty = false;
      status.textContent = "正在保存…";
      status.removeAttribute("data-saved");
      return window.eduFetch(url, {method: "PUT", headers: {"Content-Type": "application/json"}, body: body()})
        .then(function (r) { return r.json().then(function (data) { return {ok: r.ok, body: data}; }); })
        .then(function (res) {
          if (res.ok) {
            status.textContent = "已自动保存 " + new Date().toLocaleTimeString("zh-CN");
            status.setAttribute("data-saved", "1");
          } else {
            dirty = true;
            status.textContent = res.body.error ? res.body.error.message : "保存失败";
            if (res.body.error && res.body.error.code === "deadline_passed") { finish(); }
            if (res.body.error && res.body.error.code === "superseded") { closed = true; }
          }
        })
        .catch(function () { dirty = true; status.textContent = "网络异常，答案将在恢复后保存"; });
    }

    function later(ms) {
      dirty = true;
      if (pending) { clearTimeout(pending); }
      pending = setTimeout(save, ms);
    }

    function finish() {
      if (closed) { return; }
      closed = true;
      form.removeAttribute("data-confirm");
      var final = form.querySelector("#final-answers");
      if (final) { final.value = JSON.stringify(collect(form)); }
      form.submit();
    }

    // Every change is saved: choices at once, typing after a short pause, and whatever is still
    // unsaved when the page is hidden or left (keepalive lets the request outlive the page).
    form.addEventListener("change", function () { later(300); });
    form.addEventListener("input", function () { later(800); });
    form.addEventListener("submit", function (event) {
      // Every answer goes with the hand-in, so a change still waiting for its autosave counts.
      var final = form.querySelector("#final-answers");
      if (final) { final.value = JSON.stringify(collect(form)); }
      // The page's confirm runs after this listener: only a hand-in that goes ahead stops the saving.
      setTimeout(function () { if (!event.defaultPrevented) { closed = true; } }, 0);
    });
    var flush = function () {
      if (!dirty || closed) { return; }
      dirty = false;
      window.eduFetch(url, {method: "PUT", headers: {"Content-Type": "application/json"}, body: body(), keepalive: true});
    };
    document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") { flush(); } });
    window.addEventListener("pagehide", flush);
    window.addEventListener("online", function () { if (dirty) { save(); } });

    function warn(left) {
      for (var i = 0; i < WARN_AT.length; i++) {
        var at = WARN_AT[i];
        if (left <= at && !warned[at]) {
          warned[at] = true;
          var open = openCount();
          warning.textContent = "距离交卷还有 " + Math.max(1, Math.ceil(left / 60)) + " 分钟" +
            (open ? "，还有 " + open + " 题未作答" : "") + "。时间到时将自动交卷。";
          warning.classList.remove("d-none");
        }
      }
    }

    function tick() {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      var m = Math.floor(left / 60), s = left % 60;
      timer.textContent = (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
      warn(left);
      if (left <= 0) {
        save().then(finish, finish);
        return;
      }
      setTimeout(tick, 1000);
    }
    tick();
  }

  // --- statistics charts (ECharts) ---------------------------------------------------------------
  function setupCharts() {
    var data = document.getElementById("chart-data");
    if (!data || !window.echarts) { return; }
    var chart = JSON.parse(data.textContent);
    var dist = window.echarts.init(document.getElementById("chart-distribution"));
    dist.setOption({tooltip: {}, xAxis: {type: "category", data: chart.distribution.labels, name: "分数段"},
                    yAxis: {type: "value", name: "人数", minInterval: 1},
                    series: [{type: "bar", data: chart.distribution.counts, name: "人数"}]});
    var items = window.echarts.init(document.getElementById("chart-items"));
    items.setOption({tooltip: {trigger: "axis"}, legend: {data: ["难度 P", "区分度 D"]},
                     xAxis: {type: "category", data: chart.items.labels},
                     yAxis: {type: "value", min: -1, max: 1},
                     series: [{type: "bar", name: "难度 P", data: chart.items.p},
                              {type: "line", name: "区分度 D", data: chart.items.d}]});
    document.body.setAttribute("data-charts", "ready");
  }

  function setupPrint() {
    var button = document.getElementById("print-button");
    if (button) { button.addEventListener("click", function () { window.print(); }); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    renderMath(document);
    setupForm();
    setupExam();
    setupCharts();
    setupPrint();
  });
})();
