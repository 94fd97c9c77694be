"""The explorables of the chapter "The cross-entropy loss", recomputed independently."""

import gzip
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from softmax_lib import log_softmax, softmax

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "book"))
from explorables.cross_entropy_loss import (  # noqa: E402
    BATCH_LABELS,
    BATCH_LOGITS,
    smoothing_bars,
    weighted_batch,
)

RTOL = 5e-6  # numbers are stored to 6 significant digits
ATOL = 1e-12


@pytest.fixture(scope="module")
def smoothing():
    return smoothing_bars()


@pytest.fixture(scope="module")
def weights():
    return weighted_batch()


def _budget(ex, max_rows=3000, max_gzip=40_000):
    rows = sum(len(v) for v in ex.datasets.values())
    assert rows <= max_rows
    assert len(gzip.compress(json.dumps(ex.spec).encode())) <= max_gzip


@pytest.mark.parametrize("t, eps", [(2.0, 0.1), (-4.0, 0.0), (8.0, 0.3), (3.5, 0.05)])
def test_smoothing_bars_match_the_definitions(smoothing, t, eps):
    logits = np.array([t, 0.0, 0.0])
    p = softmax(logits)
    target = (1 - eps) * np.eye(3)[0] + eps / 3
    loss = -(target * log_softmax(logits)).sum()

    dist = smoothing.rows("dist", t=t, eps=eps)
    assert len(dist) == 6
    np.testing.assert_allclose([r["v"] for r in dist if r["kind"].startswith("p")], p,
                               rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose([r["v"] for r in dist if r["kind"].startswith("target")],
                               target, rtol=RTOL, atol=ATOL)
    grad = smoothing.rows("grad", t=t, eps=eps)
    np.testing.assert_allclose([r["g"] for r in grad], p - target, rtol=RTOL, atol=1e-9)
    (shown,) = smoothing.rows("loss", t=t, eps=eps)
    np.testing.assert_allclose(shown["loss"], loss, rtol=RTOL)
    assert shown["text"] == f"loss L = {loss:.4f}"


def test_smoothing_gradient_vanishes_near_the_smoothed_optimum(smoothing):
    # t* = log 28 = 3.33 for eps = 0.1, K = 3: the grid points around it change sign.
    below = smoothing.rows("grad", t=3.0, eps=0.1)[0]["g"]
    above = smoothing.rows("grad", t=3.5, eps=0.1)[0]["g"]
    assert below < 0 < above


def test_smoothing_grid_and_budget(smoothing):
    assert len(smoothing.datasets["dist"]) == 25 * 7 * 6
    assert smoothing.default_state() == {"t": 2.0, "eps": 0.1}
    assert smoothing.rows("loss", **smoothing.default_state())
    _budget(smoothing)


def _weighted_terms(w3, ignored_rows):
    weight = np.array([1.0, 1.0, w3])
    active = np.ones(len(BATCH_LABELS), dtype=bool)
    active[list(ignored_rows)] = False
    row_weight = np.where(active, weight[BATCH_LABELS], 0.0)
    rows = np.arange(len(BATCH_LABELS))
    nll = -log_softmax(BATCH_LOGITS)[rows, BATCH_LABELS]
    total_weight = row_weight.sum()
    share = row_weight * nll / total_weight
    one_hot = np.eye(3)[BATCH_LABELS]
    grad = row_weight[:, None] * (softmax(BATCH_LOGITS) - one_hot) / total_weight
    return share, np.linalg.norm(grad, axis=-1)


@pytest.mark.parametrize("w3, ignored, rows", [
    (1.0, "none", ()), (5.0, "none", ()), (0.0, "example 2", (1,)),
    (2.5, "examples 5 and 6", (4, 5)),
])
def test_weighted_batch_matches_the_weighted_mean(weights, w3, ignored, rows):
    share, size = _weighted_terms(w3, rows)
    shown = weights.rows("rows", w3=w3, ignored=ignored)
    assert len(shown) == 6
    np.testing.assert_allclose([r["share"] for r in shown], share, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose([r["gnorm"] for r in shown], size, rtol=RTOL, atol=ATOL)
    (loss,) = weights.rows("loss", w3=w3, ignored=ignored)
    np.testing.assert_allclose(loss["loss"], share.sum(), rtol=RTOL)
    for n in rows:
        assert shown[n]["share"] == 0.0 and shown[n]["gnorm"] == 0.0


def test_weighted_batch_grid_and_budget(weights):
    assert len(weights.datasets["rows"]) == 11 * 3 * 6
    assert weights.default_state() == {"w3": 1.0, "ignored": "none"}
    assert weights.rows("rows", **weights.default_state())
    _budget(weights)


def _quotes(description, quoted, value):
    """``quoted`` appears in ``description`` and is ``value`` rounded to its digits."""
    assert quoted in description, quoted
    digits = len(quoted.split(".")[1])
    assert abs(float(quoted.replace("−", "-")) - value) <= 0.5 * 10.0**-digits + 1e-12, quoted


def test_smoothing_description_quotes_the_default_state(smoothing):
    assert smoothing.default_state() == {"t": 2.0, "eps": 0.1}
    logits = np.array([2.0, 0.0, 0.0])
    p = softmax(logits)
    y_ls = 0.9 * np.eye(3)[0] + 0.1 / 3
    grad = p - y_ls
    loss = -(y_ls * log_softmax(logits)).sum()
    for quoted, value in [("0.79", p[0]), ("0.11", p[1]), ("0.93", y_ls[0]),
                          ("0.033", y_ls[1]), ("−0.15", grad[0]), ("0.073", grad[1]),
                          ("0.3729", loss)]:
        _quotes(smoothing.description, quoted, value)


def test_weighted_batch_description_quotes_the_default_state(weights):
    share, _ = _weighted_terms(1.0, ())
    quoted = ["0.040", "0.16", "0.12", "0.067", "0.086", "0.18"]
    for text, value in zip(quoted, share):
        _quotes(weights.description, text, value)
    _quotes(weights.description, "0.6572", share.sum())
