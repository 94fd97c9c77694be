// Draws the book's explorables with the Vega runtime (window.vega).
//
// Each <figure class="explorable"> names (data-spec) a Vega specification
// compiled at build time from softmax_lib's Vega-Lite output, with every
// state's numbers already in it: the controls only choose a state, nothing is
// computed here. Until it is drawn, the figure shows its default state as an
// image (the same picture, rendered at build time).
//
// The runtime (177 kB compressed) and a figure's specification are fetched
// only when the reader may use the figure: when it comes within a screen of
// the window, when a pointer or finger reaches it, or on the first Tab key
// (so a keyboard reader finds every control in the tab order). A page thus
// paints and answers input before any of it is loaded.
// The views are exposed as window.bookExplorables[name] for the tests.
(function () {
  "use strict";

  const script = document.currentScript;
  const VEGA_URL = new URL("vendor/vega.min.js", script ? script.src : location.href).href;
  let vegaLoading = null;

  function loadVega() {
    if (window.vega) return Promise.resolve();
    if (!vegaLoading) {
      vegaLoading = new Promise(function (resolve, reject) {
        const tag = document.createElement("script");
        tag.src = VEGA_URL;
        tag.onload = resolve;
        tag.onerror = function () { reject(new Error("could not load " + VEGA_URL)); };
        document.head.appendChild(tag);
      });
    }
    return vegaLoading;
  }

  const specs = new WeakMap();

  function loadSpec(figure) {
    if (!specs.has(figure)) {
      specs.set(figure, fetch(figure.dataset.spec).then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status + " for " + figure.dataset.spec);
        return response.json();
      }));
    }
    return specs.get(figure);
  }

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
    // A fresh copy each time: vega.parse may annotate the object it is given.
    const spec = JSON.parse(JSON.stringify(await loadSpec(figure)));
    const state = {};
    if (views[name]) {
      // Redrawing for a theme change keeps the reader's state.
      spec.signals.forEach(function (s) {
        if (s.bind) state[s.name] = views[name].signal(s.name);
      });
      views[name].finalize();
    }
    // Drawn off the page, then swapped in for the image (or the previous
    // drawing) at once: nothing on the page moves while it is drawn.
    const controls = document.createElement("div");
    const drawing = document.createElement("div");
    const runtime = new vega.View(vega.parse(spec, isDark() ? DARK : undefined), {
      renderer: "svg", container: drawing, bind: controls, hover: true
    });
    Object.keys(state).forEach(function (key) { runtime.signal(key, state[key]); });
    await runtime.runAsync();
    figure.querySelector(".explorable-controls").replaceChildren(controls);
    figure.querySelector(".explorable-view").replaceChildren(drawing);
    views[name] = runtime;
    label(figure);
    figure.dataset.ready = "true";
  }

  function activate(figure) {
    if (figure.dataset.ready) return;
    figure.dataset.ready = "loading";
    loadVega().then(function () { return draw(figure); }).catch(function (error) {
      figure.dataset.ready = "error";
      console.error("explorable " + figure.dataset.explorable + ": " + error);
    });
  }

  function redrawAll() {
    document.querySelectorAll("figure.explorable[data-ready='true']").forEach(function (figure) {
      draw(figure).catch(function (error) {
        figure.dataset.ready = "error";
        console.error("explorable " + figure.dataset.explorable + ": " + error);
      });
    });
  }

  function start() {
    const figures = document.querySelectorAll("figure.explorable");
    if (!figures.length) return;
    const all = function () { figures.forEach(activate); };
    if (window.IntersectionObserver) {
      const near = new IntersectionObserver(function (entries) {
        entries.forEach(function (entry) {
          if (entry.isIntersecting) {
            near.unobserve(entry.target);
            activate(entry.target);
          }
        });
      }, {rootMargin: "100% 0px"});
      figures.forEach(function (figure) { near.observe(figure); });
    } else {
      all();
    }
    figures.forEach(function (figure) {
      ["pointerenter", "touchstart", "focusin"].forEach(function (type) {
        figure.addEventListener(type, function () { activate(figure); }, {once: true, passive: true});
      });
    });
    const onKey = function (event) {
      if (event.key !== "Tab") return;
      document.removeEventListener("keydown", onKey, true);
      all();
    };
    document.addEventListener("keydown", onKey, true);
    window.addEventListener("beforeprint", all);
    // The theme switcher sets data-theme on <html>: redraw in its colours.
    let dark = isDark();
    new MutationObserver(function () {
      if (isDark() !== dark) {
        dark = isDark();
        redrawAll();
      }
    }).observe(document.documentElement, {attributes: true, attributeFilter: ["data-theme"]});
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
