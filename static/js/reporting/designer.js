// 报表模板设计器: edits the template definition (sections → fields, rules) and saves it through the API.
// The server checks everything (codes, formulas, rules) and answers errors by path; they are shown here.
(function () {
  "use strict";
  var dataNode = document.getElementById("designer-data");
  if (!dataNode) { return; }
  var boot = JSON.parse(dataNode.textContent);
  var def = boot.definition || { sections: [], rules: [] };
  def.sections = def.sections || [];
  def.rules = def.rules || [];
  var selected = null; // [sectionIndex, fieldIndex]
  var errors = {};

  var TYPES = [["integer", "整数"], ["decimal", "小数"], ["text", "文本"], ["textarea", "长文本"], ["date", "日期"],
    ["select", "单选"], ["multiselect", "多选"], ["file", "附件"], ["table", "表格"]];
  var COLUMN_TYPES = TYPES.filter(function (t) { return ["integer", "decimal", "text", "date", "select"].indexOf(t[0]) >= 0; });
  var typeLabel = {};
  TYPES.forEach(function (t) { typeLabel[t[0]] = t[1]; });

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attrs[key]; }
      else if (key === "class") { node.className = attrs[key]; }
      else if (key.indexOf("on") === 0) { node.addEventListener(key.slice(2), attrs[key]); }
      else { node.setAttribute(key, attrs[key]); }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }

  function status(kind, message) {
    var box = document.getElementById("designer-status");
    box.className = "alert alert-" + kind;
    box.textContent = message;
  }

  function nextCode(prefix) {
    var used = {};
    def.sections.forEach(function (s) { s.fields.forEach(function (f) { used[f.code] = true; }); });
    for (var i = 1; ; i++) { if (!used[prefix + i]) { return prefix + i; } }
  }

  function errorsUnder(path) {
    return Object.keys(errors).filter(function (key) { return key === path || key.indexOf(path + ".") === 0; })
      .map(function (key) { return key.slice(path.length + 1) + (key === path ? "" : "：") + errors[key].join("；"); });
  }

  function renderSections() {
    var root = document.getElementById("sections");
    root.textContent = "";
    def.sections.forEach(function (section, si) {
      var list = el("ul", { class: "list-group list-group-flush" });
      section.fields.forEach(function (field, fi) {
        var path = "sections." + si + ".fields." + fi;
        var problems = errorsUnder(path);
        var active = selected && selected[0] === si && selected[1] === fi;
        list.appendChild(el("li", {
          class: "list-group-item d-flex align-items-center gap-2 designer-field" + (active ? " active" : "") +
            (problems.length ? " list-group-item-danger" : ""),
          "data-code": field.code, onclick: function () { selected = [si, fi]; render(); }
        }, [
          el("span", { class: "badge bg-secondary", text: typeLabel[field.type] || field.type }),
          el("span", { class: "flex-grow-1", text: field.label + (field.formula ? "  = " + field.formula : "") }),
          el("code", { class: "small", text: field.code }),
          el("button", { class: "btn btn-sm btn-link", type: "button", title: "上移", text: "↑", onclick: function (e) {
            e.stopPropagation(); move(section.fields, fi, -1); } }),
          el("button", { class: "btn btn-sm btn-link", type: "button", title: "下移", text: "↓", onclick: function (e) {
            e.stopPropagation(); move(section.fields, fi, 1); } }),
          el("button", { class: "btn btn-sm btn-link text-danger", type: "button", title: "删除", text: "删除",
            onclick: function (e) { e.stopPropagation(); section.fields.splice(fi, 1); selected = null; render(); } })
        ]));
        if (problems.length) { list.appendChild(el("li", { class: "list-group-item small text-danger", text: problems.join("；") })); }
      });
      var typeSelect = el("select", { class: "form-select form-select-sm w-auto", "aria-label": "字段类型" },
        TYPES.map(function (t) { return el("option", { value: t[0], text: t[1] }); }));
      var titleInput = el("input", { class: "form-control form-control-sm fw-bold", value: section.title,
        "aria-label": "分区标题", oninput: function (e) { section.title = e.target.value; } });
      root.appendChild(el("div", { class: "card mb-3", "data-section": si }, [
        el("div", { class: "card-header d-flex gap-2 align-items-center" }, [titleInput,
          el("button", { class: "btn btn-sm btn-outline-danger", type: "button", text: "删除分区", onclick: function () {
            if (section.fields.length && !window.confirm("删除分区及其中的字段？")) { return; }
            def.sections.splice(si, 1); selected = null; render(); } })]),
        list,
        el("div", { class: "card-body d-flex gap-2 py-2" }, [typeSelect,
          el("button", { class: "btn btn-sm btn-outline-primary add-field", type: "button", text: "添加字段", onclick: function () {
            var type = typeSelect.value;
            var field = { code: nextCode(type === "table" ? "table" : "f"), label: "新" + typeLabel[type], type: type };
            if (type === "select" || type === "multiselect") { field.options = [{ value: "1", label: "选项一" }, { value: "2", label: "选项二" }]; }
            if (type === "table") { field.columns = [{ code: "c1", label: "列一", type: "integer" }]; field.rows = []; field.rules = []; }
            section.fields.push(field);
            selected = [si, section.fields.length - 1];
            render();
          } })])
      ]));
    });
  }

  function move(list, index, step) {
    var target = index + step;
    if (target < 0 || target >= list.length) { return; }
    var item = list.splice(index, 1)[0];
    list.splice(target, 0, item);
    if (selected) { selected[1] = target; }
    render();
  }

  function input(label, value, onchange, attrs) {
    var id = "fe-" + label.replace(/\W/g, "") + Math.random().toString(36).slice(2, 7);
    var field = el("input", Object.assign({ class: "form-control form-control-sm", id: id, value: value == null ? "" : value,
      oninput: function (e) { onchange(e.target.value); } }, attrs || {}));
    return el("div", { class: "mb-2" }, [el("label", { class: "form-label small mb-0", for: id, text: label }), field]);
  }

  function numberOrNull(text) { return text === "" ? null : Number(text); }

  function linesToPairs(text, keyName, valueName) {
    return text.split("\n").map(function (line) { return line.trim(); }).filter(Boolean).map(function (line) {
      var parts = line.split(/[=＝]/);
      var item = {};
      item[keyName] = parts[0].trim();
      item[valueName] = (parts.length > 1 ? parts.slice(1).join("=") : parts[0]).trim();
      return item;
    });
  }

  function pairsToLines(items, keyName, valueName) {
    return (items || []).map(function (item) { return item[keyName] + "=" + item[valueName]; }).join("\n");
  }

  function textarea(label, value, onchange, help) {
    var id = "fe-" + Math.random().toString(36).slice(2, 9);
    return el("div", { class: "mb-2" }, [el("label", { class: "form-label small mb-0", for: id, text: label }),
      el("textarea", { class: "form-control form-control-sm font-monospace", id: id, rows: "3",
        oninput: function (e) { onchange(e.target.value); } }, [document.createTextNode(value || "")]),
      help ? el("div", { class: "form-text", text: help }) : null]);
  }

  var builder = window.eduExpressionBuilder;
  function currentDefinition() { return def; }

  function propertyInputs(field, isColumn, table) {
    var typeId = "fe-type-" + Math.random().toString(36).slice(2, 9);
    var nodes = [
      input("中文名称", field.label, function (v) { field.label = v; renderSectionsSoon(); }),
      input("代码", field.code, function (v) { field.code = v; renderSectionsSoon(); }, { "data-prop": "code" }),
      el("div", { class: "mb-2" }, [el("label", { class: "form-label small mb-0", for: typeId, text: "类型" }),
        el("select", { class: "form-select form-select-sm", id: typeId, "data-prop": "type", onchange: function (e) {
          field.type = e.target.value;
          if ((field.type === "select" || field.type === "multiselect") && !(field.options || []).length) {
            field.options = [{ value: "1", label: "选项一" }];
          }
          if (field.type === "table" && !field.columns) { field.columns = [{ code: "c1", label: "列一", type: "integer" }]; field.rows = []; field.rules = []; }
          render();
        } }, (isColumn ? COLUMN_TYPES : TYPES).map(function (t) {
          var option = el("option", { value: t[0], text: t[1] });
          if (t[0] === field.type) { option.selected = true; }
          return option;
        }))])
    ];
    if (field.type !== "table") {
      nodes.push(input("单位", field.unit, function (v) { field.unit = v || null; }));
      var req = el("input", { type: "checkbox", class: "form-check-input", id: "fe-required" + (isColumn ? field.code : ""),
        onchange: function (e) { field.required = e.target.checked; } });
      req.checked = !!field.required;
      nodes.push(el("div", { class: "form-check mb-2" }, [req, el("label", { class: "form-check-label small",
        for: req.id, text: "必填" })]));
    }
    if (field.type === "integer" || field.type === "decimal") {
      nodes.push(el("div", { class: "row g-2" }, [
        el("div", { class: "col" }, [input("最小值", field.min, function (v) { field.min = numberOrNull(v); }, { type: "number" })]),
        el("div", { class: "col" }, [input("最大值", field.max, function (v) { field.max = numberOrNull(v); }, { type: "number" })])]));
      if (field.type === "decimal") {
        nodes.push(input("小数位数", field.decimals == null ? 2 : field.decimals, function (v) { field.decimals = numberOrNull(v); }, { type: "number", min: "0", max: "6" }));
      }
      var formulaBox = input("计算公式（留空则由学校填写）", field.formula, function (v) { field.formula = v || null; },
        { placeholder: isColumn ? "如 boys + girls" : "如 sum(grades.total)", "data-prop": "formula" });
      if (builder) {
        formulaBox.appendChild(builder.formula(formulaBox.querySelector("input"), { url: boot.describe_url,
          definition: currentDefinition, table: isColumn && table ? table.code : null, exclude: field.code,
          functions: boot.functions }));
      }
      nodes.push(formulaBox);
    }
    if (field.type === "text" || field.type === "textarea") {
      nodes.push(input("最多字数", field.max_length, function (v) { field.max_length = numberOrNull(v); }, { type: "number" }));
    }
    if (field.type === "date") {
      nodes.push(input("最早日期", field.min_date, function (v) { field.min_date = v || null; }, { type: "date" }));
      nodes.push(input("最晚日期", field.max_date, function (v) { field.max_date = v || null; }, { type: "date" }));
    }
    if (field.type === "select" || field.type === "multiselect") {
      nodes.push(textarea("选项（每行一个：值=名称）", pairsToLines(field.options, "value", "label"), function (v) {
        field.options = linesToPairs(v, "value", "label"); }));
    }
    if (field.type !== "table") {
      nodes.push(input("填写说明", field.help, function (v) { field.help = v || null; }));
    }
    return nodes;
  }

  function renderEditor() {
    var box = document.getElementById("field-editor");
    box.textContent = "";
    if (!selected || !def.sections[selected[0]] || !def.sections[selected[0]].fields[selected[1]]) {
      box.appendChild(el("p", { class: "text-muted m-0", text: "点击左侧字段进行编辑" }));
      return;
    }
    var field = def.sections[selected[0]].fields[selected[1]];
    box.appendChild(el("h2", { class: "h6", text: "字段属性" }));
    propertyInputs(field, false).forEach(function (node) { box.appendChild(node); });
    if (field.type !== "table") { return; }
    box.appendChild(textarea("固定行（每行一个：行代码=行名称；留空则由学校自行添加行）", pairsToLines(field.rows, "code", "label"),
      function (v) { field.rows = linesToPairs(v, "code", "label"); }, "如 g1=一年级"));
    box.appendChild(el("div", { class: "row g-2" }, [
      el("div", { class: "col" }, [input("最少行数", field.min_rows, function (v) { field.min_rows = numberOrNull(v); }, { type: "number" })]),
      el("div", { class: "col" }, [input("最多行数", field.max_rows, function (v) { field.max_rows = numberOrNull(v); }, { type: "number" })])]));
    field.rules = field.rules || [];
    var rowRules = el("div", { class: "table-rules" });
    box.appendChild(el("h3", { class: "h6 mt-3", text: "每行的校验规则" }));
    box.appendChild(el("p", { class: "small text-muted mb-1", text: "每一行都须满足的条件，用本表的列（同一行）和其他字段" }));
    box.appendChild(rowRules);
    ruleRows(rowRules, field.rules, "sections." + selected[0] + ".fields." + selected[1] + ".rules.", field.code);
    box.appendChild(el("button", { class: "btn btn-sm btn-outline-primary add-row-rule", type: "button", text: "添加每行规则",
      onclick: function () { field.rules.push({ expression: "", message: "", importance: "medium" }); render(); } }));
    box.appendChild(el("h3", { class: "h6 mt-3", text: "列" }));
    (field.columns || []).forEach(function (column, ci) {
      var card = el("div", { class: "border rounded p-2 mb-2" }, propertyInputs(column, true, field));
      card.appendChild(el("button", { class: "btn btn-sm btn-outline-danger", type: "button", text: "删除此列",
        onclick: function () { field.columns.splice(ci, 1); render(); } }));
      box.appendChild(card);
    });
    box.appendChild(el("button", { class: "btn btn-sm btn-outline-primary", type: "button", text: "添加列", onclick: function () {
      field.columns.push({ code: "c" + (field.columns.length + 1), label: "新列", type: "integer" }); render(); } }));
    var problems = errorsUnder("sections." + selected[0] + ".fields." + selected[1]);
    if (problems.length) { box.appendChild(el("div", { class: "alert alert-danger mt-2 small", text: problems.join("；") })); }
  }

  // Rule rows (the template's cross-field rules, or a table's row rules when ``table`` is given): the
  // stored condition, its message, and the builder (左边 · 比较 · 右边) writing into the condition.
  var IMPORTANCE = [["high", "高"], ["medium", "中"], ["low", "低"]];

  function ruleRows(root, rules, path, table) {
    root.textContent = "";
    rules.forEach(function (rule, ri) {
      var problems = errorsUnder(path + ri);
      var expression = el("input", { class: "form-control form-control-sm font-monospace rule-expression" + (problems.length ? " is-invalid" : ""),
          value: rule.expression || "", placeholder: table ? "条件，如 girls <= total" : "条件，如 teachers_female <= teachers_total",
          "aria-label": table ? "每行的规则条件" : "规则条件",
          oninput: function (e) { rule.expression = e.target.value; } });
      // 重要程度 (DHIS2's importance): shown to the school beside a violation, orders the violations.
      var importance = el("select", { class: "form-select form-select-sm rule-importance" +
          (errorsUnder(path + ri + ".importance").length ? " is-invalid" : ""), "aria-label": "重要程度",
          title: "重要程度：显示在违反的规则旁，并按高、中、低排序（每条规则都须满足才能上报）",
          onchange: function (e) { rule.importance = e.target.value; } },
        IMPORTANCE.map(function (option) {
          var node = el("option", { value: option[0], text: "重要程度：" + option[1] });
          if ((rule.importance || "medium") === option[0]) { node.selected = true; }
          return node;
        }));
      var row = el("div", { class: "row g-2 mb-3 align-items-start rule-row" }, [
        el("div", { class: table ? "col-12" : "col-6" }, [expression,
          problems.length ? el("div", { class: "invalid-feedback", text: problems.join("；") }) : null]),
        el("div", { class: table ? "col-7" : "col-3" }, [el("input", { class: "form-control form-control-sm", value: rule.message || "",
          placeholder: "不满足时的提示", "aria-label": "提示", oninput: function (e) { rule.message = e.target.value; } })]),
        el("div", { class: table ? "col-3" : "col-2" }, [importance]),
        el("div", { class: table ? "col-2" : "col-1" }, [el("button", { class: "btn btn-sm btn-link text-danger", type: "button", text: "删除",
          onclick: function () { rules.splice(ri, 1); render(); } })])
      ]);
      if (builder) {
        row.appendChild(el("div", { class: "col-12" }, [builder.rule(expression, { url: boot.describe_url,
          definition: currentDefinition, functions: boot.functions, table: table || null })]));
      }
      root.appendChild(row);
    });
  }

  function renderRules() {
    ruleRows(document.getElementById("rules"), def.rules, "rules.", null);
  }

  var pending = null;
  function renderSectionsSoon() {
    window.clearTimeout(pending);
    pending = window.setTimeout(renderSections, 400);
  }

  // The form as the school will see it, rendered by the server from the unsaved definition.
  var previewTimer = null, previewAsked = 0;
  function schedulePreview() {
    var box = document.getElementById("preview");
    if (!box || !boot.preview_url) { return; }
    window.clearTimeout(previewTimer);
    previewTimer = window.setTimeout(function () {
      var mine = ++previewAsked;
      window.eduFetch(boot.preview_url, { method: "POST", headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify({ definition: def }) })
        .then(function (response) { return response.json().then(function (body) { return { ok: response.ok, body: body }; }); })
        .then(function (answer) {
          if (mine !== previewAsked) { return; }
          if (answer.ok) { box.innerHTML = answer.body.html; }  // rendered (and escaped) by the server
          else {
            box.textContent = "";
            box.appendChild(el("div", { class: "alert alert-warning small mb-0", id: "preview-problems",
              text: "暂时无法预览：" + ((answer.body.error && answer.body.error.message) || "模板定义有误") }));
          }
          box.setAttribute("data-version", String(mine));
        }).catch(function () {});
    }, 500);
  }
  ["sections", "field-editor", "rules"].forEach(function (id) {
    var node = document.getElementById(id);
    if (!node) { return; }
    node.addEventListener("input", schedulePreview);
    node.addEventListener("change", schedulePreview);
  });

  function render() {
    document.getElementById("designer-version").textContent =
      boot.draft_version ? "编辑草稿 V" + boot.draft_version : (boot.published ? "基于 V" + boot.published + " 编辑（保存后成为新草稿）" : "");
    renderSections();
    renderEditor();
    renderRules();
    schedulePreview();
  }

  function save() {
    // Check first (always answers 200), so that a definition with problems is shown, not refused.
    return window.eduFetch("/api/v1/report-templates/" + boot.template_id + "/check", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ definition: def })
    }).then(function (response) { return response.json(); }).then(function (check) {
      if (check.valid === false) {
        errors = check.errors || {};
        status("danger", (check.message || "模板定义有误") + "：共 " + Object.keys(errors).length + " 处问题，已在对应字段下标出");
        render();
        throw new Error("invalid");
      }
      return store();
    });
  }

  function store() {
    return window.eduFetch("/api/v1/report-templates/" + boot.template_id + "/draft", {
      method: "PUT", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ definition: def, version: boot.draft_version })
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) {
          errors = (body.error && body.error.fields) || {};
          status("danger", ((body.error && body.error.message) || "保存失败") + "：共 " + Object.keys(errors).length + " 处问题，已在对应字段下标出");
          render();
          throw new Error("invalid");
        }
        errors = {};
        boot.draft_version = body.number;
        def = body.definition;
        status("success", "草稿 V" + body.number + " 已保存（" + body.field_count + " 个字段）");
        render();
        return body;
      });
    });
  }

  document.getElementById("save-draft").addEventListener("click", function () { save().catch(function () {}); });
  document.getElementById("publish").addEventListener("click", function () {
    save().then(function () {
      if (!window.confirm("发布后此版本将冻结，确定发布？")) { return; }
      return window.eduFetch("/api/v1/report-templates/" + boot.template_id + "/publish", { method: "POST" })
        .then(function (response) { return response.json().then(function (body) {
          if (!response.ok) { status("danger", body.error.message); return; }
          status("success", "已发布 V" + body.number);
          boot.published = body.number; boot.draft_version = null;
          render();
        }); });
    }).catch(function () {});
  });
  document.getElementById("add-section").addEventListener("click", function () {
    def.sections.push({ title: "新分区", fields: [] }); render();
  });
  document.getElementById("add-rule").addEventListener("click", function () {
    def.rules.push({ expression: "", message: "", importance: "medium" }); render();
  });
  render();
})();
