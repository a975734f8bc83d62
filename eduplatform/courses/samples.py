"""Small real learning material made on the spot: a WebM (VP8) video, and SCORM 1.2 / 2004 packages whose
SCO calls the run-time API. Used by the demo seed, the tests, the browser journey and the bench."""

from __future__ import annotations

import functools
import io
import zipfile


# Encoding is the slow part (seconds of VP8 per call) and the bytes never change for the same
# arguments: the seed and every course fixture reuse them.
@functools.lru_cache(maxsize=8)
def make_webm(seconds: float = 4.0, *, fps: int = 10, width: int = 160, height: int = 90) -> bytes:
    """A short VP8 WebM (plays in Chromium), a colour ramp so that frames differ."""
    import av
    from av import VideoFrame

    buffer = io.BytesIO()
    with av.open(buffer, "w", format="webm") as container:
        stream = container.add_stream("libvpx", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        frames = max(1, int(seconds * fps))
        for n in range(frames):
            frame = VideoFrame(width, height, "yuv420p")
            for index, plane in enumerate(frame.planes):
                value = (n * 7 + index * 60) % 256
                plane.update(bytes([value]) * plane.buffer_size)
            frame.pts = n
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buffer.getvalue()


SCO_CSS = "body{font-family:sans-serif;margin:1rem}#state span{display:inline-block;min-width:6rem}"

SCO_HTML = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="../css/style.css"><script src="../js/{script}"></script></head>
<body><h1>{title}</h1>
<p>本课件演示 SCORM {version} 运行时：打开时读取上次的学习位置，点击“学完了”报告完成与成绩。</p>
<div id="state">
  <p>进入方式：<span id="entry"></span></p>
  <p>上次位置：<span id="location"></span></p>
  <p>挂起数据：<span id="suspend"></span></p>
  <p>学习状态：<span id="status"></span></p>
</div>
<img src="../img/dot.svg" alt="" width="16" height="16">
<button id="finish" type="button">学完了</button>
</body></html>
"""

SCO_JS_12 = """(function () {
  function findAPI(win) {
    var n = 0;
    while (win && !win.API && win.parent && win.parent !== win && n < 10) { win = win.parent; n++; }
    return win ? win.API || null : null;
  }
  var api = findAPI(window);
  window.addEventListener("load", function () {
    if (!api) { document.body.setAttribute("data-error", "no API"); return; }
    api.LMSInitialize("");
    document.getElementById("entry").textContent = api.LMSGetValue("cmi.core.entry");
    document.getElementById("location").textContent = api.LMSGetValue("cmi.core.lesson_location");
    document.getElementById("suspend").textContent = api.LMSGetValue("cmi.suspend_data");
    document.getElementById("status").textContent = api.LMSGetValue("cmi.core.lesson_status");
    api.LMSSetValue("cmi.core.lesson_location", "page-2");
    api.LMSSetValue("cmi.suspend_data", "q1=a;q2=b");
    api.LMSSetValue("cmi.core.exit", "suspend");
    api.LMSCommit("");
    document.body.setAttribute("data-ready", "1");
    document.getElementById("finish").addEventListener("click", function () {
      api.LMSSetValue("cmi.core.score.raw", "85");
      api.LMSSetValue("cmi.core.lesson_status", "completed");
      api.LMSSetValue("cmi.core.session_time", "0000:01:30.00");
      api.LMSCommit("");
      api.LMSFinish("");
      document.getElementById("status").textContent = "completed";
      document.body.setAttribute("data-finished", "1");
    });
  });
})();
"""

SCO_JS_2004 = """(function () {
  function findAPI(win) {
    var n = 0;
    while (win && !win.API_1484_11 && win.parent && win.parent !== win && n < 10) { win = win.parent; n++; }
    return win ? win.API_1484_11 || null : null;
  }
  var api = findAPI(window);
  window.addEventListener("load", function () {
    if (!api) { document.body.setAttribute("data-error", "no API"); return; }
    api.Initialize("");
    document.getElementById("entry").textContent = api.GetValue("cmi.entry");
    document.getElementById("location").textContent = api.GetValue("cmi.location");
    document.getElementById("suspend").textContent = api.GetValue("cmi.suspend_data");
    document.getElementById("status").textContent = api.GetValue("cmi.completion_status");
    api.SetValue("cmi.location", "slide-3");
    api.SetValue("cmi.suspend_data", "{\\"answers\\":[1,2]}");
    api.SetValue("cmi.exit", "suspend");
    api.Commit("");
    document.body.setAttribute("data-ready", "1");
    document.getElementById("finish").addEventListener("click", function () {
      api.SetValue("cmi.score.scaled", "0.9");
      api.SetValue("cmi.score.raw", "90");
      api.SetValue("cmi.completion_status", "completed");
      api.SetValue("cmi.success_status", "passed");
      api.SetValue("cmi.session_time", "PT1M30S");
      api.Commit("");
      api.Terminate("");
      document.getElementById("status").textContent = "completed";
      document.body.setAttribute("data-finished", "1");
    });
  });
})();
"""

MANIFEST_12 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="demo-scorm12" version="1.0"
  xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="ORG1">
    <organization identifier="ORG1">
      <title>{title}</title>
      <item identifier="ITEM1" identifierref="RES1" isvisible="true">
        <title>{title}</title>{mastery}
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="RES1" type="webcontent" adlcp:scormtype="sco" href="sco/index.html">
      <file href="sco/index.html"/><file href="js/sco12.js"/><file href="css/style.css"/>
    </resource>
  </resources>
</manifest>
"""

MANIFEST_2004 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="demo-scorm2004" version="1"
  xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
  xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3"
  xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3"
  xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="ORG1">
    <organization identifier="ORG1">
      <title>{title}</title>
      <item identifier="ITEM1" identifierref="RES1">
        <title>{title}</title>
        <imsss:sequencing><imsss:objectives>
          <imsss:primaryObjective objectiveID="PRIMARY" satisfiedByMeasure="true">
            <imsss:minNormalizedMeasure>0.6</imsss:minNormalizedMeasure>
          </imsss:primaryObjective>
        </imsss:objectives></imsss:sequencing>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="RES1" type="webcontent" adlcp:scormType="sco" href="sco/index.html">
      <file href="sco/index.html"/><file href="js/sco2004.js"/><file href="css/style.css"/>
    </resource>
  </resources>
</manifest>
"""

DOT_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16"><circle cx="8" cy="8" r="7" fill="#0d6efd"/></svg>'


def scorm_zip(version: str = "1.2", *, title: str = "一元一次方程（SCORM 课件）", mastery_score: str | None = None,
              manifest: str | None = None, extra: dict[str, bytes] | None = None,
              omit: tuple[str, ...] = ()) -> bytes:
    """A real SCORM package (1.2 or 2004) whose SCO initialises, resumes, and reports completion."""
    if version == "1.2":
        mastery = f"\n        <adlcp:masteryscore>{mastery_score}</adlcp:masteryscore>" if mastery_score else ""
        text = manifest or MANIFEST_12.format(title=title, mastery=mastery)
        script, js = "sco12.js", SCO_JS_12
    else:
        text = manifest or MANIFEST_2004.format(title=title)
        script, js = "sco2004.js", SCO_JS_2004
    files = {
        "imsmanifest.xml": text.encode("utf-8"),
        "sco/index.html": SCO_HTML.format(title=title, script=script, version=version).encode("utf-8"),
        f"js/{script}": js.encode("utf-8"),
        "css/style.css": SCO_CSS.encode("utf-8"),
        "img/dot.svg": DOT_SVG.encode("utf-8"),
    }
    files.update(extra or {})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            if name not in omit:
                archive.writestr(name, data)
    return buffer.getvalue()
