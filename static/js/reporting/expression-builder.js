// 公式与规则的可视化编辑: picks of fields (by label, grouped by section), numbers, operators and the
// functions the expression language accepts, written as the stored expression text into the ordinary
// text field (which still works on its own); beside it the server says the expression in words.
(function () {
  "use strict";

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

  var NUMERIC = { integer: true, decimal: true };
  var OPERATORS = [["+", "＋", "加"], ["-", "－", "减"], ["*", "×", "乘"], ["/", "÷", "除以"],
    ["(", "（", "左括号"], [")", "）", "右括号"], [",", "，", "参数分隔"]];
  //: the comparison of a rule: stored form, shown symbol, words
  var RELATIONS = [["<=", "≤ 不大于"], ["<", "< 小于"], ["==", "= 等于"], [">=", "≥ 不小于"], [">", "> 大于"],
    ["!=", "≠ 不等于"]];
  var SPELLINGS = { "<=": "<=", "≤": "<=", "<": "<", "==": "==", "=": "==", ">=": ">=", "≥": ">=", ">": ">",
    "!=": "!=", "≠": "!=", "<>": "!=" };

  // The fields an expression may read, as <optgroup>s of the sections: labels shown, codes in a tooltip.
  function fieldGroups(def, opts) {
    var groups = [];
    var numericOnly = opts.purpose === "formula";
    if (opts.table) {
      var own = null;
      def.sections.forEach(function (s) { s.fields.forEach(function (f) { if (f.code === opts.table) { own = f; } }); });
      if (own) {
        groups.push({ label: "本表「" + own.label + "」的列（同一行）", items: (own.columns || []).filter(function (c) {
          return (!numericOnly || NUMERIC[c.type]) && c.code !== opts.exclude;
        }).map(function (c) { return { path: c.code, label: c.label }; }) });
      }
    }
    def.sections.forEach(function (section) {
      var items = [];
      section.fields.forEach(function (f) {
        if (f.type === "table") {
          if (opts.table) { return; }
          (f.columns || []).filter(function (c) { return NUMERIC[c.type]; }).forEach(function (c) {
            items.push({ path: f.code + "." + c.code, label: f.label + "各行的" + c.label + "（用于求和等）" });
            (f.rows || []).forEach(function (r) {
              items.push({ path: f.code + "." + r.code + "." + c.code, label: f.label + "·" + r.label + "·" + c.label });
            });
          });
          return;
        }
        if (f.code === opts.exclude || f.type === "file") { return; }
        if (numericOnly && !NUMERIC[f.type]) { return; }
        items.push({ path: f.code, label: f.label });
      });
      if (items.length) { groups.push({ label: section.title || "未命名分区", items: items }); }
    });
    return groups;
  }

  // Append one token to the stored text with the spacing a person would type.
  function append(text, token) {
    text = (text || "").replace(/\s+$/, "");
    if (!text) { return token; }
    var last = text.slice(-1);
    if (last === "(" || token === ")" || token === ",") { return text + token; }
    return text + " " + token;
  }

  function dropLast(text) {
    return (text || "").replace(/\s*(?:[A-Za-z_][A-Za-z0-9_.]*\(?|\d+(?:\.\d+)?|"[^"]*"|<=|>=|==|!=|<>|\S)\s*$/, "");
  }

  // Split "left op right" at its one comparison outside brackets and strings; null when it is not one.
  function splitRule(text) {
    var depth = 0, quote = null, found = null;
    for (var i = 0; i < text.length; i++) {
      var ch = text[i];
      if (quote) { if (ch === quote) { quote = null; } continue; }
      if (ch === '"' || ch === "'") { quote = ch; continue; }
      if (ch === "“") { quote = "”"; continue; }
      if (ch === "(") { depth++; continue; }
      if (ch === ")") { depth--; continue; }
      if (depth !== 0) { continue; }
      if (/[且或非&|!]/.test(ch) && text.slice(i, i + 2) !== "!=") { return null; }
      if (/^(and|or|not)\b/i.test(text.slice(i)) && (i === 0 || /[\s)]/.test(text[i - 1]))) { return null; }
      var two = text.slice(i, i + 2);
      var op = SPELLINGS[two] ? two : (SPELLINGS[ch] ? ch : null);
      if (op) {
        if (found) { return null; }
        found = { at: i, op: op };
        i += op.length - 1;
      }
    }
    if (!found) { return null; }
    return { left: text.slice(0, found.at).trim(), op: SPELLINGS[found.op], right: text.slice(found.at + found.op.length).trim() };
  }

  // Words beside an expression, from the server's one renderer (debounced; the newest answer wins).
  function wordsBox(opts) {
    var box = el("div", { class: "small expr-words mt-1", "aria-live": "polite" });
    var timer = null, asked = 0;
    box.refresh = function (text) {
      window.clearTimeout(timer);
      if (!text || !text.trim()) { box.className = "small expr-words mt-1 text-muted"; box.textContent = opts.empty || ""; return; }
      timer = window.setTimeout(function () {
        var mine = ++asked;
        window.eduFetch(opts.url, { method: "POST", headers: { "Content-Type": "application/json", "Accept": "application/json" },
          body: JSON.stringify({ definition: opts.definition(), expression: text, purpose: opts.purpose, table: opts.table || null }) })
          .then(function (response) { return response.json().then(function (body) { return { ok: response.ok, body: body }; }); })
          .then(function (answer) {
            if (mine !== asked) { return; }
            if (answer.ok && answer.body.valid) {
              box.className = "small expr-words mt-1 text-success-emphasis";
              box.textContent = (opts.prefix || "") + answer.body.text;
            } else {
              box.className = "small expr-words mt-1 text-danger";
              box.textContent = (answer.body.error && answer.body.error.message) || "表达式有误";
            }
          }).catch(function () {});
      }, 300);
    };
    return box;
  }

  // A toolbar that writes into ``target`` (an <input>): field picker, number, operators, functions.
  function toolbar(target, opts) {
    function put(token) {
      target.value = append(target.value, token);
      target.dispatchEvent(new Event("input", { bubbles: true }));
    }
    var picker = el("select", { class: "form-select form-select-sm w-auto pick-field", "aria-label": "插入字段" },
      [el("option", { value: "", text: "插入字段…" })]);
    fieldGroups(opts.definition(), opts).forEach(function (group) {
      picker.appendChild(el("optgroup", { label: group.label }, group.items.map(function (item) {
        return el("option", { value: item.path, title: "代码：" + item.path, text: item.label });
      })));
    });
    picker.addEventListener("change", function () { if (picker.value) { put(picker.value); picker.value = ""; } });
    var number = el("input", { type: "number", step: "any", class: "form-control form-control-sm pick-number",
      style: "width: 6rem", "aria-label": "数字" });
    var functions = null;
    if (opts.functions && opts.functions.length) {
      functions = el("select", { class: "form-select form-select-sm w-auto pick-function", "aria-label": "插入函数" },
        [el("option", { value: "", text: "插入函数…" })].concat(opts.functions.map(function (f) {
          return el("option", { value: f.name, title: f.hint, text: f.label });
        })));
      functions.addEventListener("change", function () { if (functions.value) { put(functions.value + "("); functions.value = ""; } });
    }
    return el("div", { class: "d-flex flex-wrap gap-1 align-items-center expr-toolbar mt-1" }, [picker,
      number, el("button", { type: "button", class: "btn btn-sm btn-outline-secondary pick-number-add", text: "插入数字",
        onclick: function () { if (number.value !== "") { put(String(Number(number.value))); number.value = ""; } } })]
      .concat(OPERATORS.map(function (op) {
        return el("button", { type: "button", class: "btn btn-sm btn-outline-secondary pick-op", "data-op": op[0],
          title: op[2], "aria-label": op[2], text: op[1], onclick: function () { put(op[0]); } });
      }))
      .concat([functions,
        el("button", { type: "button", class: "btn btn-sm btn-outline-secondary", text: "退格", title: "删去最后一项",
          onclick: function () { target.value = dropLast(target.value); target.dispatchEvent(new Event("input", { bubbles: true })); } }),
        el("button", { type: "button", class: "btn btn-sm btn-outline-secondary", text: "清空",
          onclick: function () { target.value = ""; target.dispatchEvent(new Event("input", { bubbles: true })); } })]));
  }

  // A computed field's formula: the toolbar writes into its stored text field, the words follow.
  function formula(input, opts) {
    var words = wordsBox({ url: opts.url, definition: opts.definition, purpose: "formula", table: opts.table,
      prefix: "学校看到：自动计算：", empty: "留空则由学校填写" });
    input.addEventListener("input", function () { words.refresh(input.value); });
    words.refresh(input.value);
    var bar = toolbar(input, { definition: opts.definition, purpose: "formula", table: opts.table,
      exclude: opts.exclude, functions: opts.functions });
    return el("div", { class: "formula-builder" }, [bar, words]);
  }

  // A rule: left expression, comparison, right expression — composed into the stored condition.
  function rule(input, opts) {
    var ids = "rb-" + Math.random().toString(36).slice(2, 8);
    var left = el("input", { class: "form-control form-control-sm font-monospace rule-left", id: ids + "-l" });
    var right = el("input", { class: "form-control form-control-sm font-monospace rule-right", id: ids + "-r" });
    var op = el("select", { class: "form-select form-select-sm rule-op", id: ids + "-o" },
      RELATIONS.map(function (r) { return el("option", { value: r[0], text: r[1] }); }));
    var note = el("div", { class: "small text-muted rule-note" });
    var words = wordsBox({ url: opts.url, definition: opts.definition, purpose: "rule", table: opts.table,
      prefix: "学校看到：", empty: "" });

    function load() {
      var parts = input.value.trim() ? splitRule(input.value) : { left: "", op: "<=", right: "" };
      note.textContent = parts ? "" : "这条条件不是“左边 比较 右边”的形式（如含 且/或），请直接修改上面的文本；在下面编辑将替换它。";
      if (parts) { left.value = parts.left; right.value = parts.right; op.value = parts.op; }
      else { left.value = ""; right.value = ""; }
    }
    function compose() {
      if (!left.value.trim() && !right.value.trim()) { return; }
      input.value = left.value.trim() + " " + op.value + " " + right.value.trim();
      note.textContent = "";
      input.dispatchEvent(new Event("input", { bubbles: true }));
    }
    input.addEventListener("input", function () { words.refresh(input.value); });
    input.addEventListener("change", load);
    [left, right].forEach(function (side) { side.addEventListener("input", compose); });
    op.addEventListener("change", compose);
    load();
    words.refresh(input.value);
    var sideOpts = { definition: opts.definition, purpose: "rule", table: opts.table, functions: opts.functions };
    function side(label, node) {
      return el("div", { class: "col-md-5" }, [el("label", { class: "form-label small mb-0", for: node.id, text: label }),
        node, toolbar(node, sideOpts)]);
    }
    return el("div", { class: "rule-builder border-start ps-2 mt-1" }, [
      el("div", { class: "row g-2 align-items-start" }, [side("左边", left),
        el("div", { class: "col-md-2" }, [el("label", { class: "form-label small mb-0", for: op.id, text: "比较" }), op]),
        side("右边", right)]),
      note, words]);
  }

  window.eduExpressionBuilder = { formula: formula, rule: rule, splitRule: splitRule, append: append };
})();
