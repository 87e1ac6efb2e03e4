// The account's org chart (kam/people/templates/people/sections/orgchart.html): the ECharts
// option is built on the server (kam.people.orgchart) and handed over in a data attribute.
// Clicking a person opens their small edit form; "pick the manager on the chart" then lets a
// click on another person choose the manager. Export as PNG or SVG happens in the browser.
(function () {
  "use strict";
  if (window.kamOrgChart) return;
  var pickingFor = null;

  function chartElement() { return document.querySelector("[data-orgchart]"); }

  function optionOf(el) {
    // The option travels in an attribute, not a json_script: htmx drops <script> elements
    // from the sections it swaps in.
    if (!el.dataset.option) return null;
    var option = JSON.parse(el.dataset.option);
    // HTML tooltips need style="…" attributes, which the Content-Security-Policy forbids.
    [].concat(option.tooltip || []).forEach(function (t) { t.renderMode = "richText"; });
    return option;
  }

  function draw() {
    var el = chartElement();
    if (!window.echarts || !el || el.dataset.drawn) return;
    var option = optionOf(el);
    if (!option) return;
    // One pixel a unit of the layout (kam.people.orgchart.chart_size); a wide chart scrolls.
    el.style.height = (parseInt(el.dataset.height, 10) || 400) + "px";
    el.style.minWidth = (parseInt(el.dataset.width, 10) || 0) + "px";
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option);
    chart.on("click", function (params) {
      if (params.dataType === "node" && params.data && params.data.contact) chosen(String(params.data.contact));
    });
    el.dataset.drawn = "1";
  }

  function chosen(id) {
    var hint = document.getElementById("orgchart-pick-hint");
    if (pickingFor) {
      var select = document.querySelector("#orgchart-edit-" + pickingFor + " select[name=reports_to]");
      if (select && id !== pickingFor) select.value = id;
      if (hint) hint.hidden = true;
      var form = select && select.form;
      pickingFor = null;
      if (form) form.querySelector("button[type=submit]").focus();
      return;
    }
    var details = document.getElementById("orgchart-edit-" + id);
    if (!details) return;
    var people = document.getElementById("orgchart-people");
    if (people) people.open = true;
    details.open = true;
    details.scrollIntoView({ block: "nearest" });
  }

  function download(blob, name) {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    link.hidden = true;
    document.body.appendChild(link);
    link.click();
    setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
  }

  function blobOf(dataUrl) {
    var comma = dataUrl.indexOf(",");
    var head = dataUrl.slice(0, comma);
    var body = dataUrl.slice(comma + 1);
    var type = head.slice(5).split(";")[0];
    if (head.indexOf(";base64") >= 0) {
      var bytes = atob(body);
      var array = new Uint8Array(bytes.length);
      for (var i = 0; i < bytes.length; i++) array[i] = bytes.charCodeAt(i);
      return new Blob([array], { type: type });
    }
    return new Blob([decodeURIComponent(body)], { type: type });
  }

  // Export draws the same option once more off screen, at the chart's size, in the renderer
  // the format needs (canvas for PNG, SVG for SVG), so nothing goes to the server.
  function exportAs(kind) {
    var el = chartElement();
    var option = el && optionOf(el);
    if (!option) return;
    var box = document.createElement("div");
    box.hidden = true;
    document.body.appendChild(box);
    var width = Math.max(el.clientWidth, parseInt(el.dataset.width, 10) || 0, 400);
    var height = parseInt(el.dataset.height, 10) || 400;
    var off = window.echarts.init(box, null, { renderer: kind === "png" ? "canvas" : "svg", width: width, height: height });
    option.animation = false;
    off.setOption(option);
    var url = off.getDataURL({ type: kind, pixelRatio: kind === "png" ? 2 : 1, backgroundColor: "#fff" });
    off.dispose();
    box.remove();
    download(blobOf(url), (el.dataset.filename || "org-chart") + "." + kind);
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target.closest) return;
    var exporter = target.closest("[data-orgchart-export]");
    if (exporter) { exportAs(exporter.dataset.orgchartExport); return; }
    var picker = target.closest("[data-orgchart-pick-manager]");
    if (picker) {
      pickingFor = picker.dataset.orgchartPickManager;
      var hint = document.getElementById("orgchart-pick-hint");
      if (hint) hint.hidden = false;
      var el = chartElement();
      if (el) el.scrollIntoView({ block: "nearest" });
    }
  });

  // The section replaced by htmx — its own edit, or another section's reply carrying it out
  // of band (a logged visit redraws "never met"): let go of the old drawing, draw the new one.
  document.addEventListener("htmx:beforeCleanupElement", function (event) {
    var el = event.target;
    if (!el || !el.hasAttribute || !el.hasAttribute("data-orgchart") || !window.echarts) return;
    var old = window.echarts.getInstanceByDom(el);
    if (old) old.dispose();
  });
  document.addEventListener("htmx:afterSettle", draw);
  document.addEventListener("DOMContentLoaded", draw);
  window.addEventListener("resize", function () {
    var el = chartElement();
    var chart = el && window.echarts && window.echarts.getInstanceByDom(el);
    if (chart) chart.resize();
  });
  window.kamOrgChart = { draw: draw, exportAs: exportAs };
  if (document.readyState !== "loading") draw();
})();
