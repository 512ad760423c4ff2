// Draws the Plotly figures of the comments page: each container names its figure's JSON.
(function () {
  document.querySelectorAll("[data-figure]").forEach(function (el) {
    var data = document.getElementById(el.getAttribute("data-figure"));
    if (!data || !window.Plotly) { return; }
    var figure = JSON.parse(data.textContent);
    window.Plotly.newPlot(el, figure.data, figure.layout, {
      responsive: true, displaylogo: false,
      modeBarButtonsToRemove: ["select2d", "lasso2d"]
    }).then(function () { el.setAttribute("data-rendered", "1"); });
  });
})();
