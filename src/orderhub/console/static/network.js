// The network page's map: warehouses and blocked provinces plotted by longitude/latitude
// on a plain ECharts scatter (no map geometry: ECharts 5 ships none and we vendor none).
// Data comes from <script type="application/json" id="net-map-data"> (the CSP allows no
// inline script). Open sites are blue, closed sites grey, their size is the picking queue;
// blocked provinces are red diamonds.
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("net-map");
    var dataEl = document.getElementById("net-map-data");
    if (!el || !dataEl || !window.echarts) return;
    var data = JSON.parse(dataEl.textContent);
    var labels = JSON.parse(el.dataset.labels);
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    function size(v) { return 8 + Math.min(30, Math.sqrt(v[2] || 0) * 2); }
    function sites(active) {
      return data.sites.filter(function (s) { return s.active === active; });
    }
    chart.setOption({
      animation: false,
      tooltip: {
        formatter: function (p) {
          var q = p.value.length > 2 ? " · " + labels.queue + " " + p.value[2] : "";
          return p.seriesName + ": " + p.name + q;
        }
      },
      legend: { bottom: 0 },
      grid: { left: 40, right: 16, top: 16, bottom: 40 },
      xAxis: { type: "value", min: 73, max: 135, name: "E", splitLine: { show: false } },
      yAxis: { type: "value", min: 18, max: 54, name: "N", splitLine: { show: false } },
      series: [
        { name: labels.open, type: "scatter", data: sites(true), symbolSize: size,
          itemStyle: { color: "#0969da" }, label: { show: true, position: "right",
          formatter: "{b}", fontSize: 10 } },
        { name: labels.closed, type: "scatter", data: sites(false), symbolSize: size,
          itemStyle: { color: "#8c959f" }, label: { show: true, position: "right",
          formatter: "{b}", fontSize: 10 } },
        { name: labels.blocked, type: "scatter", symbol: "diamond", symbolSize: 14,
          data: data.blocked, itemStyle: { color: "#cf222e" } }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
