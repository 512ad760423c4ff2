// Draws every Plotly figure whose JSON the server put next to its container.
(function () {
  var pairs = [["trend", "trend-figure"], ["report-chart", "report-figure"]];
  pairs.forEach(function (pair) {
    var el = document.getElementById(pair[0]);
    var data = document.getElementById(pair[1]);
    if (!el || !data || !window.Plotly) { return; }
    var figure = JSON.parse(data.textContent);
    window.Plotly.newPlot(el, figure.data, figure.layout, {
      responsive: true, displaylogo: false,
      modeBarButtonsToRemove: ["select2d", "lasso2d"]
    }).then(function () { el.setAttribute("data-rendered", "1"); });
  });
})();

// Any other chart: a container whose data-figure names the script holding its figure.
document.querySelectorAll("[data-figure]").forEach(function (el) {
  var data = document.getElementById(el.getAttribute("data-figure"));
  if (!data || !window.Plotly) { return; }
  var figure = JSON.parse(data.textContent);
  window.Plotly.newPlot(el, figure.data, figure.layout, {
    responsive: true, displaylogo: false, modeBarButtonsToRemove: ["select2d", "lasso2d"]
  }).then(function () { el.setAttribute("data-rendered", "1"); });
});

// Filter forms leave empty fields out of the URL, so a shared link shows only what is set.
document.querySelectorAll("form.filter-bar").forEach(function (form) {
  form.addEventListener("submit", function () {
    form.querySelectorAll("input, select").forEach(function (field) {
      if (field.name && !field.value) { field.disabled = true; }
    });
  });
});
