"""The explorables of the chapter "Softmax", recomputed here with softmax_lib."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from softmax_lib import softmax

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "book"))

from explorables.softmax import simplex_point, temperature_bars  # noqa: E402

RTOL = 5e-6   # stored numbers keep six significant digits
RUNNING_EXAMPLE = np.array([1.0, 3.0, 2.5, -1.0])   # the chapter's logits


@pytest.fixture(scope="module")
def bars():
    return temperature_bars()


@pytest.fixture(scope="module")
def simplex():
    return simplex_point()


def _example(z3, size=4):
    z = RUNNING_EXAMPLE[:size].copy()
    z[2] = z3
    return z


@pytest.mark.parametrize(("temperature", "z3"), [(1.0, 2.5), (0.2, -1.0), (3.0, 5.0),
                                                 (1.4, 3.0), (0.6, 0.5)])
def test_bars_are_softmax_of_z_over_t_and_the_one_hot_argmax(bars, temperature, z3):
    z = _example(z3)
    rows = bars.rows("bars", temperature=temperature, z3=z3)
    assert len(rows) == 2 * z.size
    soft = [r for r in rows if r["kind"].startswith("softmax")]
    hard = [r for r in rows if r["kind"].startswith("max")]
    expected = softmax(z / temperature)
    np.testing.assert_allclose([r["v"] for r in soft], expected, rtol=RTOL)
    # argmax of the running example: z₂ = 3 unless z₃ exceeds it (a tie goes to z₂)
    winner = 2 if z3 > 3 else 1
    assert [r["v"] for r in hard] == [1.0 if k == winner else 0.0 for k in range(4)]
    # each class is named by its logit and, on a second line, its probability
    assert [r["c"] for r in soft] == [f"z{'₁₂₃₄'[k]} = {z[k]:g}|{expected[k]:.3f}"
                                      for k in range(4)]
    assert [r["c"] for r in hard] == [r["c"] for r in soft]


def test_bars_open_on_the_chapter_example(bars):
    assert bars.default_state() == {"temperature": 1.0, "z3": 2.5}
    soft = [r["v"] for r in bars.rows("bars", **bars.default_state())
            if r["kind"].startswith("softmax")]
    np.testing.assert_allclose(soft, [0.076887, 0.568123, 0.344584, 0.010406], atol=5e-7)
    assert "0.077, 0.568, 0.345, 0.010" in bars.description


@pytest.mark.parametrize(("temperature", "z3"), [(1.0, 2.5), (0.2, 5.0), (3.0, -1.0),
                                                 (2.2, 3.0)])
def test_simplex_point_is_softmax_in_barycentric_coordinates(simplex, temperature, z3):
    p = softmax(_example(z3, 3) / temperature)
    (row,) = simplex.rows("point", temperature=temperature, z3=z3)
    np.testing.assert_allclose([row["s1"], row["s2"], row["s3"]], p, rtol=RTOL)
    # corners at (0, 0), (1, 0), (1/2, √3/2)
    np.testing.assert_allclose([row["x"], row["y"]],
                               [p[1] + p[2] / 2, p[2] * np.sqrt(3) / 2], rtol=RTOL, atol=1e-12)
    assert row["text"] == "s = (" + ", ".join(f"{v:.3f}" for v in p) + ")"


def test_simplex_paths_follow_the_temperature_sweep(simplex):
    paths = simplex.rows("paths")
    for z3 in (-1.0, 3.0, 5.0):
        path = sorted((r for r in paths if r["z3"] == z3), key=lambda r: r["i"])
        temperatures = np.geomspace(0.05, 50.0, len(path))
        p = softmax(_example(z3, 3)[None, :] / temperatures[:, None])
        np.testing.assert_allclose([r["x"] for r in path], p[:, 1] + p[:, 2] / 2,
                                   rtol=RTOL, atol=1e-12)
        np.testing.assert_allclose([r["y"] for r in path], p[:, 2] * np.sqrt(3) / 2,
                                   rtol=RTOL, atol=1e-12)
    # the centre is the uniform distribution
    (centre,) = simplex.rows("centre")
    np.testing.assert_allclose([centre["x"], centre["y"]], [0.5, np.sqrt(3) / 6], rtol=RTOL)


@pytest.mark.parametrize("builder", [temperature_bars, simplex_point])
def test_grid_and_size_budget(builder):
    ex = builder()
    states = np.prod([len(c.values) for c in ex.controls])
    rows = sum(len(v) for v in ex.datasets.values()) + sum(len(v) for v in ex.static.values())
    assert states == 15 * 13
    assert rows <= 3000
    assert len(gzip.compress(json.dumps(ex.spec).encode())) <= 40_000
    default = ex.default_state()
    for control in ex.controls:
        assert default[control.name] in control.values
    for dataset in ex.datasets:
        assert ex.rows(dataset, **default), f"default state missing from {dataset}"
