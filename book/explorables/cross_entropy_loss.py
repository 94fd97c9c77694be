"""Explorables of the chapter "The cross-entropy loss"."""

import numpy as np

from softmax_lib import cross_entropy, cross_entropy_grad, softmax
from softmax_lib.explorable import Explorable, Select, Slider

__all__ = ["smoothing_bars", "weighted_batch"]

#: A line of text drawn from the ``text`` column of a one-row dataset.  It is
#: drawn as the label of an axis of an invisible mark, because axis labels
#: follow the site's light and dark themes, and a text mark's colour is fixed
#: when the specification is compiled.
TEXT_ROW = {
    "mark": {"type": "tick", "opacity": 0},
    "width": 4, "height": 18,
    "encoding": {"y": {"field": "text", "type": "nominal",
                       "axis": {"title": None, "orient": "right", "domain": False,
                                "ticks": False, "labelFontSize": 13, "labelLimit": 320,
                                "labelPadding": 0}}},
}

#: Three classes, logits (t, 0, 0), the first class correct: the setting of the
#: chapter's figure of the loss against the true-class logit.
N_CLASSES = 3
TRUE_CLASS = 0
CLASS_NAMES = ("class 1 (correct)", "class 2", "class 3")


def _sweep_logits(t):
    logits = np.zeros(N_CLASSES)
    logits[TRUE_CLASS] = t
    return logits


def smoothing_bars():
    """p, the smoothed target and the gradient p - y_ls as the true-class logit and ε move."""

    def states(t, eps):
        logits = _sweep_logits(t)
        p = softmax(logits)
        # The smoothed target is what the gradient is measured against: for a
        # target that sums to 1 the gradient is p - y_ls, so y_ls = p - grad.
        grad = cross_entropy_grad(logits, TRUE_CLASS, label_smoothing=eps)
        target = p - grad
        loss = cross_entropy(logits, TRUE_CLASS, label_smoothing=eps)
        return {
            "dist": [row for k in range(N_CLASSES) for row in (
                {"cls": CLASS_NAMES[k], "kind": "p = softmax(z)", "v": p[k]},
                {"cls": CLASS_NAMES[k], "kind": "target y_ls", "v": target[k]})],
            "grad": [{"cls": CLASS_NAMES[k], "g": grad[k]} for k in range(N_CLASSES)],
            "loss": [{"loss": loss, "text": f"loss L = {loss:.4f}"}],
        }

    x_axis = {"field": "cls", "type": "nominal", "title": None, "sort": list(CLASS_NAMES),
              "axis": {"labelAngle": 0}}
    chart = {
        "vconcat": [
            {
                "data": {"name": "dist"},
                "mark": {"type": "bar", "tooltip": True},
                "width": 300, "height": 150,
                "title": "probabilities p and smoothed target y_ls",
                "encoding": {
                    "x": x_axis,
                    "xOffset": {"field": "kind", "type": "nominal"},
                    "y": {"field": "v", "type": "quantitative", "title": "probability",
                          "scale": {"domain": [0, 1]}, "stack": None},
                    "color": {"field": "kind", "type": "nominal", "title": None,
                              "legend": {"orient": "top"}},
                },
            },
            {
                "data": {"name": "grad"},
                "mark": {"type": "bar", "tooltip": True, "color": "#d62728"},
                "width": 300, "height": 110,
                "title": "gradient ∂L/∂z = p − y_ls",
                "encoding": {
                    "x": x_axis,
                    "y": {"field": "g", "type": "quantitative", "title": "gradient",
                          "scale": {"domain": [-1, 1]}},
                },
            },
            {
                "data": {"name": "loss"},
                **TEXT_ROW,
            },
        ]
    }
    return Explorable(
        "ce-smoothing",
        controls=[Slider("t", "Logit t of the correct class", np.linspace(-4, 8, 25), 2.0),
                  Slider("eps", "Label smoothing ε", np.round(np.linspace(0, 0.3, 7), 2), 0.1)],
        states=states,
        chart=chart,
        description=("Bars of the softmax probabilities of the logits (2, 0, 0), about 0.79, "
                     "0.11 and 0.11, next to the target smoothed with ε = 0.1, about 0.93, "
                     "0.033 and 0.033, and the gradient p − y_ls, about −0.15, 0.073 and "
                     "0.073; the loss is 0.3729."),
        caption=("The loss and its gradient for the logits (t, 0, 0) with the first class "
                 "correct. With ε > 0 the gradient vanishes at a finite t, where p equals "
                 "the smoothed target."),
    )


#: A small imbalanced batch: six examples of three classes, the third class rare.
BATCH_LOGITS = np.array([
    [2.0, 0.5, -1.0],
    [1.0, 1.2, 0.0],
    [0.5, -0.5, 0.2],
    [-0.3, 1.5, 0.4],
    [0.2, 1.0, -0.5],
    [0.8, 0.3, 0.6],
])
BATCH_LABELS = np.array([0, 0, 0, 1, 1, 2])
IGNORE_CHOICES = {"none": (), "example 2": (1,), "examples 5 and 6": (4, 5)}


def _batch_labels(ignored):
    labels = BATCH_LABELS.copy()
    labels[list(IGNORE_CHOICES[ignored])] = -100
    return labels


def weighted_batch():
    """Per-example share of the loss and gradient size under class weights and ignore_index."""

    def states(w3, ignored):
        weight = np.array([1.0, 1.0, w3])
        labels = _batch_labels(ignored)
        options = {"weight": weight, "ignore_index": -100}
        # Each example's share of the mean: its weighted loss divided by D.
        row_loss = cross_entropy(BATCH_LOGITS, labels, reduction="none", **options)
        mean = cross_entropy(BATCH_LOGITS, labels, **options)
        total = cross_entropy(BATCH_LOGITS, labels, reduction="sum", **options)
        grad = cross_entropy_grad(BATCH_LOGITS, labels, **options)
        size = np.linalg.norm(grad, axis=-1)
        rows = []
        for n in range(len(labels)):
            name = f"{n + 1}: class {BATCH_LABELS[n] + 1}"
            rows.append({"ex": name, "share": row_loss[n] * mean / total if total else 0.0,
                         "gnorm": size[n]})
        return {
            "rows": rows,
            "loss": [{"loss": mean, "text": f"mean loss L = {mean:.4f}"}],
        }

    names = [f"{n + 1}: class {c + 1}" for n, c in enumerate(BATCH_LABELS)]
    x_axis = {"field": "ex", "type": "nominal", "title": "example: its class", "sort": names,
              "axis": {"labelAngle": 0, "labelFontSize": 9}}
    chart = {
        "vconcat": [
            {
                "data": {"name": "rows"},
                "mark": {"type": "bar", "tooltip": True},
                "width": 300, "height": 130,
                "title": "each example's term w·(−log p)/W of the mean loss",
                "encoding": {"x": x_axis,
                             "y": {"field": "share", "type": "quantitative", "title": "share",
                                   "scale": {"domain": [0, 0.6]}}},
            },
            {
                "data": {"name": "rows"},
                "mark": {"type": "bar", "tooltip": True, "color": "#d62728"},
                "width": 300, "height": 110,
                "title": "size of its gradient ‖∂L/∂zₙ‖",
                "encoding": {"x": x_axis,
                             "y": {"field": "gnorm", "type": "quantitative", "title": "size",
                                   "scale": {"domain": [0, 0.5]}}},
            },
            {
                "data": {"name": "loss"},
                **TEXT_ROW,
            },
        ]
    }
    return Explorable(
        "ce-weights-ignore",
        controls=[Slider("w3", "Weight of class 3", np.linspace(0, 5, 11), 1.0),
                  Select("ignored", "Ignored examples", list(IGNORE_CHOICES), "none")],
        states=states,
        chart=chart,
        description=("Bars for a batch of six examples (three of class 1, two of class 2, "
                     "one of class 3) with all class weights 1 and nothing ignored: the "
                     "examples' shares of the mean loss are about 0.040, 0.16, 0.12, 0.067, "
                     "0.086 and 0.18, which add up to the mean loss 0.6572, and the bars below "
                     "give the size of each example's gradient."),
        caption=("Class weights scale an example's share of the loss and its gradient; an "
                 "ignored example drops out of both and out of the mean's denominator."),
    )
