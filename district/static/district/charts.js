/* District dashboard charts (ECharts, shipped as a static file). Data: the JSON script #district-series
   written by the server; the same numbers are in the ranking table, which stays the accessible source. */
(function () {
  "use strict";
  var source = document.getElementById("district-series");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  if (!data.days || !data.days.length) { return; }
  var days = data.days.map(function (d) { return d.slice(5); });
  var charts = [];
  // The simple ECharts build has no legend component: the legend is our own list under each chart,
  // with the same colours (set explicitly) so a dot can be told apart by street.
  var palette = ["#5470c6", "#91cc75", "#fac858", "#ee6666", "#73c0de", "#3ba272", "#fc8452", "#9a60b4", "#ea7ccc"];
  function legend(el) {
    var list = document.createElement("ul");
    list.className = "chart-legend";
    data.streets.forEach(function (s, i) {
      var item = document.createElement("li");
      var swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = palette[i % palette.length];
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(s.name));
      list.appendChild(item);
    });
    el.parentNode.insertBefore(list, el.nextSibling);
  }
  function draw(id, field, unit) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      textStyle: { fontFamily: "system-ui, 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif" },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + unit; } },
      color: palette,
      grid: { left: 40, right: 16, top: 16, bottom: 32 },
      xAxis: { type: "category", data: days, boundaryGap: false },
      yAxis: { type: "value", min: 0, max: unit === "%" ? 100 : null },
      series: data.streets.map(function (s) {
        return { name: s.name, type: "line", data: s[field], connectNulls: true, showSymbol: days.length < 20 };
      })
    });
    charts.push(chart);
    legend(el);
  }
  draw("chart-coverage", "coverage", "%");
  draw("chart-overdue", "overdue", "");
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
