// The funnel chart: deals that reached each stage of the pipeline (ECharts).
(function () {
  "use strict";
  const element = document.getElementById("funnel-chart");
  const data = document.getElementById("funnel-data");
  if (!element || !data || !window.echarts) return;
  const stages = JSON.parse(data.textContent);
  const chart = window.echarts.init(element);
  chart.setOption({
    tooltip: { trigger: "item", formatter: "{b}: {c}" },
    series: [
      {
        type: "funnel",
        sort: "none",
        left: "5%",
        width: "90%",
        label: { show: true, position: "inside", formatter: "{b} {c}" },
        data: stages,
      },
    ],
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
