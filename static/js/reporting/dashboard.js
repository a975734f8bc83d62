// Completeness chart on a task page: one stacked bar per district (or school), drawn with ECharts.
(function () {
  "use strict";
  var node = document.getElementById("completeness-chart");
  var dataNode = document.getElementById("completeness-data");
  if (!node || !dataNode || !window.echarts) { return; }
  var groups = JSON.parse(dataNode.textContent).groups || [];
  var chart = window.echarts.init(node, null, { renderer: "svg" });
  var series = [
    ["on_time", "按时上报", "#198754"], ["late", "逾期上报", "#ffc107"],
    ["returned", "已退回", "#dc3545"], ["missing", "未报", "#6c757d"]
  ].map(function (item) {
    return { name: item[1], type: "bar", stack: "total", itemStyle: { color: item[2] }, barMaxWidth: 40,
      data: groups.map(function (g) { return g[item[0]]; }) };
  });
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 0 },
    grid: { left: 40, right: 16, top: 36, bottom: 60 },
    xAxis: { type: "category", data: groups.map(function (g) { return g.label; }), axisLabel: { interval: 0, rotate: groups.length > 6 ? 30 : 0 } },
    yAxis: { type: "value", minInterval: 1, name: "学校数" },
    series: series
  });
  window.addEventListener("resize", function () { chart.resize(); });
  node.setAttribute("data-rendered", "1");
})();
