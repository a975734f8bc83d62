// Audio/video lessons: track what was really played and send progress beats to the server.
// The server keeps the union of watched ranges and decides completion (never this script).
(function () {
  "use strict";
  var box = document.getElementById("media-box");
  var media = document.getElementById("lesson-media");
  if (!box || !media) { return; }
  var url = box.getAttribute("data-beat-url");
  var every = Math.max(5, parseInt(box.getAttribute("data-beat-seconds"), 10) || 30) * 1000;
  var preview = box.getAttribute("data-preview") === "1";
  var resumeAt = parseFloat(box.getAttribute("data-position")) || 0;
  var ranges = [];       // played since the last beat: [[start, end], ...]
  var segStart = null;   // start of the segment being played now
  var last = null;       // last currentTime seen while playing
  var seq = 0;
  var sending = false;

  function closeSegment() {
    if (segStart !== null && last !== null && last > segStart) { ranges.push([segStart, last]); }
    segStart = null;
  }

  media.addEventListener("loadedmetadata", function () {
    if (resumeAt > 1 && resumeAt < media.duration - 2) { media.currentTime = resumeAt; }
  });
  media.addEventListener("timeupdate", function () {
    if (media.paused || media.seeking) { return; }
    var now = media.currentTime;
    // A jump (seek, or a gap longer than playback could make) starts a new segment.
    if (segStart === null || last === null || now < last || now - last > 2 * Math.max(1, media.playbackRate)) {
      closeSegment();
      segStart = now;
    }
    last = now;
  });
  media.addEventListener("seeking", function () { closeSegment(); last = null; });
  media.addEventListener("pause", function () { closeSegment(); send("pause"); });
  media.addEventListener("ended", function () {
    last = media.duration || last;
    closeSegment();
    send("ended");
  });

  function show(result) {
    var status = document.getElementById("lesson-status");
    var watched = document.getElementById("watched-percent");
    var bar = document.getElementById("course-progress");
    if (watched) { watched.textContent = result.percent; }
    if (status) {
      status.setAttribute("data-status", result.status);
      status.innerHTML = result.status === "completed" ? '<span class="badge text-bg-success">已完成</span>'
        : '<span class="badge text-bg-warning">' + result.percent + "%</span>";
    }
    if (bar && typeof result.course_percent === "number") {
      bar.style.width = result.course_percent + "%";
      bar.textContent = result.course_percent + "%";
      bar.setAttribute("data-percent", result.course_percent);
      if (result.course_completed) { bar.classList.add("bg-success"); }
    }
    document.body.setAttribute("data-beats", String(seq));
  }

  function send(event) {
    if (preview) { ranges = []; return; }
    if (!media.paused && segStart !== null && last !== null && last > segStart) {
      ranges.push([segStart, last]);   // report what is playing, keep the segment open from here
      segStart = last;
    }
    var body = {position: media.currentTime || 0, ranges: ranges, seq: ++seq, event: event || "beat"};
    ranges = [];
    sending = true;
    window.eduFetch(url, {method: "POST", headers: {"Content-Type": "application/json"},
                          body: JSON.stringify(body), keepalive: true})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (result) {
        sending = false;
        if (result) { show(result); } else { ranges = body.ranges.concat(ranges); }
      })
      .catch(function () { sending = false; ranges = body.ranges.concat(ranges); });  // sent with the next beat
  }

  window.setInterval(function () { if (!media.paused) { send("beat"); } }, every);
  window.addEventListener("pagehide", function () { closeSegment(); if (ranges.length) { send("pause"); } });
})();
