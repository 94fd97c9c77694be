"""The explorable of the chapter "Computing softmax safely", checked against softmax_lib."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from softmax_lib import logsumexp, softmax

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "book"))
from explorables import numerical_stability as ns  # noqa: E402


@pytest.fixture(scope="module")
def explorable():
    return ns.safe_softmax()


def _close_or_null(stored, expected):
    """A stored number equals the expected one; a non-finite one is stored as null."""
    if not np.isfinite(expected):
        assert stored is None
    else:
        np.testing.assert_allclose(stored, float(expected), rtol=5e-6)


STATES = [("float32", 90), ("float32", -100), ("float16", 10), ("float16", -20),
          ("float64", 710), ("float64", -740), ("float64", 0)]


@pytest.mark.parametrize(("dtype", "c"), STATES)
def test_each_state_is_what_the_formulas_give(explorable, dtype, c):
    rows = explorable.rows("terms", dtype=dtype, c=c)
    z = np.array([c, c - 1, c - 2], dtype=dtype)
    safe = softmax(z)
    with np.errstate(all="ignore"):
        e = np.exp(z)                    # the textbook formula, written out here
        naive = e / e.sum()
        lse_naive = np.log(e.sum())
    assert [r["k"] for r in rows] == ["z₁", "z₂", "z₃"]
    for k, r in enumerate(rows):
        assert r["z"] == float(z[k])
        _close_or_null(r["e"], e[k])
        _close_or_null(r["pn"], naive[k])
        _close_or_null(r["ps"], safe[k])
        assert r["ln"] == ("NaN" if np.isnan(naive[k]) else f"{naive[k]:.3f}")
        assert r["ls"] == f"{safe[k]:.3f}"
    summary = explorable.rows("lse", dtype=dtype, c=c)[0]
    _close_or_null(summary["naive"], lse_naive)
    _close_or_null(summary["safe"], logsumexp(z))
    # The shifted softmax is right at every offset: the softmax of (0, -1, -2).
    np.testing.assert_allclose(np.array([r["ps"] for r in rows]),
                               softmax(np.array([0.0, -1.0, -2.0])),
                               rtol=2e-3 if dtype == "float16" else 5e-6)


def test_status_of_each_exponential(explorable):
    def statuses(dtype, c):
        return [r["t"].rsplit(": ", 1)[1] for r in explorable.rows("terms", dtype=dtype, c=c)]

    # float32: log r_max = 88.72, log r_min = -87.34, log(sigma / 2) = -103.97.
    assert statuses("float32", 90) == ["overflow", "overflow", "normal"]
    assert statuses("float32", -100) == ["subnormal"] * 3
    assert statuses("float32", -110) == ["underflow to 0"] * 3
    # float16: log r_max = 11.09, log r_min = -9.70.
    assert statuses("float16", 10) == ["normal"] * 3
    assert statuses("float16", -10) == ["subnormal"] * 3
    # float64: log r_max = 709.78.
    assert statuses("float64", 710) == ["overflow", "normal", "normal"]


def test_description_is_the_default_state(explorable):
    state = explorable.default_state()
    assert state == {"c": 90.0, "dtype": "float32"}
    rows = explorable.rows("terms", **state)
    assert [r["ln"] for r in rows] == ["NaN", "NaN", "0.000"]
    assert [r["ls"] for r in rows] == ["0.665", "0.245", "0.090"]
    assert explorable.rows("lse", **state)[0]["t"] == "log-sum-exp: naive inf, sl.logsumexp 90.408"
    for text in ("NaN, NaN and 0", "0.665, 0.245 and 0.090", "90.408", "1.65e38"):
        assert text in explorable.description
    assert rows[2]["e"] == pytest.approx(1.65e38, rel=1e-3)


def test_grid_and_size_budget(explorable):
    assert explorable.controls[1].values == ("float16", "float32", "float64")
    offsets = explorable.controls[0].values
    assert offsets[0] == -800 and offsets[-1] == 800 and len(offsets) == 161
    n_states = 3 * 161
    assert len(explorable.rows("terms")) == 3 * n_states
    assert len(explorable.rows("lse")) == n_states
    assert len(explorable.rows("terms")) + len(explorable.rows("lse")) <= 3000
    assert len(gzip.compress(json.dumps(explorable.spec).encode())) <= 40_000
