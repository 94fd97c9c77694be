// Draws the book's explorables with the Vega runtime (window.vega).
//
// Each <figure class="explorable"> holds a Vega specification compiled at
// build time from softmax_lib's Vega-Lite output, with every state's numbers
// already in it: the controls only choose a state, nothing is computed here.
// The views are exposed as window.bookExplorables[name] for the tests.
(function () {
  "use strict";

  // Colours for the dark theme; the light theme is the compiled default.
  const DARK = {
    axis: {domainColor: "#c9d1d9", tickColor: "#c9d1d9", gridColor: "#6e7681",
           labelColor: "#e6edf3", titleColor: "#e6edf3"},
    legend: {labelColor: "#e6edf3", titleColor: "#e6edf3"},
    title: {color: "#e6edf3", subtitleColor: "#c9d1d9"},
    header: {labelColor: "#e6edf3", titleColor: "#e6edf3"},
    text: {color: "#e6edf3"},
    style: {"guide-label": {fill: "#e6edf3"}, "guide-title": {fill: "#e6edf3"},
            "group-title": {fill: "#e6edf3"}, text: {fill: "#e6edf3"}}
  };

  const views = (window.bookExplorables = window.bookExplorables || {});

  function isDark() {
    return document.documentElement.dataset.theme === "dark";
  }

  function label(figure) {
    // Give every control an accessible name and a visible current value.
    figure.querySelectorAll(".vega-bind").forEach(function (bind) {
      const input = bind.querySelector("input, select");
      const name = bind.querySelector(".vega-bind-name");
      if (input && name && !input.getAttribute("aria-label")) {
        input.setAttribute("aria-label", name.textContent.trim());
      }
    });
  }

  async function draw(figure) {
    const name = figure.dataset.explorable;
    const spec = JSON.parse(figure.querySelector("script.explorable-spec").textContent);
    const state = {};
    if (views[name]) {
      // Redrawing for a theme change keeps the reader's state.
      spec.signals.forEach(function (s) {
        if (s.bind) state[s.name] = views[name].signal(s.name);
      });
      views[name].finalize();
    }
    const controls = figure.querySelector(".explorable-controls");
    const target = figure.querySelector(".explorable-view");
    controls.replaceChildren();
    target.replaceChildren();
    const runtime = new vega.View(vega.parse(spec, isDark() ? DARK : undefined), {
      renderer: "svg", container: target, bind: controls, hover: true
    });
    Object.keys(state).forEach(function (key) { runtime.signal(key, state[key]); });
    await runtime.runAsync();
    views[name] = runtime;
    label(figure);
    figure.dataset.ready = "true";
  }

  function drawAll() {
    document.querySelectorAll("figure.explorable").forEach(function (figure) {
      draw(figure).catch(function (error) {
        figure.dataset.ready = "error";
        console.error("explorable " + figure.dataset.explorable + ": " + error);
      });
    });
  }

  function start() {
    if (!window.vega) return;
    drawAll();
    // The theme switcher sets data-theme on <html>: redraw in its colours.
    let dark = isDark();
    new MutationObserver(function () {
      if (isDark() !== dark) {
        dark = isDark();
        drawAll();
      }
    }).observe(document.documentElement, {attributes: true, attributeFilter: ["data-theme"]});
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
