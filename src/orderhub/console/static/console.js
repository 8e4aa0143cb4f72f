// The console's own script (no inline scripts: the CSP allows only files from this origin).
// Pages opt in by markup: the dashboard has <script type="application/json" id="figures">.
(function () {
  "use strict";

  function pct(rate) {
    return rate === null || rate === undefined ? "—" : (rate * 100).toFixed(1) + "%";
  }

  function setFigure(key, value) {
    document.querySelectorAll('[data-figure="' + key + '"]').forEach(function (el) {
      if (el.textContent !== String(value)) {
        el.textContent = value;
        el.classList.remove("changed");
        void el.offsetWidth; // restart the highlight
        el.classList.add("changed");
      }
    });
  }

  function dashboard(dataEl) {
    var root = document.getElementById("dashboard");
    var labels = JSON.parse(root.dataset.labels);
    var orders = root.dataset.orders;
    var held = root.dataset.held;  // the held-orders page ("" when the console has none)
    var history = {}; // channel -> [[time, per minute], ...]
    var HISTORY_POINTS = 600;
    var charts = {};

    function chart(id) {
      var el = document.getElementById(id);
      if (!el || !window.echarts) return null;
      if (!charts[id]) {
        charts[id] = window.echarts.init(el, null, { renderer: "svg" });
        window.addEventListener("resize", function () { charts[id].resize(); });
      }
      return charts[id];
    }

    function drawIntake(f) {
      var at = new Date(f.at).getTime();
      (f.intake.by_channel || []).forEach(function (row) {
        (history[row.channel] = history[row.channel] || []).push([at, row.per_minute]);
      });
      Object.keys(history).forEach(function (ch) {
        var seen = (f.intake.by_channel || []).some(function (r) { return r.channel === ch; });
        if (!seen) history[ch].push([at, 0]);
        if (history[ch].length > HISTORY_POINTS) history[ch].shift();
      });
      var c = chart("chart-intake");
      if (!c) return;
      c.setOption({
        animation: false,
        tooltip: { trigger: "axis" },
        legend: { type: "scroll", bottom: 0 },
        grid: { left: 48, right: 16, top: 16, bottom: 48 },
        xAxis: { type: "time" },
        yAxis: { type: "value", name: labels.perMinute, minInterval: 1 },
        series: Object.keys(history).sort().map(function (ch) {
          return { name: ch, type: "line", showSymbol: false, data: history[ch] };
        })
      }, { replaceMerge: ["series"] });
    }

    function drawBacklog(f) {
      if (!f.backlog) return;
      var c = chart("chart-backlog");
      if (!c) return;
      c.setOption({
        animation: false,
        tooltip: { trigger: "axis" },
        legend: { bottom: 0 },
        grid: { left: 48, right: 16, top: 16, bottom: 56 },
        xAxis: { type: "category", data: f.backlog.map(function (w) { return w.warehouse; }),
                 axisLabel: { rotate: 30 } },
        yAxis: { type: "value" },
        series: [
          { name: labels.queue, type: "bar", data: f.backlog.map(function (w) { return w.queue; }) },
          { name: labels.capacity, type: "bar",
            data: f.backlog.map(function (w) { return w.daily_capacity; }) }
        ]
      });
      c.off("click");
      c.on("click", function (p) {
        window.location.href = orders + "?warehouse=" + encodeURIComponent(p.name);
      });
    }

    function drawReasons(f) {
      var list = document.querySelector('[data-figure-list="reasons"]');
      if (!list) return;
      list.replaceChildren();
      var rows = f.holds.top_reasons;
      if (!rows.length) {
        var none = document.createElement("li");
        none.className = "muted";
        none.textContent = labels.none;
        list.appendChild(none);
      }
      rows.forEach(function (r) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = held ? held + "?hold=" + encodeURIComponent(r.code)
          : orders + "?status=on_hold&hold=" + encodeURIComponent(r.code);
        a.textContent = labels.holds[r.code] || r.code;
        var n = document.createElement("span");
        n.className = "n";
        n.textContent = r.orders;
        li.append(a, " ", n);
        list.appendChild(li);
      });
    }

    function apply(f) {
      setFigure("at", f.at.substring(11, 19));
      setFigure("intake-total", f.intake.per_minute);
      (f.intake.by_channel || []).forEach(function (r) { setFigure("intake-" + r.channel, r.per_minute); });
      setFigure("hold-rate", pct(f.holds.rate));
      setFigure("held-now", f.holds.held_now);
      setFigure("on-time-rate", pct(f.on_time.rate));
      setFigure("finished", f.on_time.finished);
      if (f.backlog) f.backlog.forEach(function (w) {
        setFigure("queue-" + w.warehouse, w.queue);
        setFigure("load-" + w.warehouse, pct(w.load));
      });
      if (f.bus) { setFigure("bus-backlog", f.bus.backlog); setFigure("bus-lag", f.bus.lag_seconds); }
      if (f.exceptions) f.exceptions.by_tier.forEach(function (r) { setFigure("exc-" + r.tier, r.open); });
      drawReasons(f);
      drawIntake(f);
      drawBacklog(f);
    }

    var status = document.querySelector("[data-live-text]");
    var statusBox = document.querySelector("[data-live-status]");
    function live(ok) {
      if (!status) return;
      status.textContent = ok ? status.dataset.live : status.dataset.offline;
      statusBox.classList.toggle("offline", !ok);
    }

    apply(JSON.parse(dataEl.textContent));
    var source = new EventSource(dataEl.dataset.stream);
    source.addEventListener("figures", function (e) { live(true); apply(JSON.parse(e.data)); });
    source.addEventListener("signed-out", function () { source.close(); window.location.reload(); });
    source.onerror = function () { live(false); };
    window.addEventListener("pagehide", function () { source.close(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var figures = document.getElementById("figures");
    if (figures) dashboard(figures);
  });
})();
