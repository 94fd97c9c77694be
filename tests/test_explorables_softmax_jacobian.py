"""The explorable of the chapter "The softmax Jacobian", recomputed here with softmax_lib."""

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

from explorables.softmax_jacobian import jacobian_heatmap  # noqa: E402

RTOL = 5e-6   # stored numbers keep six significant digits
Z_SAMPLE = np.array([1.5, 1.0, 0.3, -0.4, -1.0])   # the chapter's logits


@pytest.fixture(scope="module")
def explorable():
    return jacobian_heatmap()


def _jacobian(temperature):
    # Independent of softmax_jacobian: diag(s) - s s^T from softmax itself.
    s = softmax(Z_SAMPLE, temperature=temperature)
    return np.diag(s) - np.outer(s, s)


@pytest.mark.parametrize("temperature", [1.0, 0.1, 0.5, 2.3, 4.0])
def test_cells_eigenvalues_and_norm_match_softmax(explorable, temperature):
    J = _jacobian(temperature)
    cells = explorable.rows("cells", temperature=temperature)
    assert [(r["i"], r["j"]) for r in cells] == [(i, j) for i in range(1, 6) for j in range(1, 6)]
    np.testing.assert_allclose([r["v"] for r in cells], J.ravel(), rtol=RTOL, atol=1e-12)
    assert all((r["ink"] == "white") == (abs(r["v"]) > 0.15) for r in cells)
    eigen = explorable.rows("eigen", temperature=temperature)
    np.testing.assert_allclose([r["lam"] for r in eigen], np.linalg.eigvalsh(J),
                               rtol=RTOL, atol=1e-12)
    (norm,) = explorable.rows("norm", temperature=temperature)
    trace = 1 - np.sum(softmax(Z_SAMPLE / temperature) ** 2)
    np.testing.assert_allclose([norm["fro"], norm["tr"]], [np.sqrt(np.sum(J**2)), trace],
                               rtol=RTOL)
    assert norm["text"] == f"Frobenius norm {np.sqrt(np.sum(J**2)):.4f}; trace {np.trace(J):.4f}"


def test_colour_scale_and_axes_hold_every_state(explorable):
    # The fixed colour domain [-1/4, 1/4] and eigenvalue axis [0, 1/2] contain every value.
    values = [r["v"] for r in explorable.datasets["cells"]]
    assert -0.25 <= min(values) and max(values) <= 0.25
    assert max(r["lam"] for r in explorable.datasets["eigen"]) <= 0.5
    # the dashed line is 1/K, the large-T limit of the non-zero eigenvalues
    np.testing.assert_allclose(explorable.rows("limit")[0]["lam"], 1 / 5, rtol=RTOL)


def test_default_state_is_the_chapter_figure(explorable):
    assert explorable.default_state() == {"temperature": 1.0}
    eigen = [r["lam"] for r in explorable.rows("eigen", temperature=1.0)]
    # the chapter prints these eigenvalues at T = 1 (to 4 decimals)
    np.testing.assert_allclose(eigen, [0.0, 0.0443, 0.0858, 0.181, 0.3639], atol=6e-5)


def test_grid_and_size_budget(explorable):
    temperatures = explorable.controls[0].values
    assert len(temperatures) == 40
    rows = sum(len(v) for v in explorable.datasets.values())
    assert rows == 40 * (25 + 5 + 1) and rows <= 3000
    assert len(gzip.compress(json.dumps(explorable.spec).encode())) <= 40_000
    assert explorable.default_state()["temperature"] in temperatures


def test_description_states_the_default_entries(explorable):
    J = _jacobian(1.0)
    off_diagonal = J[~np.eye(J.shape[0], dtype=bool)]
    assert off_diagonal.max() < 0                  # every off-diagonal entry is -s_i s_j
    expected = (f"diagonal entries from {J.diagonal().min():.3f} to {J.diagonal().max():.3f}, "
                f"off-diagonal entries from {off_diagonal.min():.3f} to {off_diagonal.max():.3f}")
    assert expected in explorable.description
