"""The explorables of the chapter "Online and parallel softmax", checked against softmax_lib."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from softmax_lib import logsumexp, softmax, state_of

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "book"))
from explorables import online_softmax as onl  # noqa: E402

X = onl.STREAM


@pytest.fixture(scope="module")
def stream():
    return onl.stream_steps()


@pytest.fixture(scope="module")
def merged():
    return onl.block_merge()


def _budget(ex):
    rows = sum(len(v) for v in ex.datasets.values()) + sum(len(v) for v in ex.static.values())
    assert rows <= 3000
    assert len(gzip.compress(json.dumps(ex.spec).encode())) <= 40_000


@pytest.mark.parametrize("n", [1, 5, 14, 16])
def test_stream_state_after_n_logits_is_that_of_the_prefix(stream, n):
    rows = stream.rows("seen", n=n)
    assert [r["i"] for r in rows] == list(range(1, n + 1))
    for r in rows:
        prefix = X[: r["i"]]
        assert r["x"] == pytest.approx(X[r["i"] - 1])
        assert r["m"] == pytest.approx(float(np.max(prefix)), rel=5e-6)
        # d is the normaliser relative to the prefix maximum: log d = LSE - m.
        expected_d = np.exp(float(logsumexp(prefix)) - np.max(prefix))
        np.testing.assert_allclose(r["d"], expected_d, rtol=5e-6)
        np.testing.assert_allclose(r["d"], float(state_of(prefix).d), rtol=5e-6)


def test_stream_text_shows_the_rescaling(stream):
    note = [r["t"] for r in stream.rows("note", n=14)]
    assert note[0] == "step 14: x₁₄ = 7.6 is a new maximum: m goes from 4.2 to 7.6"
    d13 = float(state_of(X[:13]).d)
    d14 = float(state_of(X[:14]).d)
    factor = np.exp(4.2 - 7.6)
    assert np.isclose(d14, d13 * factor + 1.0)
    assert note[2].split() == ["=", f"{d13:.4f}", "×", f"{factor:.4f}", "+", "1.0000",
                               "=", f"{d14:.4f}"]
    assert "the maximum stays" in stream.rows("note", n=15)[0]["t"]
    assert [r["t"] for r in stream.rows("note", n=1)] == [
        f"step 1: x₁ = {X[0]:g} starts the state: m₁ = {X[0]:g}, d₁ = 1"]


def test_stream_grid_default_and_budget(stream):
    assert stream.controls[0].values == tuple(float(n) for n in range(1, 17))
    assert stream.default_state() == {"n": 14.0}
    assert "from 4.2 to 7.6" in stream.description
    assert len(stream.rows("seen")) == 16 * 17 // 2
    _budget(stream)


@pytest.mark.parametrize("p", [1, 8, 13, 15])
def test_merge_of_two_blocks_is_the_state_of_the_row(merged, p):
    a, b = X[:p], X[p:]
    parts = {r["blk"]: r for r in merged.rows("parts", p=p)}
    whole_m = float(np.max(X))
    whole_d = float(np.sum(np.exp(X - whole_m)))
    for name, block in (("a", a), ("b", b)):
        m_block = float(np.max(block))
        d_block = float(np.sum(np.exp(block - m_block)))
        np.testing.assert_allclose(parts[name]["m"], m_block, rtol=5e-6)
        np.testing.assert_allclose(parts[name]["d"], d_block, rtol=5e-6)
        np.testing.assert_allclose(parts[name]["w"], d_block * np.exp(m_block - whole_m),
                                   rtol=5e-6)
    state = merged.rows("merged", p=p)[0]
    np.testing.assert_allclose([state["m"], state["d"]], [whole_m, whole_d], rtol=5e-6)
    np.testing.assert_allclose(parts["a"]["w"] + parts["b"]["w"], whole_d, rtol=2e-5)
    # The normaliser reproduces the softmax of the whole row.
    np.testing.assert_allclose(np.exp(X - state["m"]) / state["d"], softmax(X), rtol=2e-5)
    blocks = [r["blk"] for r in merged.rows("points", p=p)]
    assert blocks == ["a"] * p + ["b"] * (16 - p)


def test_merge_grid_default_and_budget(merged):
    assert merged.controls[0].values == tuple(float(p) for p in range(1, 16))
    assert merged.default_state() == {"p": 8.0}
    whole = merged.rows("whole")[0]
    np.testing.assert_allclose(whole["d"], float(state_of(X).d), rtol=5e-6)
    _budget(merged)
