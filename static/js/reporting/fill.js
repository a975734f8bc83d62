// The fill-in form: autosaves the draft (with the version it was loaded at), shows computed values and
// cell errors as the server returns them, adds/removes rows of tables whose rows the school adds.
(function () {
  "use strict";
  var form = document.getElementById("fill-form");
  if (!form || form.getAttribute("data-editable") !== "1") { return; }
  var statusNode = document.getElementById("autosave-status");
  var versionInput = document.getElementById("form-version");
  var timer = null;
  var saving = false;
  var again = false;
  var stopped = false;

  function setStatus(text, css) {
    statusNode.textContent = text;
    statusNode.className = "small " + (css || "text-muted");
  }

  function showErrors(errors) {
    form.querySelectorAll("[data-error-for]").forEach(function (node) {
      var key = node.getAttribute("data-error-for");
      var messages = errors[key] || [];
      node.textContent = messages.join("；");
      var input = form.querySelector('[data-key="' + key + '"]');
      if (input) { input.classList.toggle("is-invalid", messages.length > 0); }
    });
  }

  function autosave() {
    if (stopped) { return; }
    if (saving) { again = true; return; }
    saving = true;
    setStatus("正在保存…");
    var body = new FormData(form);
    body.delete("action");
    window.eduFetch(form.getAttribute("data-autosave"), { method: "POST", body: body, headers: { "Accept": "application/json" } })
      .then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, status: response.status, data: data }; });
      })
      .then(function (result) {
        if (!result.ok) {
          var message = (result.data.error && result.data.error.message) || "自动保存失败";
          if (result.status === 409) {
            stopped = true;
            var banner = document.getElementById("conflict-banner");
            banner.textContent = message;
            banner.classList.remove("d-none");
            setStatus("已停止自动保存", "text-danger");
          } else {
            setStatus(message, "text-danger");
          }
          return;
        }
        var data = result.data;
        versionInput.value = data.version;
        document.getElementById("version-label").textContent = data.version;
        Object.keys(data.computed || {}).forEach(function (key) {
          var input = form.querySelector('input[data-key="' + key + '"]');
          if (input) { input.value = data.computed[key] == null ? "" : data.computed[key]; }
        });
        showErrors(data.errors || {});
        var bad = Object.keys(data.errors || {}).length;
        var time = new Date().toLocaleTimeString("zh-CN", { hour12: false });
        setStatus(bad ? "草稿已保存（" + time + "），" + bad + " 处格式不正确未保存" : "草稿已自动保存 " + time,
          bad ? "text-warning" : "text-success");
      })
      .catch(function () { setStatus("网络异常，稍后重试", "text-danger"); })
      .then(function () {
        saving = false;
        if (again) { again = false; schedule(); }
      });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(autosave, 1500);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  form.addEventListener("submit", function () { window.clearTimeout(timer); stopped = true; });

  function renumber(tbody, code) {
    Array.prototype.forEach.call(tbody.querySelectorAll("tr[data-row]"), function (row, index) {
      var number = index + 1;
      row.querySelector(".row-number").textContent = number;
      row.querySelectorAll("[name^='v:" + code + ".'], [data-key^='" + code + ".'], [data-error-for^='" + code + ".']").forEach(function (node) {
        ["name", "data-key", "data-error-for", "id"].forEach(function (attr) {
          var value = node.getAttribute(attr);
          if (value) { node.setAttribute(attr, value.replace(new RegExp("^((?:v:|in-)?" + code + ")\\.\\d+\\."), "$1." + number + ".")); }
        });
      });
    });
  }

  form.querySelectorAll("[data-table]").forEach(function (block) {
    var code = block.getAttribute("data-table");
    var tbody = block.querySelector("tbody");
    var add = block.querySelector(".add-row");
    if (add) {
      add.addEventListener("click", function () {
        var rows = tbody.querySelectorAll("tr[data-row]");
        if (rows.length >= Number(add.getAttribute("data-max"))) { return; }
        var copy = rows[rows.length - 1].cloneNode(true);
        copy.querySelectorAll("input, select, textarea").forEach(function (input) {
          input.value = "";
          input.classList.remove("is-invalid");
        });
        copy.querySelectorAll("[data-error-for]").forEach(function (node) { node.textContent = ""; });
        tbody.appendChild(copy);
        renumber(tbody, code);
      });
    }
    tbody.addEventListener("click", function (event) {
      if (!event.target.classList.contains("remove-row")) { return; }
      var rows = tbody.querySelectorAll("tr[data-row]");
      var row = event.target.closest("tr");
      if (rows.length === 1) {
        row.querySelectorAll("input, select, textarea").forEach(function (input) { input.value = ""; });
      } else {
        row.remove();
      }
      renumber(tbody, code);
      schedule();
    });
  });
})();
