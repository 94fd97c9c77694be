"""The explorable of the chapter "Vanishing gradients": its data against softmax_lib."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import numpy as np
import pytest

import softmax_lib as sl

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "book"))
from explorables.vanishing_gradients import scale_explorer  # noqa: E402

RTOL = 5e-6  # stored numbers keep six significant digits
# The chapter's logits, drawn here again rather than imported from the builder.
Z = np.random.default_rng(5).normal(size=100)


@pytest.fixture(scope="module")
def explorable():
    return scale_explorer()


def _norm(alpha, z):
    return np.sqrt(np.sum(sl.softmax_jacobian(alpha * z) ** 2))


@pytest.mark.parametrize(("log_alpha", "classes"),
                         [(0.0, "10"), (-2.0, "2"), (1.25, "100"), (2.0, "2"), (-0.5, "100")])
def test_states_match_softmax_lib(explorable, log_alpha, classes):
    K = int(classes)
    z = Z[:K]
    alpha = 10.0 ** log_alpha
    state = {"lga": log_alpha, "classes": classes}

    probs = explorable.rows("probs", **state)
    assert [r["c"] for r in probs] == list(range(1, K + 1))
    np.testing.assert_allclose([r["p"] for r in probs], sl.softmax(z, temperature=1 / alpha),
                               rtol=RTOL, atol=1e-300)

    (now,) = explorable.rows("now", **state)
    gap = np.diff(np.sort(z)[-2:])[0]
    norm = _norm(alpha, z)
    np.testing.assert_allclose(
        [now["a"], now["n"], now["lo"], now["hi"], now["nd"]],
        [alpha, norm, np.exp(-alpha * gap) / K**2, 4 * (K - 1) * np.exp(-alpha * gap), -gap],
        rtol=RTOL)
    # The measured rate: a central difference with a different step than the builder's.
    h = 1e-5 * alpha
    slope = (np.log(_norm(alpha + h, z)) - np.log(_norm(alpha - h, z))) / (2 * h)
    np.testing.assert_allclose(now["rate"], slope, rtol=1e-4, atol=1e-6)
    # The bounds of eq-vg-bound hold at the stored point.
    assert now["lo"] <= now["n"] <= now["hi"]


def test_rate_approaches_minus_lead_at_large_scale(explorable):
    for classes in ("2", "10", "100"):
        (now,) = explorable.rows("now", lga=2.0, classes=classes)
        assert now["rate"] == pytest.approx(now["nd"], rel=1e-3)


def test_static_sweep_is_the_norm_curve_for_each_k(explorable):
    sweep = explorable.rows("sweep")
    for classes in ("2", "10", "100"):
        rows = [r for r in sweep if r["k"] == classes]
        assert len(rows) == 81
        x = np.array([r["x"] for r in rows])
        np.testing.assert_allclose(x, np.linspace(-2, 2, 81), atol=1e-12)
        expected = [_norm(10.0 ** v, Z[:int(classes)]) for v in x]
        np.testing.assert_allclose([r["n"] for r in rows], expected, rtol=RTOL)
        assert all(r["lo"] <= r["n"] <= r["hi"] for r in rows)


def test_grid_default_and_size_budget(explorable):
    slider, select = explorable.controls
    assert len(slider.values) == 17 and select.values == ("2", "10", "100")
    default = explorable.default_state()
    assert default == {"lga": 0.0, "classes": "10"}
    assert default["lga"] in slider.values and default["classes"] in select.values
    assert len(explorable.rows("probs", **default)) == 10
    rows = sum(len(v) for v in explorable.datasets.values()) + len(explorable.static["sweep"])
    assert rows <= 3000
    assert len(gzip.compress(json.dumps(explorable.spec).encode())) <= 40_000


# --- the losses: cross-entropy and squared error, right and wrong target -----------------

from explorables.vanishing_gradients import loss_gradients  # noqa: E402


def _ten_logits():
    rng = np.random.default_rng(11)
    rng.normal(size=2)
    return rng.normal(size=10)


@pytest.fixture(scope="module")
def losses():
    return loss_gradients()


@pytest.mark.parametrize("log_alpha", [0.0, -1.0, 1.25, 2.0])
def test_loss_gradients_match_softmax_lib(losses, log_alpha):
    z = _ten_logits()
    alpha = 10.0 ** log_alpha
    s = sl.softmax(alpha * z)
    right, wrong = int(np.argmax(z)), int(np.argmin(z))
    probs = losses.rows("probs", lga=log_alpha)
    np.testing.assert_allclose([r["p"] for r in probs], s, rtol=RTOL, atol=1e-300)
    assert [r["role"] for r in probs].count("right target") == 1
    assert probs[right]["role"] == "right target" and probs[wrong]["role"] == "wrong target"

    J = sl.softmax_jacobian(alpha * z)
    expected = {}
    for name, target in (("right", right), ("wrong", wrong)):
        # s - y with the target's entry as minus the sum of the others: s_c - 1 would
        # cancel catastrophically when s_c is within a few ulp of 1 (alpha = 100).
        s_minus_y = s.copy()
        s_minus_y[target] = -np.delete(s, target).sum()
        expected["cross-entropy", name] = np.linalg.norm(s_minus_y)
        expected["squared error", name] = np.linalg.norm(J.T @ s_minus_y)
    points = losses.rows("pts", lga=log_alpha)
    assert len(points) == 4
    for row in points:
        assert row["x"] == log_alpha
        np.testing.assert_allclose(row["g"], expected[row["loss"], row["target"]],
                                   rtol=1e-4 if row["g"] < 1e-12 else RTOL)


def test_cross_entropy_keeps_the_gradient_of_a_wrong_target(losses):
    (ce_wrong,) = [r for r in losses.rows("pts", lga=2.0)
                   if r["loss"] == "cross-entropy" and r["target"] == "wrong"]
    assert ce_wrong["g"] == pytest.approx(np.sqrt(2), rel=1e-5)
    others = [r["g"] for r in losses.rows("pts", lga=2.0) if r is not ce_wrong]
    assert max(g for g in others if g != ce_wrong["g"]) < 1e-12


def test_loss_gradients_grid_and_budget(losses):
    assert losses.default_state() == {"lga": 0.0}
    assert len(losses.controls[0].values) == 13
    assert len(losses.rows("curves")) == 4 * 61
    rows = sum(len(v) for v in losses.datasets.values()) + len(losses.rows("curves"))
    assert rows <= 3000
    assert len(gzip.compress(json.dumps(losses.spec).encode())) <= 40_000


def test_static_curves_pass_through_the_points(losses):
    curves = losses.rows("curves")
    for log_alpha in (-1.0, 0.0, 1.25, 2.0):
        for point in losses.rows("pts", lga=log_alpha):
            (on_curve,) = [r for r in curves if r["loss"] == point["loss"]
                           and r["target"] == point["target"] and abs(r["x"] - log_alpha) < 1e-9]
            assert on_curve["g"] == point["g"]
