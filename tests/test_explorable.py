"""The explorable framework (softmax_lib.explorable) and the site's renderer of it."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from softmax_lib import softmax
from softmax_lib.explorable import (
    VEGALITE_MIMETYPE,
    Explorable,
    Select,
    Slider,
    round_number,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "book" / "_ext"))
import explorable_site  # noqa: E402


def _bars(temperature, kind):
    z = np.array([1.0, 0.0, -1.0]) * (2.0 if kind == "wide" else 1.0)
    p = softmax(z / temperature)
    return {"bars": [{"k": k, "p": p[k]} for k in range(3)]}


def _example(**extra):
    return Explorable(
        "demo-bars",
        controls=[Slider("temperature", "T", [0.5, 1.0, 1.5], 1.0),
                  Select("kind", "Logits", ["narrow", "wide"], "narrow")],
        states=_bars,
        chart={"data": {"name": "bars"}, "mark": "bar",
               "encoding": {"x": {"field": "k", "type": "ordinal"},
                            "y": {"field": "p", "type": "quantitative"}}},
        description="Three bars.",
        **extra,
    )


def test_every_state_is_tabulated_with_its_control_values():
    ex = _example()
    assert len(ex.datasets["bars"]) == 3 * 2 * 3
    rows = ex.rows("bars", temperature=1.5, kind="wide")
    expected = softmax(np.array([2.0, 0.0, -2.0]) / 1.5)
    assert [r["k"] for r in rows] == [0, 1, 2]
    assert all(r["temperature"] == 1.5 and r["kind"] == "wide" for r in rows)
    # Six significant digits: a relative error of at most half a unit in the sixth.
    np.testing.assert_allclose([r["p"] for r in rows], expected, rtol=5e-6)


def test_numbers_are_rounded_and_non_finite_values_become_null():
    assert round_number(np.float32(0.1)) == 0.1
    assert round_number(1 / 3) == 0.333333
    assert round_number(-0.0) == 0.0
    assert round_number(float("nan")) is None
    assert round_number(np.inf) is None


def test_spec_binds_controls_and_filters_per_state_views_only():
    ex = _example(static={"curve": [{"x": 0.0, "y": np.float64(1.0)}]})
    spec = ex.spec
    params = {p["name"]: p for p in spec["params"]}
    assert params["temperature"]["bind"] == {"input": "range", "min": 0.5, "max": 1.5,
                                             "step": 0.5, "name": "T"}
    assert params["kind"]["bind"]["options"] == ["narrow", "wide"]
    assert params["temperature"]["value"] == 1.0 and params["kind"]["value"] == "narrow"
    condition = spec["transform"][0]["filter"]
    assert "datum.temperature" in condition and "datum.kind === kind" in condition
    assert spec["datasets"]["curve"] == [{"x": 0.0, "y": 1.0}]
    assert spec["usermeta"]["explorable"] == "demo-bars"
    json.dumps(spec, allow_nan=False)  # valid JSON: no NaN, no NumPy types


def test_mime_bundle_is_vegalite_for_jupyterlab():
    bundle = _example()._repr_mimebundle_()
    assert set(bundle) == {VEGALITE_MIMETYPE, "text/plain"}
    assert bundle["text/plain"] == "Explorable: Three bars."


@pytest.mark.parametrize(
    ("factory", "error"),
    [
        (lambda: Slider("T", "T", [1, 2], 1), ValueError),          # not an identifier
        (lambda: Slider("t", "T", [1, 2, 4], 1), ValueError),       # uneven grid
        (lambda: Slider("t", "T", [2, 1], 1), ValueError),          # decreasing
        (lambda: Slider("t", "T", [1, 2], 3), ValueError),          # default off the grid
        (lambda: Select("s", "S", ["a"], "a"), ValueError),         # one option
        (lambda: Select("s", "S", ["a", "b"], "c"), ValueError),    # default not an option
        (lambda: Explorable("Bad Name", [Slider("t", "T", [1, 2], 1)], _bars, {}, "d"),
         ValueError),
        (lambda: Explorable("ok", [], _bars, {}, "d"), TypeError),
        (lambda: Explorable("ok", [Slider("t", "T", [1, 2], 1)], 3, {}, "d"), TypeError),
        (lambda: Explorable("ok", [Slider("t", "T", [1, 2], 1)], _bars, {}, " "), ValueError),
    ],
)
def test_bad_definitions_are_refused(factory, error):
    with pytest.raises(error):
        factory()


def test_site_renderer_compiles_and_names_the_state_dataset(tmp_path):
    spec = _example(caption="Bars & more").spec
    vega = explorable_site.compile_to_vega(spec)
    datasets = explorable_site.state_datasets(spec, vega)
    compiled = next(d for d in vega["data"] if d["name"] == datasets["bars"])
    assert compiled["source"] == "bars"
    assert compiled["transform"][0]["type"] == "filter"
    parts = explorable_site.figure_parts(spec, vega, "../_images/x.svg", 'width="3" height="4"',
                                         "../_static/explorables/x.json")
    page = explorable_site.figure_html(parts, spec["description"], spec["usermeta"]["caption"])
    assert 'id="explorable-demo-bars"' in page
    assert "<figcaption>Bars &amp; more</figcaption>" in page
    # The default state is an image from the start (with or without JavaScript);
    # the compiled specification is a file fetched when the figure is drawn.
    assert ('<img src="../_images/x.svg" alt="Three bars." width="3" height="4" '
            'loading="lazy" decoding="async">') in page
    assert 'data-spec="../_static/explorables/x.json"' in page
    assert "<script" not in page
    assert json.loads(explorable_site.vega_json(vega)) == vega
    svg = explorable_site.default_state_svg(spec)
    assert re.fullmatch(r'width="[1-9]\d*" height="[1-9]\d*"', explorable_site.svg_size(svg))
    with pytest.raises(ValueError):
        explorable_site.svg_size('<svg viewBox="0 0 1 1"></svg>')
    assert svg.startswith("<svg") and svg.count("<path") >= 3  # three bars drawn


def test_site_renderer_maps_per_state_datasets_only():
    # A line with a quantitative x makes Vega-Lite convert types before the
    # state filter; a static dataset gets Vega-Lite's own validity filter.
    ex = _example(static={"curve": [{"x": 0.0, "y": 1.0}, {"x": 1.0, "y": None}]})
    ex.chart = {"layer": [
        {"data": {"name": "bars"}, "mark": "line",
         "encoding": {"x": {"field": "k", "type": "quantitative"},
                      "y": {"field": "p", "type": "quantitative"}}},
        {"data": {"name": "curve"}, "mark": "line",
         "encoding": {"x": {"field": "x", "type": "quantitative"},
                      "y": {"field": "y", "type": "quantitative"}}},
    ]}
    spec = ex.spec
    datasets = explorable_site.state_datasets(spec, explorable_site.compile_to_vega(spec))
    assert set(datasets) == {"bars"}
