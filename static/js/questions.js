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

  function setupExam() {
    var app = document.getElementById("exam-app");
    if (!app) { return; }
    var form = document.getElementById("exam-form");
    var status = document.getElementById("save-status");
    var timer = document.getElementById("exam-timer");
    var url = app.getAttribute("data-save-url");
    var deadline = Date.now() + parseInt(app.getAttribute("data-remaining"), 10) * 1000;
    var pending = null;
    var closed = false;

    function save() {
      pending = null;
      return window.eduFetch(url, {method: "PUT", headers: {"Content-Type": "application/json"},
                                   body: JSON.stringify({answers: collect(form),
                                                       attempt_id: parseInt(app.getAttribute("data-attempt-id"), 10) || null})})
        .then(function (r) { return r.json().then(function (body) { return {ok: r.ok, body: body}; }); })
        .then(function (res) {
          if (res.ok) {
            status.textContent = "已自动保存 " + new Date().toLocaleTimeString("zh-CN");
            status.setAttribute("data-saved", "1");
          } else {
            status.textContent = res.body.error ? res.body.error.message : "保存失败";
            if (res.body.error && res.body.error.code === "deadline_passed") { finish(); }
            if (res.body.error && res.body.error.code === "superseded") { closed = true; }
          }
        })
        .catch(function () { status.textContent = "网络异常，答案将在恢复后保存"; });
    }

    function finish() {
      if (closed) { return; }
      closed = true;
      form.removeAttribute("data-confirm");
      form.submit();
    }

    form.addEventListener("change", function () { if (pending) { clearTimeout(pending); } pending = setTimeout(save, 600); });
    form.addEventListener("input", function () { if (pending) { clearTimeout(pending); } pending = setTimeout(save, 1500); });
    form.addEventListener("submit", function () { closed = true; });

    function tick() {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      var m = Math.floor(left / 60), s = left % 60;
      timer.textContent = (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
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
