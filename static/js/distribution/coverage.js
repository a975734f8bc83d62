// Coverage of a push per district: schools that received everything vs not yet, drawn with ECharts.
(function () {
  "use strict";
  var node = document.getElementById("coverage-chart");
  var dataNode = document.getElementById("coverage-data");
  if (!node || !dataNode || !window.echarts) { return; }
  var data = JSON.parse(dataNode.textContent);
  var chart = window.echarts.init(node, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 0 },
    grid: { left: 40, right: 16, top: 36, bottom: 60 },
    xAxis: { type: "category", data: data.districts, axisLabel: { interval: 0, rotate: data.districts.length > 6 ? 30 : 0 } },
    yAxis: { type: "value", minInterval: 1, name: "学校数" },
    series: [
      { name: "已接收", type: "bar", stack: "total", itemStyle: { color: "#198754" }, barMaxWidth: 40, data: data.received },
      { name: "未接收完", type: "bar", stack: "total", itemStyle: { color: "#6c757d" }, barMaxWidth: 40, data: data.missing }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
  node.setAttribute("data-rendered", "1");
})();
