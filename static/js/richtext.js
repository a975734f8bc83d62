/* Rich-text fields: a <textarea data-rich-text> becomes a Quill editor (static/vendor/quill-2.0.3).
 * The textarea stays the form's field: the editor writes its HTML into it (on every change and on
 * submit), so the form works the same without this script. The server sanitises what arrives
 * (core/text/richtext.py). Pictures — from the toolbar, pasted or dropped — are uploaded to
 * data-upload-url (default /editor/images) and inserted by the URL it answers. */
(function () {
  "use strict";
  if (!window.Quill) { return; }

  var LABELS = {
    "header": "段落格式", "bold": "加粗", "italic": "倾斜", "underline": "下划线", "strike": "删除线",
    "list:ordered": "编号列表", "list:bullet": "项目符号列表", "indent:-1": "减少缩进", "indent:+1": "增加缩进",
    "blockquote": "引用", "code-block": "代码块", "link": "插入链接", "image": "插入图片", "clean": "清除格式",
    "table": "插入表格（3 行 3 列）", "table-row": "在下方插入行", "table-column": "在右侧插入列",
    "table-delete": "删除表格"
  };
  // Buttons of Quill's table module (quill/modules/table) have no icon: a word, part of their name.
  var TABLE_TEXT = { "table": "表格", "table-row": "插入行", "table-column": "插入列", "table-delete": "删除表格" };
  var HEADINGS = { "2": "标题 2", "3": "标题 3", "4": "标题 4", "": "正文" };
  var TOOLBAR = [
    [{ header: [2, 3, 4, false] }],
    ["bold", "italic", "underline", "strike"],
    [{ list: "ordered" }, { list: "bullet" }, { indent: "-1" }, { indent: "+1" }],
    ["blockquote", "code-block", "link", "image"],
    ["table", "table-row", "table-column", "table-delete"],
    ["clean"]
  ];
  var IMAGE_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp"];

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function uploadImage(url, file) {
    var body = new FormData();
    body.append("file", file, file.name || "image.png");
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok || !data.url) {
          throw new Error((data.error && data.error.message) || "图片上传失败，请稍后再试");
        }
        return data.url;
      });
    });
  }

  function labelControls(toolbar) {
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-label", "格式工具栏");
    toolbar.querySelectorAll("button").forEach(function (button) {
      var format = Array.prototype.find.call(button.classList, function (c) { return c.indexOf("ql-") === 0; });
      if (!format) { return; }
      format = format.slice(3);
      var value = button.getAttribute("value");
      var label = LABELS[value ? format + ":" + value : format] || LABELS[format];
      if (label) { button.setAttribute("aria-label", label); button.setAttribute("title", label); }
      if (TABLE_TEXT[format] && !button.querySelector("svg")) {
        button.textContent = TABLE_TEXT[format];
        button.classList.add("rich-text-word");
      }
    });
    toolbar.querySelectorAll(".ql-picker.ql-header").forEach(function (picker) {
      var label = picker.querySelector(".ql-picker-label");
      if (label) { label.setAttribute("aria-label", LABELS.header); label.setAttribute("title", LABELS.header); }
      picker.querySelectorAll(".ql-picker-item").forEach(function (item) {
        item.setAttribute("aria-label", HEADINGS[item.getAttribute("data-value") || ""] || "正文");
      });
    });
  }

  function enhance(textarea) {
    var uploadUrl = textarea.getAttribute("data-upload-url") || "/editor/images";
    var holder = document.createElement("div");
    holder.className = "rich-text-editor";
    var area = document.createElement("div");
    area.style.minHeight = (Math.max(parseInt(textarea.getAttribute("rows") || "6", 10), 4) * 1.6) + "em";
    var status = document.createElement("div");
    status.className = "rich-text-status small text-danger mt-1";
    status.setAttribute("role", "alert");
    holder.appendChild(area);
    textarea.parentNode.insertBefore(holder, textarea.nextSibling);
    textarea.parentNode.insertBefore(status, holder.nextSibling);
    textarea.hidden = true;
    var required = textarea.required;
    textarea.required = false;

    var quill;
    function insertImages(range, files) {
      var at = range ? range.index : quill.getLength();
      status.textContent = "";
      files.forEach(function (file) {
        if (IMAGE_TYPES.indexOf(file.type) < 0) {
          status.textContent = "只能插入 PNG、JPEG、GIF 或 WebP 图片";
          return;
        }
        uploadImage(uploadUrl, file).then(function (url) {
          quill.insertEmbed(at, "image", url, "user");
          at += 1;
          quill.setSelection(at, 0, "silent");
        }).catch(function (error) { status.textContent = error.message; });
      });
    }
    quill = new window.Quill(area, {
      theme: "snow",
      placeholder: textarea.getAttribute("placeholder") || "请输入内容…",
      modules: {
        table: true,
        toolbar: {
          container: TOOLBAR,
          handlers: {
            // Inside a table the row/column buttons act on the cell the cursor is in; elsewhere nothing.
            "table": function () { quill.getModule("table").insertTable(3, 3); },
            "table-row": function () { quill.getModule("table").insertRowBelow(); },
            "table-column": function () { quill.getModule("table").insertColumnRight(); },
            "table-delete": function () { quill.getModule("table").deleteTable(); },
            image: function () {
              var input = document.createElement("input");
              input.type = "file";
              input.accept = IMAGE_TYPES.join(",");
              input.className = "rich-text-file";
              input.hidden = true;
              input.addEventListener("change", function () {
                insertImages(quill.getSelection(true), Array.prototype.slice.call(input.files || []));
                input.remove();
              });
              holder.appendChild(input);
              input.click();
            }
          }
        },
        uploader: { mimetypes: IMAGE_TYPES, handler: function (range, files) { insertImages(range, files); } }
      }
    });
    var saved = textarea.value.trim();
    if (saved && !/[<&]/.test(saved)) {
      quill.setText(saved, "silent");  // a plain-text row from before the editor: keep its lines
    } else if (saved) {
      quill.clipboard.dangerouslyPasteHTML(saved, "silent");  // the server cleaned it when it was saved
    }
    var label = textarea.id && document.querySelector('label[for="' + textarea.id + '"]');
    if (label) {
      if (!label.id) { label.id = textarea.id + "-label"; }
      quill.root.setAttribute("aria-labelledby", label.id);
      label.addEventListener("click", function () { quill.focus(); });
    } else {
      quill.root.setAttribute("aria-label", "正文");
    }
    quill.root.setAttribute("role", "textbox");
    quill.root.setAttribute("aria-multiline", "true");
    quill.root.id = (textarea.id || "rich") + "-editor";
    var tooltipInput = holder.querySelector(".ql-tooltip input[type=text]");
    if (tooltipInput) {
      tooltipInput.setAttribute("aria-label", "链接地址");
      tooltipInput.setAttribute("data-link", "https://");
    }
    labelControls(holder.parentNode.querySelector(".ql-toolbar"));

    // Pasted HTML (a page, a word processor) may carry pictures as data: URLs; the server keeps
    // only pictures stored here, so each is uploaded and its URL put in its place.
    var adopting = new WeakSet();
    function adoptInlineImages() {
      quill.root.querySelectorAll('img[src^="data:image/"]').forEach(function (img) {
        if (adopting.has(img)) { return; }
        adopting.add(img);
        var match = /^data:(image\/[a-z+.-]+);base64,(.*)$/i.exec(img.getAttribute("src"));
        var file = null;
        if (match && IMAGE_TYPES.indexOf(match[1].toLowerCase()) >= 0) {
          try {
            var raw = atob(match[2]);
            var bytes = new Uint8Array(raw.length);
            for (var i = 0; i < raw.length; i += 1) { bytes[i] = raw.charCodeAt(i); }
            file = new File([bytes], "粘贴的图片." + match[1].split("/")[1].replace("jpeg", "jpg"), { type: match[1] });
          } catch (error) { file = null; }
        }
        var replace = function (url) {
          var blot = window.Quill.find(img);
          if (!blot) { return; }
          var index = quill.getIndex(blot);
          quill.deleteText(index, 1, "silent");
          if (url) { quill.insertEmbed(index, "image", url, "user"); } else { quill.update("user"); }
        };
        if (!file) { status.textContent = "只能插入 PNG、JPEG、GIF 或 WebP 图片"; replace(null); return; }
        uploadImage(uploadUrl, file).then(replace).catch(function (error) {
          status.textContent = error.message;
          replace(null);
        });
      });
    }

    function sync() {
      var empty = quill.getText().trim() === "" && !quill.root.querySelector("img");
      textarea.value = empty ? "" : quill.root.innerHTML;
      return empty;
    }
    quill.on("text-change", function () { adoptInlineImages(); sync(); });
    if (textarea.form) {
      textarea.form.addEventListener("submit", function (event) {
        if (sync() && required) {
          event.preventDefault();
          status.textContent = "请填写此项";
          quill.focus();
        }
      });
    }
    textarea.richTextEditor = quill;
  }

  document.querySelectorAll("textarea[data-rich-text]").forEach(enhance);
})();
