// 学情 heat map: classes (rows) × knowledge points (columns), mean mastery in percent; a click opens the class.
(function () {
  var holder = document.getElementById("mastery-heatmap");
  var source = document.getElementById("heatmap-data");
  if (!holder || !source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(holder);
  chart.setOption({
    tooltip: {
      position: "top",
      formatter: function (p) {
        var c = p.data;
        return data.classes[c[1]].name + " · " + data.points[c[0]].name + "<br>平均掌握 " + c[2] + "%（" +
          c[3] + " 人，待提高 " + c[4] + " 人）";
      }
    },
    grid: { top: 10, left: 110, right: 20, bottom: 90 },
    xAxis: { type: "category", data: data.points.map(function (p) { return p.name; }),
             axisLabel: { rotate: 30, interval: 0 }, splitArea: { show: true } },
    yAxis: { type: "category", data: data.classes.map(function (c) { return c.name; }), inverse: true,
             splitArea: { show: true } },
    visualMap: { min: 0, max: 100, calculable: true, orient: "horizontal", left: "center", bottom: 0,
                 text: ["掌握", "待提高"], inRange: { color: ["#d73027", "#fee08b", "#1a9850"] } },
    series: [{ name: "平均掌握程度", type: "heatmap", data: data.cells,
               label: { show: true, formatter: function (p) { return p.data[2]; } },
               emphasis: { itemStyle: { shadowBlur: 6, shadowColor: "rgba(0,0,0,.4)" } } }]
  });
  chart.on("click", function (p) {
    var cls = data.classes[p.data[1]];
    var url = holder.dataset.classUrl.replace(/\/0$/, "/" + cls.id);
    window.location.href = url + (data.subject ? "?subject=" + encodeURIComponent(data.subject) : "");
  });
  window.addEventListener("resize", function () { chart.resize(); });
  holder.dataset.rendered = "1";
})();
