// A display formula or derivation step that is wider than its column
// scrolls inside its box; such a box must be reachable with the keyboard
// (WCAG 2.1.1), so it becomes focusable only while it actually scrolls.
(function () {
  "use strict";
  function markScrollable() {
    document.querySelectorAll("div.math, .deriv-rhs").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
      } else {
        box.removeAttribute("tabindex");
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", markScrollable);
  } else {
    markScrollable();
  }
  window.addEventListener("resize", markScrollable);
})();
