// The service dashboard's charts (ECharts, installed with the product): backlog by age, SLA met
// and missed, cases by priority, by category and per product.
(function () {
  "use strict";
  const data = document.getElementById("service-chart-data");
  if (!data || !window.echarts) return;
  const figures = JSON.parse(data.textContent);
  const charts = [];
  function draw(id, option) {
    const node = document.getElementById(id);
    if (!node) return;
    const chart = window.echarts.init(node);
    chart.setOption(option);
    charts.push(chart);
  }
  function bars(items) {
    return {
      tooltip: { trigger: "axis" },
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: items.map(function (d) { return d.name; }) },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: items.map(function (d) { return d.value; }) }],
    };
  }
  function pie(items) {
    return { tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      series: [{ type: "pie", radius: ["40%", "70%"], data: items }] };
  }
  draw("service-backlog-chart", bars(figures.backlog));
  draw("service-priority-chart", pie(figures.priority));
  draw("service-category-chart", pie(figures.category));
  draw("service-product-chart", bars(figures.products));
  draw("service-sla-chart", {
    tooltip: { trigger: "axis" },
    legend: { bottom: 0 },
    grid: { left: 8, right: 24, top: 8, bottom: 32, containLabel: true },
    xAxis: { type: "category", data: figures.sla.labels },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: figures.sla.met_label, type: "bar", stack: "sla", data: figures.sla.met },
      { name: figures.sla.missed_label, type: "bar", stack: "sla", data: figures.sla.missed },
    ],
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
