// ipnav analysis charts: draw every figure a page carries as JSON with Plotly.js.
// A page puts a chart as
//   <div class="chart" data-figure="chart-KEY"></div>
//   <script type="application/json" id="chart-KEY">{{ figure | tojson }}</script>
// and loads /vendor/plotly.min.js before this file. No inline script: the
// Content-Security-Policy allows scripts from this site only, and a JSON block is
// data, not script. A point whose customdata is a site path (a patent of a cluster
// map) opens that page when clicked.
(function () {
  "use strict";
  if (typeof window.Plotly === "undefined") {
    return;
  }
  var config = { responsive: true, displaylogo: false };

  function sitePath(value) {
    return typeof value === "string" && value.charAt(0) === "/" && value.charAt(1) !== "/";
  }

  function draw(box) {
    var source = document.getElementById(box.getAttribute("data-figure"));
    if (!source) {
      return;
    }
    var figure;
    try {
      figure = JSON.parse(source.textContent);
    } catch (error) {
      box.textContent = "chart data could not be read: " + error.message;
      return;
    }
    window.Plotly.newPlot(box, figure.data, figure.layout, config).then(function () {
      box.setAttribute("data-drawn", "true");
    });
    box.on("plotly_click", function (event) {
      var point = event && event.points && event.points[0];
      if (point && sitePath(point.customdata)) {
        window.location.assign(point.customdata);
      }
    });
  }

  var boxes = document.querySelectorAll("[data-figure]");
  for (var i = 0; i < boxes.length; i++) {
    draw(boxes[i]);
  }
})();
