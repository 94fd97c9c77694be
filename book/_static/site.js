// A display formula or derivation step that is wider than its column
// scrolls inside its box; such a box must be reachable with the keyboard
// (WCAG 2.1.1), so it is focusable exactly while it scrolls. Widths change
// when the math font arrives and when the window is resized: a
// ResizeObserver re-checks each box then.
(function () {
  "use strict";
  function check(box) {
    if (box.scrollWidth > box.clientWidth + 1) {
      box.setAttribute("tabindex", "0");
    } else {
      box.removeAttribute("tabindex");
    }
  }
  function start() {
    var boxes = document.querySelectorAll("div.math, .deriv-rhs");
    if (!boxes.length) return;
    boxes.forEach(check);
    if (window.ResizeObserver) {
      var observer = new ResizeObserver(function (entries) {
        entries.forEach(function (entry) { check(entry.target); });
      });
      boxes.forEach(function (box) { observer.observe(box); });
    }
    if (document.fonts && document.fonts.ready) {
      document.fonts.ready.then(function () { boxes.forEach(check); });
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
