// SCORM run-time API adapters for the lesson page: window.API (SCORM 1.2) and window.API_1484_11
// (SCORM 2004). The SCO runs in the iframe below and finds the adapter by walking up window.parent.
// The element table (access, type, vocabularies, ranges) comes from the server, which checks every
// committed value again with the same table; stored data is loaded before the SCO is launched so
// that GetValue answers at once, and resumes where the learner left (cmi.entry = "resume").
(function () {
  "use strict";
  var configNode = document.getElementById("scorm-config");
  if (!configNode) { return; }
  var config = JSON.parse(configNode.textContent);
  var v12 = config.version === "1.2";
  var table = config.elements;
  var frame = document.getElementById("scorm-frame");
  var statusNode = document.getElementById("scorm-status");
  var errorNode = document.getElementById("scorm-error");
  var tokenNode = document.querySelector('meta[name="csrf-token"]');
  var csrf = tokenNode ? tokenNode.getAttribute("content") : "";

  var ERRORS_12 = {"0": "No error", "101": "General exception", "201": "Invalid argument error",
    "202": "Element cannot have children", "203": "Element not an array - cannot have count",
    "301": "Not initialized", "401": "Not implemented error", "402": "Invalid set value, element is a keyword",
    "403": "Element is read only", "404": "Element is write only", "405": "Incorrect data type"};
  var ERRORS_2004 = {"0": "No Error", "101": "General Exception", "102": "General Initialization Failure",
    "103": "Already Initialized", "104": "Content Instance Terminated", "111": "General Termination Failure",
    "112": "Termination Before Initialization", "113": "Termination After Termination",
    "122": "Retrieve Data Before Initialization", "123": "Retrieve Data After Termination",
    "132": "Store Data Before Initialization", "133": "Store Data After Termination",
    "142": "Commit Before Initialization", "143": "Commit After Termination", "201": "General Argument Error",
    "301": "General Get Failure", "351": "General Set Failure", "391": "General Commit Failure",
    "401": "Undefined Data Model Element", "402": "Unimplemented Data Model Element",
    "403": "Data Model Element Value Not Initialized", "404": "Data Model Element Is Read Only",
    "405": "Data Model Element Is Write Only", "406": "Data Model Element Type Mismatch",
    "407": "Data Model Element Value Out Of Range", "408": "Data Model Dependency Not Established"};

  var s = {item: null, values: {}, dirty: {}, initialized: false, terminated: false, error: "0"};

  function code(c12, c2004) { s.error = String(v12 ? c12 : c2004); }

  function request(method, url, body, keepalive) {
    if (keepalive && window.fetch) {
      window.fetch(url, {method: method, credentials: "same-origin", keepalive: true,
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrf}, body: JSON.stringify(body)});
      return null;
    }
    var x = new XMLHttpRequest();
    x.open(method, url, false);   // synchronous: LMSCommit/Terminate must know whether the data is saved
    x.setRequestHeader("Content-Type", "application/json");
    x.setRequestHeader("X-CSRFToken", csrf);
    try { x.send(body ? JSON.stringify(body) : null); } catch (e) { return null; }
    if (x.status < 200 || x.status >= 300) {
      try { errorNode.textContent = JSON.parse(x.responseText).error.message; } catch (e2) { /* keep going */ }
      return null;
    }
    return JSON.parse(x.responseText);
  }

  function patternOf(el) { return el.replace(/\.(\d+)(?=\.|$)/g, ".n"); }

  function countOf(prefix) {
    var seen = {}, n = 0;
    Object.keys(s.values).forEach(function (k) {
      if (k.indexOf(prefix) === 0) {
        var m = /^(\d+)\./.exec(k.slice(prefix.length));
        if (m && !seen[m[1]]) { seen[m[1]] = true; n++; }
      }
    });
    return n;
  }

  // Each array index in `el` must exist already or be the next one (n == _count).
  function checkIndexes(el, setting) {
    var re = /\.(\d+)(?=\.|$)/g, m, result = "ok";
    while ((m = re.exec(el)) !== null) {
      var prefix = el.slice(0, m.index) + ".";
      var index = parseInt(m[1], 10), count = countOf(prefix);
      if (index > count || (!setting && index >= count)) { return "range"; }
      if (index === count) { result = "new"; }
    }
    return result;
  }

  function number(value) { return /^-?\d+(\.\d+)?$/.test(String(value).trim()) ? parseFloat(value) : null; }

  function typeProblem(spec, value) {
    var t = spec.type;
    if (t === "str" || t === "any") { return value.length > (spec.max || 4096) ? "type" : null; }
    if (t === "vocab") { return spec.values.indexOf(value) < 0 ? "type" : null; }
    if (t === "result") { return spec.values.indexOf(value) < 0 && number(value) === null ? "type" : null; }
    if (t === "decimal" || t === "real" || t === "int") {
      if (value === "" && spec.blank) { return null; }
      var n = number(value);
      if (n === null || (t === "int" && !/^-?\d+$/.test(value.trim()))) { return "type"; }
      if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) { return "range"; }
      return null;
    }
    if (t === "timespan") { return /^\d{2,4}:\d{2}:\d{2}(\.\d{1,2})?$/.test(value) ? null : "type"; }
    if (t === "time") { return /^\d{2}:\d{2}:\d{2}(\.\d{1,2})?$/.test(value) ? null : "type"; }
    if (t === "duration") {
      return /^P(?!$)(\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d{1,2})?S)?)?$/.test(value) ? null : "type";
    }
    if (t === "timestamp") { return isNaN(Date.parse(value)) ? "type" : null; }
    if (t === "navrequest") {
      return /^(\{target=[^}]+\}(choice|jump)|continue|previous|exit|exitAll|abandon|abandonAll|suspendAll|_none_)$/
        .test(value) ? null : "type";
    }
    return "type";
  }

  function evaluated(el) {
    // SCORM 2004 RTE 4.2.4.1 / 4.2.22.1: with a threshold or passing score the status follows the measure.
    if (v12) { return undefined; }
    var threshold = number(s.values["cmi.completion_threshold"] || "");
    var measure = number(s.values["cmi.progress_measure"] || "");
    if (el === "cmi.completion_status" && threshold !== null && measure !== null) {
      return measure >= threshold ? "completed" : "incomplete";
    }
    var passing = number(s.values["cmi.scaled_passing_score"] || "");
    var scaled = number(s.values["cmi.score.scaled"] || "");
    if (el === "cmi.success_status" && passing !== null && scaled !== null) {
      return scaled >= passing ? "passed" : "failed";
    }
    return undefined;
  }

  function getValue(el) {
    el = String(el || "");
    if (!s.initialized) { code(301, s.terminated ? 123 : 122); return ""; }
    if (!el) { code(201, 301); return ""; }
    var spec = table[patternOf(el)];
    if (!spec) {
      if (/\._children$/.test(el)) { code(202, 301); return ""; }
      if (/\._count$/.test(el)) { code(203, 301); return ""; }
      code(201, 401); return "";
    }
    if (spec.access === "wo") { code(404, 405); return ""; }
    if (spec.type === "keyword") { code(0, 0); return spec.value; }
    if (spec.type === "count") { code(0, 0); return String(countOf(el.replace(/_count$/, ""))); }
    if (/\.\d+\./.test(el) && checkIndexes(el, false) === "range") { code(201, 301); return ""; }
    var auto = evaluated(el);
    if (auto !== undefined) { code(0, 0); return auto; }
    if (!(el in s.values)) { code(0, 403); return ""; }
    code(0, 0);
    return String(s.values[el]);
  }

  function setValue(el, value) {
    el = String(el || "");
    value = value === null || value === undefined ? "" : String(value);
    if (!s.initialized) { code(301, s.terminated ? 133 : 132); return "false"; }
    if (!el) { code(201, 351); return "false"; }
    var spec = table[patternOf(el)];
    if (!spec) {
      if (/\._(children|count|version)$/.test(el)) { code(402, 404); return "false"; }
      code(201, 401); return "false";
    }
    if (spec.access === "ro") { code(spec.type === "keyword" || spec.type === "count" ? 402 : 403, 404); return "false"; }
    if (/\.\d+\./.test(el)) {
      var where = checkIndexes(el, true);
      if (where === "range") { code(201, 351); return "false"; }
      if (where === "new" && !spec.key) { code(201, 408); return "false"; }
    }
    var problem = typeProblem(spec, value);
    if (problem) { code(405, problem === "range" ? 407 : 406); return "false"; }
    if (v12 && el === "cmi.comments" && s.values[el]) { value = (s.values[el] + value).slice(0, 4096); }
    s.values[el] = value;
    s.dirty[el] = value;
    code(0, 0);
    return "true";
  }

  function show(result) {
    if (!result) { return; }
    if (result.preview) { statusNode.textContent = "预览（不记录）"; return; }
    statusNode.textContent = result.status;
    var status = document.getElementById("lesson-status");
    if (status && result.lesson) {
      status.setAttribute("data-status", result.lesson.status);
      status.innerHTML = result.lesson.status === "completed" ? '<span class="badge text-bg-success">已完成</span>'
        : '<span class="badge text-bg-warning">' + result.lesson.percent + "%</span>";
    }
    var bar = document.getElementById("course-progress");
    if (bar && typeof result.course_percent === "number") {
      bar.style.width = result.course_percent + "%";
      bar.textContent = result.course_percent + "%";
      bar.setAttribute("data-percent", result.course_percent);
      if (result.course_completed) { bar.classList.add("bg-success"); }
    }
  }

  function initialize(arg) {
    if (String(arg || "") !== "") { code(201, 201); return "false"; }
    if (s.terminated && !v12) { code(101, 104); return "false"; }
    if (s.initialized) { code(101, 103); return "false"; }
    var result = request("POST", s.item.cmi_url, {initialize: true, values: {}});
    if (!result) { code(101, 102); return "false"; }
    s.initialized = true;
    s.terminated = false;
    show(result);
    code(0, 0);
    return "true";
  }

  function commit(arg) {
    if (String(arg || "") !== "") { code(201, 201); return "false"; }
    if (!s.initialized) { code(301, s.terminated ? 143 : 142); return "false"; }
    var result = request("POST", s.item.cmi_url, {values: s.dirty});
    if (!result) { code(101, 391); return "false"; }
    s.dirty = {};
    show(result);
    code(0, 0);
    return "true";
  }

  function terminate(arg) {
    if (String(arg || "") !== "") { code(201, 201); return "false"; }
    if (!s.initialized) { code(301, s.terminated ? 113 : 112); return "false"; }
    var result = request("POST", s.item.cmi_url, {values: s.dirty, terminate: true});
    if (!result) { code(101, 111); return "false"; }
    s.dirty = {};
    s.initialized = false;
    s.terminated = true;
    show(result);
    code(0, 0);
    return "true";
  }

  function errorString(c) { return (v12 ? ERRORS_12 : ERRORS_2004)[String(c)] || ""; }

  if (v12) {
    window.API = {
      LMSInitialize: initialize, LMSFinish: terminate, LMSGetValue: getValue, LMSSetValue: setValue,
      LMSCommit: commit, LMSGetLastError: function () { return s.error; },
      LMSGetErrorString: errorString, LMSGetDiagnostic: function (c) { return errorString(c || s.error); }
    };
  } else {
    window.API_1484_11 = {
      version: "1.0", Initialize: initialize, Terminate: terminate, GetValue: getValue, SetValue: setValue,
      Commit: commit, GetLastError: function () { return s.error; }, GetErrorString: errorString,
      GetDiagnostic: function (c) { return errorString(c || s.error); }
    };
  }

  function launch(item) {
    if (s.initialized) { terminate(""); }   // leaving one SCO for another ends its session
    var state = request("GET", item.cmi_url, null);
    if (!state) { errorNode.textContent = errorNode.textContent || "无法读取学习记录"; return; }
    s = {item: item, values: state.values || {}, dirty: {}, initialized: false, terminated: false, error: "0"};
    statusNode.textContent = state.preview ? "预览（不记录）" : (state.status || "—");
    document.querySelectorAll("#scorm-toc [data-item]").forEach(function (b) {
      b.classList.toggle("active", b.getAttribute("data-item") === item.identifier);
    });
    frame.src = item.launch;
  }

  var launchable = config.items.filter(function (i) { return i.launch; });
  document.querySelectorAll("#scorm-toc [data-item]").forEach(function (button) {
    button.addEventListener("click", function () {
      var id = button.getAttribute("data-item");
      launch(launchable.filter(function (i) { return i.identifier === id; })[0]);
    });
  });
  window.addEventListener("pagehide", function () {
    // The SCO did not finish: keep what it set; its session time is counted when it next starts.
    if (s.initialized && Object.keys(s.dirty).length) { request("POST", s.item.cmi_url, {values: s.dirty}, true); }
  });
  if (launchable.length) { launch(launchable[0]); }
})();
