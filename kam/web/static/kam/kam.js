// kam's little JavaScript: ECharts figures declared in the page.
//
// A figure is <div class="chart" data-chart="ID"></div> plus {{ option|json_script:"ID" }}:
// the whole ECharts option is built on the server (labels translated there). A data item
// or series with a `link` field opens that address when clicked, so every figure leads
// to the accounts behind it.
(function () {
  "use strict";
  function draw(el) {
    if (!window.echarts || el.dataset.drawn) return;
    var source = document.getElementById(el.dataset.chart);
    if (!source) return;
    var option = JSON.parse(source.textContent);
    // ECharts' HTML tooltips are built from style="…" attributes, which the
    // Content-Security-Policy forbids: tooltips are drawn inside the chart instead.
    [].concat(option.tooltip || []).forEach(function (tooltip) { tooltip.renderMode = "richText"; });
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option);
    chart.on("click", function (params) {
      var link = (params.data && params.data.link) || (option.series && option.series[params.seriesIndex] && option.series[params.seriesIndex].link);
      if (link) window.location.href = link;
    });
    el.dataset.drawn = "1";
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function drawAll(root) {
    (root || document).querySelectorAll(".chart[data-chart]").forEach(draw);
  }
  window.kamDrawCharts = drawAll;
  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  // After htmx swaps content in (a whole account page section replaced with outerHTML
  // among them), draw the charts it brought; charts already drawn are left alone.
  document.addEventListener("htmx:afterSettle", function () { drawAll(document); });
})();

// A <select data-submit-on-change> sends its form at once (the language switch): the
// Content-Security-Policy forbids inline handlers such as onchange="…".
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target.matches && target.matches("select[data-submit-on-change]") && target.form) {
    target.form.submit();
  }
});

// An account page section answers a refused edit (a form error, a stale edit) with 400
// and the section showing why: htmx swaps it in like a success instead of dropping it.
document.addEventListener("htmx:beforeSwap", function (event) {
  var target = event.detail.target;
  if (event.detail.xhr.status === 400 && target && target.hasAttribute("data-section")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// A section's edit that kam did not save (busy database, server error, no network): say so
// in the section, so a tick that looks done is never silently lost. A 503 brings its own
// sentence (plain text); otherwise the page's generic one.
function sectionOf(event) {
  var elt = event.detail.elt;
  return elt && elt.closest ? elt.closest("[data-section]") : null;
}
function showUnsaved(event) {
  var section = sectionOf(event);
  if (!section) { return; }
  var xhr = event.detail.xhr;
  var plain = xhr && (xhr.getResponseHeader("Content-Type") || "").indexOf("text/plain") === 0;
  var generic = document.getElementById("section-unsaved");
  var alert = section.querySelector(".section-unsaved") || document.createElement("p");
  alert.className = "section-unsaved error";
  alert.setAttribute("role", "alert");
  alert.textContent = plain && xhr.responseText ? xhr.responseText : (generic ? generic.textContent : "");
  section.insertBefore(alert, section.firstChild);
}
document.addEventListener("htmx:responseError", showUnsaved);
document.addEventListener("htmx:sendError", showUnsaved);
