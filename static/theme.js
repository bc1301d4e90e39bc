/* Dark mode for the charts: the pages follow the system's colour scheme (app.css,
   prefers-color-scheme), and so do the Plotly figures, whose layouts the server writes for a
   light page. ``CVMTheme.layout`` recolours a layout for the current scheme; figures already
   drawn are recoloured when the scheme changes. No inline script: loaded by base.html. */
"use strict";
(function () {
  const query = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  const DARK = { paper: "#1a2029", plot: "#1a2029", ink: "#dde3ea", grid: "#2e3744", line: "#4a5668" };

  function dark() { return Boolean(query && query.matches); }

  function recolourAxis(axis) {
    return Object.assign({}, axis, {
      gridcolor: DARK.grid, linecolor: DARK.line, zerolinecolor: DARK.line,
      tickfont: Object.assign({}, axis.tickfont || {}, { color: DARK.ink }),
      title: typeof axis.title === "object" && axis.title !== null
        ? Object.assign({}, axis.title, { font: Object.assign({}, (axis.title.font || {}), { color: DARK.ink }) })
        : axis.title,
    });
  }

  /* A copy of ``layout`` for the current scheme (the layout itself when light). */
  function layout(original) {
    if (!dark() || !original) return original;
    const out = Object.assign({}, original, {
      paper_bgcolor: DARK.paper, plot_bgcolor: DARK.plot,
      font: Object.assign({}, original.font || {}, { color: DARK.ink }),
    });
    if (original.title && typeof original.title === "object") {
      out.title = Object.assign({}, original.title, { font: Object.assign({}, original.title.font || {}, { color: DARK.ink }) });
    }
    if (original.legend) out.legend = Object.assign({}, original.legend, { bgcolor: "rgba(0,0,0,0)" });
    Object.keys(original).forEach((key) => {
      if (/^[xy]axis\d*$/.test(key) && original[key]) out[key] = recolourAxis(original[key]);
    });
    out.template = undefined;
    return out;
  }

  /* Redraw every drawn figure from its server layout when the system scheme changes. */
  function watch() {
    if (!query || !query.addEventListener) return;
    query.addEventListener("change", () => {
      document.querySelectorAll(".js-plotly-plot").forEach((el) => {
        const source = el.dataset.figure && document.getElementById(el.dataset.figure);
        if (!source || !window.Plotly) return;
        const fig = JSON.parse(source.textContent);
        window.Plotly.relayout(el, layout(fig.layout));
      });
    });
  }

  window.CVMTheme = { layout, dark };
  watch();
})();
