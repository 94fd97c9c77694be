"""The explorable of the chapter "L1, L2 and Huber losses", recomputed independently."""

import gzip
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import brentq

from softmax_lib import huber_loss, huber_loss_grad, l1_loss, mse_loss

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "book"))
from explorables.regression_losses import INLIERS, outlier_fits  # noqa: E402

RTOL = 5e-6  # numbers are stored to 6 significant digits


@pytest.fixture(scope="module")
def explorable():
    return outlier_fits()


def _huber_constant(values, delta):
    """Huber's location estimate: the root of sum(clip(c - y, -delta, delta)), by Brent."""
    def slope(c):
        return np.clip(c - values, -delta, delta).sum()
    return brentq(slope, values.min(), values.max(), xtol=1e-14, rtol=1e-15)


@pytest.mark.parametrize("delta, size", [(1.0, 12.0), (0.25, 0.0), (2.0, 20.0), (1.5, 6.0)])
def test_fits_are_the_mean_the_median_and_hubers_estimate(explorable, delta, size):
    values = np.append(INLIERS, 3.0 + size)
    expected = {"L2": values.mean(), "L1": np.median(values),
                "Huber": _huber_constant(values, delta)}
    fits = {r["loss"]: r["c"] for r in explorable.rows("fits", delta=delta, size=size)}
    assert fits.keys() == expected.keys()
    for name, c in expected.items():
        np.testing.assert_allclose(fits[name], c, rtol=RTOL)
    (outlier,) = explorable.rows("outlier", delta=delta, size=size)
    np.testing.assert_allclose(outlier["y"], values[-1], rtol=RTOL)
    residuals = explorable.rows("residuals", delta=delta, size=size)
    for name, c in expected.items():
        shown = [r["r"] for r in residuals if r["loss"] == name]
        np.testing.assert_allclose(shown, c - values, rtol=RTOL, atol=1e-6)


@pytest.mark.parametrize("delta, size", [(1.0, 12.0), (0.5, 18.0)])
def test_each_fit_minimises_its_library_loss(explorable, delta, size):
    values = np.append(INLIERS, 3.0 + size)
    fits = {r["loss"]: r["c"] for r in explorable.rows("fits", delta=delta, size=size)}
    losses = {"L2": (mse_loss, {}), "L1": (l1_loss, {}), "Huber": (huber_loss, {"delta": delta})}
    for name, (loss, options) in losses.items():
        at = loss(np.full_like(values, fits[name]), values, **options)
        for step in (-1e-3, 1e-3):
            assert at <= loss(np.full_like(values, fits[name] + step), values, **options)
    # Huber's fit is where the library's gradient sums to 0 (up to the stored rounding).
    slope = huber_loss_grad(np.full_like(values, fits["Huber"]), values, delta=delta,
                            reduction="sum").sum()
    assert abs(slope) < 1e-4


def test_grid_budget_and_default(explorable):
    assert explorable.default_state() == {"delta": 1.0, "size": 12.0}
    assert len(explorable.datasets["residuals"]) == 8 * 11 * 3 * 7
    rows = sum(len(v) for v in explorable.datasets.values())
    assert rows <= 3000
    assert len(gzip.compress(json.dumps(explorable.spec).encode())) <= 40_000
    assert explorable.rows("fits", **explorable.default_state())
    assert explorable.rows("inliers") == [{"point": i + 1, "y": v} for i, v in enumerate(INLIERS)]


def test_description_quotes_the_default_state(explorable):
    """The text alternative's numbers are those of the default state (delta 1, size 12)."""
    assert explorable.default_state() == {"delta": 1.0, "size": 12.0}
    values = np.append(INLIERS, 3.0 + 12.0)
    text = explorable.description
    for quoted, value in [("15", values[-1]), ("4.73", values.mean()),
                          ("3.1", np.median(values)), ("3.18", _huber_constant(values, 1.0))]:
        assert quoted in text
        digits = len(quoted.split(".")[1]) if "." in quoted else 0
        assert abs(float(quoted) - value) <= 0.5 * 10.0**-digits + 1e-12, quoted
