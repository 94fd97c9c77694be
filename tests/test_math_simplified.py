"""The build's MathML clean-up draws every formula exactly as Temml's output.

``math_at_build.simplify_mathml`` removes elements from Temml's MathML (rows
of one child, rows inside rows, the thin space after a function name, the
empty group of ``{}=``) because each element costs the page style and layout
work. These tests hold it to drawing the same: every formula of the book is
converted again by Temml and laid out beside its simplified form in Chromium,
with the book's style sheets and maths font, and every symbol must sit at the
same place in both.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from conftest import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "book" / "_ext"))

from math_at_build import CACHE_NAME, _BOGUS_STYLE, run_temml, simplify_mathml  # noqa: E402

# Positions are compared to a hundredth of a pixel: a layout that differs
# moves a symbol by a sizeable part of a space (a thin space is 2.7 px here).
TOLERANCE_PX = 0.01


def _book_formulas(book_build) -> dict[str, str]:
    cache = book_build.html_dir.parent / ".doctrees" / CACHE_NAME
    return json.loads(cache.read_text(encoding="utf-8"))["mathml"]


def test_simplification_removes_what_it_says() -> None:
    raw = (
        "<math><mrow></mrow><mo>=</mo><mrow><mi>a</mi><mo>+</mo><mi>b</mi></mrow>"
        '<mi>log</mi><mo>\u2061</mo><mspace width="0.1667em"></mspace><mi>x</mi>'
        '<mrow><mo fence="true" form="prefix">(</mo><mi>y</mi><mo fence="true" form="postfix">)</mo></mrow>'
        "<msub><mi>z</mi><mrow><mi>k</mi><mo>=</mo><mn>1</mn></mrow></msub></math>"
    )
    assert simplify_mathml(raw) == (
        '<math><mo form="infix">=</mo><mi>a</mi><mo>+</mo><mi>b</mi>'
        '<mi>log</mi><mo rspace="0.1667em">\u2061</mo><mi>x</mi>'
        # A row holding fences that may stretch stays a row, and so does a
        # script's argument.
        '<mrow><mo fence="true" form="prefix">(</mo><mi>y</mi><mo fence="true" form="postfix">)</mo></mrow>'
        "<msub><mi>z</mi><mrow><mi>k</mi><mo>=</mo><mn>1</mn></mrow></msub></math>"
    )


def test_rows_whose_ends_change_form_are_kept() -> None:
    # A minus sign first in its group is a prefix operator; moved into the
    # outer row it would become an infix one, spaced as a binary minus.
    raw = "<math><mi>a</mi><mrow><mo>\u2212</mo><mi>b</mi></mrow></math>"
    assert simplify_mathml(raw) == raw


@pytest.mark.browser
def test_simplified_formulas_draw_like_temml(book_build, browser, site_url: str) -> None:
    simplified = _book_formulas(book_build)
    items = [(key[2:], key.startswith("D:")) for key in simplified]
    assert len(items) > 1000, f"only {len(items)} formulas in the build's cache"
    raw = run_temml(items)
    pairs = [
        (_BOGUS_STYLE.sub("", result["mathml"]), simplified[key])
        for key, result in zip(simplified, raw)
        if "mathml" in result
    ]
    assert len(pairs) == len(items), "Temml failed on formulas the build converted"
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.goto(site_url + "book/softmax.html", wait_until="load")
        report = page.evaluate(_COMPARE, pairs)
    finally:
        page.close()
    assert report["compared"] == len(pairs)
    assert report["symbols"] > 5 * len(pairs), report
    assert report["differ"] == [], "simplified formulas drawn differently:\n" + "\n".join(report["differ"][:20])


# Each symbol's box is taken relative to the formula's first symbol, and the
# formula's width is compared too. (Chromium makes a formula's own box taller
# when its content sits in an extra <mrow>, without moving any symbol against
# another; that height is not compared.)
_COMPARE = """
async (pairs) => {
  const article = document.querySelector('article') || document.body;
  const holder = document.createElement('div');
  holder.innerHTML = pairs.map(([raw, simple]) =>
    '<div class="pair"><div>' + raw + '</div><div>' + simple + '</div></div>').join('');
  article.prepend(holder);
  await document.fonts.ready;
  const leaves = 'mi, mn, mo, mtext, ms';
  const layout = (math) => {
    const symbols = Array.from(math.querySelectorAll(leaves)).map(e => e.getBoundingClientRect());
    const origin = symbols.length ? symbols[0] : math.getBoundingClientRect();
    return [[math.getBoundingClientRect().width]].concat(
      symbols.map(r => [r.left - origin.left, r.top - origin.top, r.width, r.height]));
  };
  const differ = [];
  let compared = 0, symbols = 0;
  holder.querySelectorAll('.pair').forEach((pair, index) => {
    const [raw, simple] = Array.from(pair.querySelectorAll(':scope > div > math'));
    const a = layout(raw), b = layout(simple);
    compared += 1;
    symbols += a.length - 1;
    const far = a.length !== b.length
      || a.some((r, i) => r.length !== b[i].length || r.some((v, j) => Math.abs(v - b[i][j]) > %s));
    if (far) differ.push(pairs[index][1].slice(0, 160));
  });
  holder.remove();
  return {compared, symbols, differ};
}
""" % TOLERANCE_PX
