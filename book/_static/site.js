// The book's own behaviour on every page.
(function () {
  "use strict";

  // 1. Formulas that scroll are focusable.
  //
  // A display formula or derivation step that is wider than its column
  // scrolls inside its box; such a box must be reachable with the keyboard
  // (WCAG 2.1.1), so it is focusable exactly while it scrolls. The check
  // runs in ResizeObserver callbacks, which come after the browser's own
  // layout, so reading the widths there forces no extra layout (reading them
  // all at once while the page loads was a long task on a phone). A box is
  // observed together with its children: the box keeps its width when the
  // math font arrives, its formula does not.
  var owner = new WeakMap();
  var observer = window.ResizeObserver
    ? new ResizeObserver(function (entries) {
        var boxes = new Set();
        entries.forEach(function (entry) { boxes.add(owner.get(entry.target) || entry.target); });
        // All widths are read first, then the attributes written: a write
        // between two reads would make the browser lay the page out again.
        var found = [];
        boxes.forEach(function (box) { found.push([box, scrolls(box)]); });
        found.forEach(function (pair) { mark(pair[0], pair[1]); });
      })
    : null;

  function scrolls(box) {
    return box.scrollWidth > box.clientWidth + 1;
  }

  function mark(box, scrolling) {
    if (scrolling === box.hasAttribute("tabindex")) return;
    if (scrolling) {
      box.setAttribute("tabindex", "0");
    } else {
      box.removeAttribute("tabindex");
    }
  }

  function check(box) {
    mark(box, scrolls(box));
  }

  function watchFormulas(root) {
    root.querySelectorAll("div.math, .deriv-rhs").forEach(function (box) {
      if (!observer) {
        check(box);
        return;
      }
      observer.observe(box);
      Array.prototype.forEach.call(box.children, function (child) {
        owner.set(child, box);
        observer.observe(child);
      });
    });
  }

  // 2. Blocks the reader opens are built when opened.
  //
  // The source of a hidden code cell and the solution of an exercise are
  // sent inside <noscript class="book-deferred"> (see book/_ext/page_polish.py):
  // with JavaScript on, that is text, not elements. It becomes the block's
  // elements when the reader opens it, follows a link into it, or prints.
  function copyButtonFor(pre) {
    var model = document.querySelector("button.copybtn");
    if (!model || !pre.parentElement || pre.parentElement.querySelector("button.copybtn")) return;
    var button = model.cloneNode(true);
    pre.id = pre.id || "codecell-opened-" + Math.random().toString(36).slice(2, 10);
    button.setAttribute("data-clipboard-target", "#" + pre.id);
    pre.insertAdjacentElement("afterend", button);
  }

  function materialize(root) {
    var blocks = root.querySelectorAll("noscript.book-deferred");
    if (!blocks.length) return;
    blocks.forEach(function (block) {
      var parent = block.parentElement;
      var template = document.createElement("template");
      template.innerHTML = block.textContent;
      block.replaceWith(template.content);
      if (!parent) return;
      // sphinx-copybutton gives every code block (copybutton_selector in
      // _config.yml) a copy button when the page loads; a block built later
      // gets a copy of one.
      parent.querySelectorAll("div:not(.output) > div.highlight pre").forEach(copyButtonFor);
      watchFormulas(parent);
    });
  }

  function materializeTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    if (!id || document.getElementById(id)) return;
    var needle = 'id="' + id + '"';
    document.querySelectorAll("noscript.book-deferred").forEach(function (block) {
      if (block.textContent.indexOf(needle) < 0) return;
      var holder = block.closest("details, .admonition.dropdown") || block.parentElement;
      materialize(holder);
      if (holder.tagName === "DETAILS") holder.open = true;
    });
    var target = document.getElementById(id);
    if (target) target.scrollIntoView();
  }

  function start() {
    watchFormulas(document);
    // A hidden code cell is a <details>: build it when it opens.
    document.addEventListener("toggle", function (event) {
      if (event.target.tagName === "DETAILS" && event.target.open) materialize(event.target);
    }, true);
    // A solution is a drop-down admonition (sphinx-togglebutton): build it on
    // the first click or key press on its title, before the toggle shows it.
    ["click", "keydown"].forEach(function (type) {
      document.addEventListener(type, function (event) {
        var title = event.target.closest && event.target.closest(".admonition.dropdown > .admonition-title");
        if (title) materialize(title.parentElement);
      }, true);
    });
    window.addEventListener("beforeprint", function () { materialize(document); });
    window.addEventListener("hashchange", materializeTarget);
    materializeTarget();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
