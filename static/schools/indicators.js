// The indicator dashboard's charts (ECharts from /static/vendor/echarts); a click on a bar drills down.
(function () {
  "use strict";
  var source = document.getElementById("indicator-data");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  if (!data.rows.length) { return; }
  var names = data.rows.map(function (row) { return row.name; });
  var codes = data.rows.map(function (row) { return row.code; });
  var label = {};
  data.definitions.forEach(function (d) { label[d.key] = d.label; });

  function series(keys) {
    return keys.map(function (key) {
      return {
        name: label[key], type: "bar",
        data: data.rows.map(function (row) {
          var v = row.indicators[key];
          return v === null || v === undefined ? null : Math.round(v * 10) / 10;
        })
      };
    });
  }

  function draw(id, title, keys, unit) {
    var box = document.getElementById(id);
    if (!box) { return; }
    var chart = window.echarts.init(box);
    chart.setOption({
      title: { text: title, left: "center", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null ? "—" : v + unit; } },
      legend: { bottom: 0 },
      grid: { left: 40, right: 16, top: 40, bottom: 60, containLabel: true },
      xAxis: { type: "category", data: names, axisLabel: { interval: 0, rotate: names.length > 6 ? 30 : 0 } },
      yAxis: { type: "value" },
      series: series(keys)
    });
    chart.on("click", function (params) {
      var code = codes[params.dataIndex];
      if (code) { window.location.href = "?org=" + encodeURIComponent(code); }
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  draw("chart-ratio", "生机比、师机比（越低越好）", ["students_per_computer", "teachers_per_computer"], " : 1");
  draw("chart-share", "联网率、宽带接入率、多媒体教室比例", ["online_share", "broadband_share", "multimedia_share"], "%");
})();
