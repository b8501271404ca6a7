// The marketing dashboard's charts (ECharts, installed with the product): the campaign funnel
// and the cash collected per campaign under the chosen attribution model.
(function () {
  "use strict";
  const data = document.getElementById("marketing-chart-data");
  if (!data || !window.echarts) return;
  const figures = JSON.parse(data.textContent);
  const charts = [];
  const funnel = document.getElementById("marketing-funnel-chart");
  if (funnel) {
    const chart = window.echarts.init(funnel);
    chart.setOption({
      tooltip: { trigger: "item", formatter: "{b}: {c}" },
      series: [{ type: "funnel", sort: "none", left: "5%", width: "90%",
        label: { show: true, position: "inside", formatter: "{b} {c}" }, data: figures.funnel }],
    });
    charts.push(chart);
  }
  const cash = document.getElementById("marketing-cash-chart");
  if (cash) {
    const chart = window.echarts.init(cash);
    chart.setOption({
      tooltip: { trigger: "axis" },
      // containLabel keeps the category names in, not the half of the last value tick that
      // sits past the axis end: room on the right for it.
      grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", axisLabel: { hideOverlap: true } },
      yAxis: { type: "category", inverse: true, data: figures.cash.map(function (d) { return d.name; }) },
      series: [{ type: "bar", data: figures.cash.map(function (d) { return d.value; }) }],
    });
    charts.push(chart);
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
