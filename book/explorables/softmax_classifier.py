"""Explorables of the chapter "Training a softmax classifier"."""

from pathlib import Path

import numpy as np

from softmax_lib import cross_entropy, cross_entropy_grad, softmax
from softmax_lib.explorable import Explorable, Slider

# Text marks are filled with currentColor, the colour of the page's text, so they
# stay readable in the dark theme (a colour fixed at build time would not).

__all__ = ["training_regions"]

#: The chapter's copy of the iris data.
IRIS = Path(__file__).resolve().parents[1] / "data" / "iris.csv"
#: The epochs the slider offers.
EPOCHS = np.arange(12)

#: The plane drawn, in raw petal length and width (cm), as in the chapter's figure.
LENGTH_RANGE = (0.5, 7.5)
WIDTH_RANGE = (-0.2, 2.9)
#: The coarse grid of cells whose predicted class is stored: columns x rows.
COLUMNS, ROWS = 56, 40


# Lines drawn in the order of the rows (already by epoch): without it Vega-Lite sorts
# them by x, through a transform placed before the state filter, which hides the
# per-state dataset from the site's data-datasets map.
_DATA_ORDER = {"order": {"value": None}}


def cell_edges(columns=COLUMNS, rows=ROWS):
    """The edges of the grid's cells along petal length and along petal width."""
    return (np.linspace(*LENGTH_RANGE, columns + 1),
            np.linspace(*WIDTH_RANGE, rows + 1))


def predicted_classes(W, b, mean, std, columns=COLUMNS, rows=ROWS):
    """The class the model predicts at the centre of each cell, shape (rows, columns).

    The model works on standardised features, ``(x - mean) / std``; the
    prediction is the argmax of the softmax probabilities.
    """
    x_edges, y_edges = cell_edges(columns, rows)
    x_mid = (x_edges[:-1] + x_edges[1:]) / 2
    y_mid = (y_edges[:-1] + y_edges[1:]) / 2
    length, width = np.meshgrid(x_mid, y_mid)
    raw = np.column_stack([length.ravel(), width.ravel()])
    probabilities = softmax(((raw - mean) / std) @ W + b)
    return probabilities.argmax(axis=-1).reshape(rows, columns)


def class_segments(classes, columns=COLUMNS, rows=ROWS):
    """Each row of cells cut into runs of one class: (x, x2, y, y2, class) rectangles.

    A run-length code of the grid: the regions are convex, so a row of cells
    crosses at most one run per class, and a few rectangles per row store the
    whole grid.
    """
    x_edges, y_edges = cell_edges(columns, rows)
    segments = []
    for r in range(rows):
        line = classes[r]
        starts = np.flatnonzero(np.r_[True, line[1:] != line[:-1]])
        ends = np.r_[starts[1:], columns]
        for start, end in zip(starts, ends):
            segments.append((x_edges[start], x_edges[end], y_edges[r], y_edges[r + 1],
                             int(line[start])))
    return segments


def _curve_rows(snapshots, data, epoch):
    rows = []
    for e in range(int(epoch) + 1):
        W, b = snapshots[e]
        for part, (X, labels) in data.items():
            logits = X @ W + b
            rows.append({"e": e, "part": part, "loss": cross_entropy(logits, labels),
                         "acc": np.mean(softmax(logits).argmax(axis=-1) == labels)})
    return rows


def iris_petals():
    """The chapter's data: standardised petal length and width, split as the chapter does.

    Returns ``(train, held_out, mean, std, species)``: ``train`` and
    ``held_out`` are pairs (features, labels); 35 flowers of each species are
    drawn for training with the chapter's seeded generator, and the
    standardisation uses the training rows only.
    """
    table = np.genfromtxt(IRIS, delimiter=",", names=True, dtype=None, encoding="utf-8")
    raw = np.column_stack([table["petal_length"], table["petal_width"]])
    species, labels = np.unique(table["species"], return_inverse=True)
    rng = np.random.default_rng(1936)
    train_rows, held_rows = [], []
    for c in range(len(species)):
        members = rng.permutation(np.flatnonzero(labels == c))
        train_rows.append(members[:35])
        held_rows.append(members[35:])
    train_rows = np.sort(np.concatenate(train_rows))
    held_rows = np.sort(np.concatenate(held_rows))
    mean, std = raw[train_rows].mean(axis=0), raw[train_rows].std(axis=0)
    return ((raw[train_rows] - mean) / std, labels[train_rows]), \
        ((raw[held_rows] - mean) / std, labels[held_rows]), mean, std, list(species)


def training_snapshots(X, labels, *, epochs=11, learning_rate=0.5, batch_size=15, seed=0):
    """(W, b) after each epoch of the chapter's mini-batch gradient descent, epoch 0 first."""
    sampler = np.random.default_rng(seed)
    n_classes = int(labels.max()) + 1
    W = sampler.normal(scale=0.01, size=(X.shape[1], n_classes))
    b = np.zeros(n_classes)
    snapshots = [(W, b)]
    for _ in range(epochs):
        order = sampler.permutation(len(X))
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            G = cross_entropy_grad(X[batch] @ W + b, labels[batch])
            W, b = W - learning_rate * (X[batch].T @ G), b - learning_rate * G.sum(axis=0)
        snapshots.append((W, b))
    return snapshots


def training_regions():
    """The chapter's petal-only classifier over its first eleven epochs."""
    train, held_out, mean, std, species = iris_petals()
    snapshots = training_snapshots(*train, epochs=int(EPOCHS[-1]))
    return regions_explorable(snapshots, train, held_out, mean=mean, std=std,
                              species=species, epochs=EPOCHS)


def regions_explorable(snapshots, train, held_out, *, mean, std, species, epochs,
                       held_out_name="held-out"):
    """Decision regions and loss/accuracy curves of a softmax regression as it trains.

    Parameters
    ----------
    snapshots : sequence of (W, b)
        The model's weights (2 x K) and bias (K) after each epoch, epoch 0
        first, on standardised petal length and width.
    train, held_out : (X, labels)
        Standardised features (N x 2) and integer labels of the two parts.
    mean, std : array_like
        The training mean and standard deviation of the two raw features, to
        standardise the grid.
    species : sequence of str
        The class names.
    epochs : array_like
        The evenly spaced epochs the slider offers (indices into ``snapshots``).
    held_out_name : str
        What the curves call the second part.
    """
    mean, std = np.asarray(mean, dtype=float), np.asarray(std, dtype=float)
    names = [str(s) for s in species]
    data = {"training": train, held_out_name: held_out}
    counts = {part: len(labels) for part, (_, labels) in data.items()}

    def states(epoch):
        W, b = snapshots[int(epoch)]
        classes = predicted_classes(W, b, mean, std)
        regions = [{"x": x, "x2": x2, "y": y, "y2": y2, "s": names[c]}
                   for x, x2, y, y2, c in class_segments(classes)]
        curve = _curve_rows(snapshots, data, epoch)
        note = [{"row": row, "t": f"{r['part']}: loss {r['loss']:.3f}, "
                 f"{round(r['acc'] * counts[r['part']])}/{counts[r['part']]} correct"}
                for row, r in enumerate(curve[-len(data):])]
        return {"regions": regions, "curve": curve, "note": note}

    raw_train = np.asarray(train[0]) * std + mean
    points = [{"x": x, "y": y, "s": names[c]}
              for (x, y), c in zip(raw_train, np.asarray(train[1]))]
    colour = {"field": "s", "type": "nominal", "title": "predicted species",
              "scale": {"domain": names, "range": ["#c6dbef", "#fdd0a2", "#c7e9c0"]}}
    x_axis = {"type": "quantitative", "scale": {"domain": list(LENGTH_RANGE), "nice": False}}
    y_axis = {"type": "quantitative", "scale": {"domain": list(WIDTH_RANGE), "nice": False}}
    last = float(np.max(epochs))
    curve_x = {"field": "e", "type": "quantitative", "title": "epoch",
               "scale": {"domain": [0, last]}}
    part = {"field": "part", "type": "nominal", "title": None,
            "scale": {"domain": list(data)}}
    chart = {
        "vconcat": [
            {"data": {"name": "note"}, "mark": {"type": "text", "fill": "currentColor", "align": "left", "fontSize": 11},
             "width": 320, "height": 30,
             "encoding": {"text": {"field": "t"}, "x": {"value": 0},
                          "y": {"field": "row", "type": "ordinal", "axis": None}}},
            {"width": 320, "height": 200, "layer": [
                # The stroke, in the fill's colour, hides the seams between rows of cells.
                {"data": {"name": "regions"}, "mark": {"type": "rect", "strokeWidth": 0.5},
                 "encoding": {"x": {"field": "x", **x_axis, "title": "petal length (cm)",
                                    "axis": {"grid": False}},
                              "x2": {"field": "x2"},
                              "y": {"field": "y", **y_axis, "title": "petal width (cm)",
                                    "axis": {"grid": False}},
                              "y2": {"field": "y2"},
                              "color": colour, "stroke": {**colour, "legend": None}}},
                {"data": {"name": "points"},
                 "mark": {"type": "point", "filled": True, "size": 18, "stroke": "#333333",
                          "strokeWidth": 0.4, "opacity": 0.9},
                 "encoding": {"x": {"field": "x", **x_axis}, "y": {"field": "y", **y_axis},
                              "shape": {"field": "s", "type": "nominal", "legend": None,
                                        "scale": {"domain": names}},
                              "fill": {"field": "s", "type": "nominal", "legend": None,
                                       "scale": {"domain": names,
                                                 "range": ["#1f77b4", "#ff7f0e", "#2ca02c"]}}}},
            ], "resolve": {"scale": {"color": "independent"}}},
            {"data": {"name": "curve"}, "width": 320, "height": 80,
             "mark": {"type": "line", "point": {"size": 14}},
             "encoding": {"x": curve_x,
                          "y": {"field": "loss", "type": "quantitative",
                                "title": "cross-entropy", "scale": {"domain": [0, 1.2]}},
                          "color": {**part, "legend": None},
                          "strokeDash": {**part, "legend": None}, **_DATA_ORDER}},
            {"data": {"name": "curve"}, "width": 320, "height": 80,
             "mark": {"type": "line", "point": {"size": 14}},
             "encoding": {"x": curve_x,
                          "y": {"field": "acc", "type": "quantitative", "title": "accuracy",
                                "scale": {"domain": [0, 1]}},
                          "color": part, "strokeDash": part, **_DATA_ORDER}},
        ],
        "resolve": {"scale": {"color": "independent"}},
    }
    default = float(np.max(epochs))
    return Explorable(
        "classifier-training",
        controls=[Slider("epoch", "Epoch", epochs, default)],
        states=states,
        chart=chart,
        static={"points": points},
        description=(f"Decision regions of the petal-only softmax classifier after "
                     f"{int(default)} epochs of mini-batch gradient descent, over the plane "
                     f"of petal length and width, with the training flowers; below, the "
                     f"mean cross-entropy and the accuracy on the training and "
                     f"{held_out_name} flowers after each epoch so far. "
                     + "; ".join(r["t"] for r in states(default)["note"]) + "."),
        caption=("Move the epoch slider: each state is the model after that many epochs, "
                 "its predicted class on a grid of cells, and the curves up to that epoch."),
    )
