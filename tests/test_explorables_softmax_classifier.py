"""The explorable of the chapter "Training a softmax classifier", checked against softmax_lib."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from softmax_lib import cross_entropy, softmax

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "book"))
from explorables import softmax_classifier as clf  # noqa: E402

SPECIES = ["setosa", "versicolor", "virginica"]
EPOCHS = np.arange(6)


@pytest.fixture(scope="module")
def setting():
    """Random snapshots and data: the builder must not depend on how they were made."""
    rng = np.random.default_rng(12)
    snapshots = [(rng.normal(scale=1.0 + e, size=(2, 3)), rng.normal(size=3))
                 for e in range(len(EPOCHS))]
    train = (rng.normal(size=(30, 2)), rng.integers(0, 3, size=30))
    held = (rng.normal(size=(12, 2)), rng.integers(0, 3, size=12))
    mean, std = np.array([3.7, 1.2]), np.array([1.7, 0.75])
    ex = clf.regions_explorable(snapshots, train, held, mean=mean, std=std,
                              species=SPECIES, epochs=EPOCHS)
    return ex, snapshots, train, held, mean, std


def _cell_classes(W, b, mean, std):
    """The predicted class at every cell centre, computed here from scratch."""
    lengths = np.linspace(*clf.LENGTH_RANGE, clf.COLUMNS + 1)
    widths = np.linspace(*clf.WIDTH_RANGE, clf.ROWS + 1)
    centres_x = (lengths[1:] + lengths[:-1]) / 2
    centres_y = (widths[1:] + widths[:-1]) / 2
    classes = np.empty((clf.ROWS, clf.COLUMNS), dtype=int)
    for r, y in enumerate(centres_y):
        for c, x in enumerate(centres_x):
            u = (np.array([x, y]) - mean) / std
            classes[r, c] = int(np.argmax(softmax(u @ W + b)))
    return centres_x, centres_y, classes


@pytest.mark.parametrize("epoch", [0, 3, 5])
def test_regions_are_the_predicted_class_of_every_cell(setting, epoch):
    ex, snapshots, _, _, mean, std = setting
    rects = ex.rows("regions", epoch=epoch)
    xs, ys, classes = _cell_classes(*snapshots[epoch], mean, std)
    covered = 0
    for r, y in enumerate(ys):
        for c, x in enumerate(xs):
            hits = [q for q in rects if q["x"] <= x <= q["x2"] and q["y"] <= y <= q["y2"]]
            assert len(hits) == 1, (x, y, hits)
            assert hits[0]["s"] == SPECIES[classes[r, c]]
            covered += 1
    assert covered == clf.ROWS * clf.COLUMNS
    # The rectangles tile the plane exactly: their areas add up to the whole.
    area = sum((q["x2"] - q["x"]) * (q["y2"] - q["y"]) for q in rects)
    whole = np.ptp(clf.LENGTH_RANGE) * np.ptp(clf.WIDTH_RANGE)
    assert area == pytest.approx(whole, rel=1e-5)


@pytest.mark.parametrize("epoch", [0, 2, 5])
def test_curves_so_far_are_the_loss_and_accuracy_of_each_snapshot(setting, epoch):
    ex, snapshots, train, held, _, _ = setting
    rows = ex.rows("curve", epoch=epoch)
    assert sorted({r["e"] for r in rows}) == list(range(epoch + 1))
    for r in rows:
        X, labels = train if r["part"] == "training" else held
        W, b = snapshots[r["e"]]
        logits = X @ W + b
        expected_loss = float(cross_entropy(logits, labels))
        expected_accuracy = float(np.mean(np.argmax(logits, axis=-1) == labels))
        np.testing.assert_allclose(r["loss"], expected_loss, rtol=5e-6)
        np.testing.assert_allclose(r["acc"], expected_accuracy, rtol=5e-6)
    note = ex.rows("note", epoch=epoch)
    last = [r for r in rows if r["e"] == epoch and r["part"] == "training"][0]
    assert note[0]["t"].startswith(f"training: loss {last['loss']:.3f}, ")


def test_grid_default_and_size_budget(setting):
    ex = setting[0]
    assert ex.default_state() == {"epoch": float(EPOCHS[-1])}
    assert ex.controls[0].values == tuple(float(e) for e in EPOCHS)
    assert len(ex.rows("note")) == 2 * len(EPOCHS)
    total_rows = sum(len(v) for v in ex.datasets.values()) + len(ex.static["points"])
    assert total_rows <= 3000
    assert len(gzip.compress(json.dumps(ex.spec).encode())) <= 40_000


@pytest.fixture(scope="module")
def chapter():
    return clf.training_regions()


def _chapter_model():
    """The chapter's split and training, written out here independently of the module."""
    table = np.genfromtxt(REPO_ROOT / "book" / "data" / "iris.csv", delimiter=",",
                          names=True, dtype=None, encoding="utf-8")
    features = np.column_stack([table[name] for name in table.dtype.names[:4]])
    _, labels = np.unique(table["species"], return_inverse=True)
    rng = np.random.default_rng(1936)
    parts = [rng.permutation(np.flatnonzero(labels == c)) for c in range(3)]
    train = np.sort(np.concatenate([p[:35] for p in parts]))
    held = np.sort(np.concatenate([p[35:] for p in parts]))
    mean, std = features[train].mean(axis=0), features[train].std(axis=0)
    X = ((features - mean) / std)[:, [2, 3]]
    sampler = np.random.default_rng(0)
    W, b = sampler.normal(scale=0.01, size=(2, 3)), np.zeros(3)
    snapshots = [(W, b)]
    for _ in range(11):
        order = sampler.permutation(train)
        for start in range(0, len(order), 15):
            rows = order[start:start + 15]
            P = softmax(X[rows] @ W + b)
            G = (P - np.eye(3)[labels[rows]]) / len(rows)
            W, b = W - 0.5 * X[rows].T @ G, b - 0.5 * G.sum(axis=0)
        snapshots.append((W, b))
    return X, labels, train, held, mean[[2, 3]], std[[2, 3]], snapshots


@pytest.mark.parametrize("epoch", [0, 1, 11])
def test_the_chapter_explorable_is_the_chapter_model(chapter, epoch):
    X, labels, train, held, mean, std, snapshots = _chapter_model()
    W, b = snapshots[epoch]
    rows = chapter.rows("curve", epoch=epoch)
    last = {r["part"]: r for r in rows if r["e"] == epoch}
    for part, idx in (("training", train), ("held-out", held)):
        logits = X[idx] @ W + b
        np.testing.assert_allclose(last[part]["loss"], float(cross_entropy(logits, labels[idx])),
                                   rtol=5e-6)
        np.testing.assert_allclose(last[part]["acc"],
                                   float(np.mean(logits.argmax(axis=-1) == labels[idx])),
                                   rtol=5e-6)
    xs, ys, classes = _cell_classes(W, b, mean, std)
    rects = chapter.rows("regions", epoch=epoch)
    for r in (0, clf.ROWS // 2, clf.ROWS - 1):
        for c in (0, clf.COLUMNS // 2, clf.COLUMNS - 1):
            hit = [q for q in rects if q["x"] <= xs[c] <= q["x2"] and q["y"] <= ys[r] <= q["y2"]]
            assert [q["s"] for q in hit] == [SPECIES[classes[r, c]]]


def test_the_chapter_explorable_default_and_budget(chapter):
    assert chapter.default_state() == {"epoch": 11.0}
    assert len(chapter.static["points"]) == 105
    assert sum(len(v) for v in chapter.datasets.values()) + 105 <= 3000
    assert len(gzip.compress(json.dumps(chapter.spec).encode())) <= 40_000
    assert "100/105 correct" in chapter.description


def test_every_public_name_is_a_builder():
    assert clf.__all__ == ["training_regions"]
