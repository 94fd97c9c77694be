"""The explorables of the chapter "Information, entropy and coding", against softmax_lib."""

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
from explorables.entropy_and_coding import huffman_editor  # noqa: E402

RTOL = 5e-6  # stored numbers keep six significant digits


@pytest.fixture(scope="module")
def explorable():
    return huffman_editor()


@pytest.mark.parametrize("weights", [(1, 3, 5, 7), (9, 1, 1, 1), (5, 5, 5, 5), (1, 9, 3, 7),
                                     (9, 9, 1, 1)])
def test_states_match_softmax_lib(explorable, weights):
    state = dict(zip(("wa", "wb", "wc", "wd"), map(float, weights)))
    p = np.array(weights, dtype=float) / sum(weights)
    code = sl.huffman_code(p)
    H = sl.entropy(p, base=2)
    L = sl.average_code_length(p, code)

    sym = explorable.rows("sym", **state)
    assert [r["s"] for r in sym] == ["a", "b", "c", "d"]
    np.testing.assert_allclose([r["p"] for r in sym], p, rtol=RTOL)
    assert [r["cw"] for r in sym] == code
    assert [r["len"] for r in sym] == [len(w) for w in code]

    (bits,) = explorable.rows("bits", **state)
    np.testing.assert_allclose([bits["H"], bits["L"], bits["H1"]], [H, L, H + 1], rtol=RTOL)
    assert bits["kraft"] == sl.kraft_sum(code) == 1.0
    # L from the stored lengths, and the bound of the source coding theorem.
    assert bits["L"] == pytest.approx(float(p @ [len(w) for w in code]), rel=RTOL)
    assert bits["H"] <= bits["L"] < bits["H1"]


def test_uniform_weights_give_two_bit_codewords(explorable):
    sym = explorable.rows("sym", wa=3.0, wb=3.0, wc=3.0, wd=3.0)
    assert [r["len"] for r in sym] == [2, 2, 2, 2]
    (bits,) = explorable.rows("bits", wa=3.0, wb=3.0, wc=3.0, wd=3.0)
    assert bits["H"] == pytest.approx(2.0) and bits["L"] == pytest.approx(2.0)


def test_grid_default_and_size_budget(explorable):
    assert [len(c.values) for c in explorable.controls] == [5, 5, 5, 5]
    default = explorable.default_state()
    assert default == {"wa": 1.0, "wb": 3.0, "wc": 5.0, "wd": 7.0}
    assert all(default[c.name] in c.values for c in explorable.controls)
    assert len(explorable.rows("sym", **default)) == 4
    assert sum(len(v) for v in explorable.datasets.values()) <= 3200
    assert len(gzip.compress(json.dumps(explorable.spec).encode())) <= 40_000


# --- the wrong code: data p fixed, model q from the sliders ------------------------------

from explorables.entropy_and_coding import wrong_code  # noqa: E402

DATA = np.array([0.1, 0.2, 0.3, 0.4])


@pytest.fixture(scope="module")
def wrong():
    return wrong_code()


@pytest.mark.parametrize("weights", [(4, 2, 1, 1), (1, 2, 3, 4), (1, 1, 1, 3), (5, 1, 5, 1),
                                     (2, 3, 4, 5)])
def test_wrong_code_states_match_softmax_lib(wrong, weights):
    state = dict(zip(("wa", "wb", "wc", "wd"), map(float, weights)))
    q = np.array(weights, dtype=float) / sum(weights)
    code = sl.huffman_code(q)

    sym = wrong.rows("sym", **state)
    assert [r["s"] for r in sym] == ["a", "b", "c", "d"]
    np.testing.assert_allclose([r["p"] for r in sym], DATA, rtol=RTOL)
    np.testing.assert_allclose([r["q"] for r in sym], q, rtol=RTOL)
    assert [r["cw"] for r in sym] == code

    (bits,) = wrong.rows("bits", **state)
    H = -np.sum(DATA * np.log2(DATA))
    H_pq = -np.sum(DATA * np.log2(q))
    np.testing.assert_allclose([bits["H"], bits["Hpq"], bits["D"]],
                               [H, H_pq, np.sum(DATA * np.log2(DATA / q))], rtol=RTOL, atol=1e-12)
    assert bits["L"] == pytest.approx(float(DATA @ [len(w) for w in code]), rel=RTOL)
    # Gibbs: the cross-entropy exceeds the entropy by the divergence.
    assert bits["Hpq"] - bits["H"] == pytest.approx(bits["D"], abs=1e-5)


def test_wrong_code_special_states(wrong):
    (exact,) = wrong.rows("bits", wa=1.0, wb=2.0, wc=3.0, wd=4.0)       # q = p
    assert exact["D"] == pytest.approx(0.0, abs=1e-12)
    assert exact["Hpq"] == pytest.approx(exact["H"])
    (cheap,) = wrong.rows("bits", wa=1.0, wb=1.0, wc=1.0, wd=3.0)       # L below H(p, q)
    assert cheap["L"] < cheap["Hpq"]


def test_wrong_code_grid_default_and_budget(wrong):
    assert wrong.default_state() == {"wa": 4.0, "wb": 2.0, "wc": 1.0, "wd": 1.0}
    assert all(wrong.default_state()[c.name] in c.values for c in wrong.controls)
    assert sum(len(v) for v in wrong.datasets.values()) <= 3200
    assert len(gzip.compress(json.dumps(wrong.spec).encode())) <= 40_000


# ---------------------------------------------------------------------------
# The variational view: z.p + T H(p) over p = (p1, 1 - p1)
# ---------------------------------------------------------------------------

from explorables.entropy_and_coding import entropy_tradeoff  # noqa: E402


@pytest.fixture(scope="module")
def tradeoff():
    return entropy_tradeoff()


@pytest.mark.parametrize("temperature", [1.0, 0.1, 0.7, 3.0])
def test_tradeoff_matches_entropy_softmax_and_logsumexp(tradeoff, temperature):
    z = np.array([1.0, 0.0])
    p1 = np.linspace(0.0, 1.0, 61)
    # entropy in nats from scratch, with 0 log 0 = 0
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -np.nan_to_num(p1 * np.log(p1)) - np.nan_to_num((1 - p1) * np.log(1 - p1))
    curve = tradeoff.rows("curve", temperature=temperature)
    np.testing.assert_allclose([r["p1"] for r in curve], p1, rtol=RTOL, atol=1e-12)
    np.testing.assert_allclose([r["f"] for r in curve], p1 * z[0] + (1 - p1) * z[1]
                               + temperature * h, rtol=RTOL, atol=1e-12)
    (best,) = tradeoff.rows("best", temperature=temperature)
    e = np.exp(z / temperature)
    np.testing.assert_allclose(best["p1"], e[0] / e.sum(), rtol=RTOL)
    np.testing.assert_allclose(best["f"], temperature * np.log(e.sum()), rtol=RTOL)
    # the dot is the top of the curve: no grid point is higher
    assert max(r["f"] for r in curve) <= best["f"] * (1 + RTOL)
    texts = [r["text"] for r in tradeoff.rows("values", temperature=temperature)]
    assert texts[0].endswith(f"{e[0] / e.sum():.4f}")
    assert texts[1].endswith(f"{temperature * np.log(e.sum()):.4f}")


def test_tradeoff_grid_and_budget(tradeoff):
    assert len(tradeoff.controls[0].values) == 30
    assert tradeoff.default_state() == {"temperature": 1.0}
    rows = sum(len(v) for v in tradeoff.datasets.values())
    assert rows == 30 * (61 + 1 + 2) and rows <= 3000
    assert len(gzip.compress(json.dumps(tradeoff.spec).encode())) <= 40_000
    # every value fits the fixed axis [0, 2.8]
    assert max(r["f"] for r in tradeoff.datasets["curve"]) <= 2.8
    assert tradeoff.rows("score") == [{"f": 1.0}]
