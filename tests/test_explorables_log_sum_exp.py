"""The explorable of the chapter "Log-sum-exp and log-softmax", recomputed here."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import mpmath
import numpy as np
import pytest

from softmax_lib import logsumexp

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "book"))

from explorables.log_sum_exp import lse_accuracy  # noqa: E402

RTOL = 5e-6   # stored numbers keep six significant digits


@pytest.fixture(scope="module")
def explorable():
    return lse_accuracy()


def _expected(gap, dtype, offset):
    """Naive, shifted and softmax_lib LSE of (o, o - t), and the exact value, from scratch."""
    z = np.array([offset, offset - gap], dtype=dtype)
    with np.errstate(over="ignore"):
        naive = np.log(np.exp(z).sum())
    shifted = z.max() + np.log(np.exp(z - z.max()).sum())
    with mpmath.workdps(60):
        # o + log(1 + e^{-t}): the closed form, not the sum the module uses
        reference = mpmath.mpf(offset) + mpmath.log1p(mpmath.exp(-mpmath.mpf(gap)))
        spacing = mpmath.mpf(float(np.spacing(np.abs(np.array(float(reference), dtype=dtype)))))
        errors = [None if np.isinf(v) else float(abs(mpmath.mpf(float(v)) - reference) / spacing)
                  for v in (naive, shifted, logsumexp(z))]
    return [naive, shifted, logsumexp(z)], errors, reference


STATES = [(20.0, "float32", "0"), (0.0, "float64", "0"), (38.0, "float64", "0"),
          (6.0, "float16", "100"), (40.0, "float64", "1000"), (9.0, "float16", "0"),
          (3.0, "float32", "100")]


@pytest.mark.parametrize(("gap", "dtype", "offset"), STATES)
def test_rows_match_an_independent_computation(explorable, gap, dtype, offset):
    values, errors, reference = _expected(gap, dtype, float(offset))
    rows = explorable.rows("methods", gap=gap, dtype=dtype, offset=offset)
    assert [r["m"] for r in rows] == ["naive", "shifted", "log1p (softmax_lib)"]
    for row, value, error in zip(rows, values, errors):
        if np.isinf(value):
            assert row["v"] is None and row["e"] is None
            assert row["text"].endswith("inf (overflow)")
        else:
            np.testing.assert_allclose(row["v"], float(value), rtol=RTOL)
            np.testing.assert_allclose(row["e"], error, rtol=1e-5, atol=1e-9)
    (summary,) = explorable.rows("exact", gap=gap, dtype=dtype, offset=offset)
    np.testing.assert_allclose(summary["x"], float(reference), rtol=RTOL)
    # the static curve at this gap holds the same errors
    curve = [r for r in explorable.rows("curves")
             if (r["t"], r["dtype"], r["offset"]) == (gap, dtype, offset)]
    assert [r["e"] for r in curve] == [r["e"] for r in rows]


def test_what_the_page_says(explorable):
    rows = {(r["gap"], r["dtype"], r["offset"], r["m"]): r["e"]
            for r in explorable.datasets["methods"]}
    # softmax_lib is correctly rounded in float16 and float32 (within half an ulp,
    # stored to 6 digits) and within 1 ulp in float64 on the grid, as the caption says
    for dtype, bound in (("float16", 0.5), ("float32", 0.5), ("float64", 1.0)):
        worst = max(e for (_, d, _, m), e in rows.items() if d == dtype and m.startswith("log1p"))
        assert worst <= bound * (1 + 5e-6), (dtype, worst)
    # naive overflows for a large offset in float16 and float32, and at 1000 in float64
    assert rows[(0.0, "float16", "100", "naive")] is None
    assert rows[(0.0, "float32", "100", "naive")] is None
    assert rows[(0.0, "float64", "100", "naive")] is not None
    assert rows[(0.0, "float64", "1000", "naive")] is None
    # with o = 0 the naive and shifted formulas return exactly 0 once 1 + e^{-t}
    # rounds to 1: from t = 17 in float32, 8 in float16 and 37 in float64 (the page)
    values = {(r["gap"], r["dtype"], r["offset"], r["m"]): r["v"]
              for r in explorable.datasets["methods"]}
    for dtype, first in (("float32", 17), ("float16", 8), ("float64", 37)):
        for method in ("naive", "shifted"):
            zero = [t for t in range(41) if values[(float(t), dtype, "0", method)] == 0.0]
            assert zero == list(range(first, 41)), (dtype, method, zero)
    assert all(rows[(t, "float32", "0", "shifted")] > 1e6 for t in np.arange(17.0, 41.0))
    # with o = 0 the two curves coincide (the caption): same values in every format
    for dtype in ("float16", "float32", "float64"):
        for t in range(41):
            assert values[(float(t), dtype, "0", "naive")] == values[(float(t), dtype, "0", "shifted")]
    # the symmetric-log axis reaches every finite error
    assert max(e for e in rows.values() if e is not None) <= 1e16


def test_grid_and_size_budget(explorable):
    assert [len(c.values) for c in explorable.controls] == [41, 3, 3]
    rows = sum(len(v) for v in explorable.datasets.values()) + len(explorable.static["curves"])
    assert rows <= 3000
    assert len(gzip.compress(json.dumps(explorable.spec).encode())) <= 40_000
    default = explorable.default_state()
    assert default == {"gap": 20.0, "dtype": "float32", "offset": "0"}
    assert explorable.rows("methods", **default)
