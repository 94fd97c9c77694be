"""Explorables of the chapter "Softmax".

Both figures start from the chapter's running example, the logits
``z = (1, 3, 2.5, -1)``, and let the reader move the close runner-up ``z₃``
and the temperature ``T``.
"""

import numpy as np

from softmax_lib import softmax
from softmax_lib.explorable import Explorable, Slider

from ._views import text_view

__all__ = ["temperature_bars", "simplex_point"]

#: The logits of the chapter's running example; the sliders move the third.
LOGITS = np.array([1.0, 3.0, 2.5, -1.0])
MOVED = 2                      # index of z₃, the runner-up
TEMPERATURES = np.round(np.linspace(0.2, 3.0, 15), 6)
RUNNER_UP = np.linspace(-1.0, 5.0, 13)

MAX_LABEL = "max (one-hot of argmax)"
SOFTMAX_LABEL = "softmax of z / T"

#: Corners of the probability triangle (K = 3) in the plane: class k sits at
#: ``CORNERS[k]``, and a distribution p is drawn at ``p @ CORNERS``.
CORNERS = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, np.sqrt(3.0) / 2.0]])
PATH_TEMPERATURES = np.geomspace(0.05, 50.0, 61)


def _logits(z3, size=LOGITS.size):
    z = LOGITS[:size].copy()
    z[MOVED] = z3
    return z


def _class_label(k, value):
    return f"z{'₁₂₃₄'[k]} = {value:g}"


def temperature_bars():
    """Softmax of z / T next to the one-hot argmax, as T and z₃ change."""

    def states(temperature, z3):
        z = _logits(z3)
        p = softmax(z, temperature=temperature)
        hard = np.eye(z.size)[np.argmax(z)]   # np.argmax breaks a tie by the first index
        # each class is labelled with its logit and, on a second line, its probability
        labels = [f"{_class_label(k, z[k])}|{p[k]:.3f}" for k in range(z.size)]
        rows = []
        for k in range(z.size):
            rows.append({"k": k + 1, "c": labels[k], "kind": MAX_LABEL, "v": hard[k]})
            rows.append({"k": k + 1, "c": labels[k], "kind": SOFTMAX_LABEL, "v": p[k]})
        return {"bars": rows}

    chart = {
        "data": {"name": "bars"},
        "width": 320, "height": 200,
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            # sorted by the class number: a view keeps the order in which it first
            # saw each label, and the labels change with the state
            "x": {"field": "c", "type": "nominal", "sort": {"field": "k"},
                  "title": "class: logit, and its softmax probability",
                  "axis": {"labelAngle": 0, "labelExpr": "split(datum.label, '|')"}},
            "xOffset": {"field": "kind", "type": "nominal", "sort": [MAX_LABEL, SOFTMAX_LABEL]},
            "y": {"field": "v", "type": "quantitative", "title": "probability",
                  "scale": {"domain": [0, 1]}},
            "color": {"field": "kind", "type": "nominal", "title": None,
                      "sort": [MAX_LABEL, SOFTMAX_LABEL],
                      "scale": {"range": ["#bbbbbb", "#1f77b4"]}},
        },
    }
    p = softmax(LOGITS)
    return Explorable(
        "softmax-temperature",
        controls=[Slider("temperature", "Temperature T", TEMPERATURES, 1.0),
                  Slider("z3", "Logit z₃", RUNNER_UP, LOGITS[MOVED])],
        states=states,
        chart=chart,
        description=(
            "Grouped bar chart for the logits (1, 3, 2.5, -1) at temperature 1: the one-hot "
            "vector of the argmax puts 1 on z₂, and softmax gives "
            + ", ".join(f"{v:.3f}" for v in p) + "."),
        caption=("Softmax of the running example next to the hard maximum. Lower T sharpens "
                 "softmax towards the one-hot argmax; raise z₃ past z₂ = 3 and the hard "
                 "maximum jumps, while softmax moves smoothly (at the tie z₃ = 3, argmax "
                 "must pick one class; softmax splits evenly)."),
    )


def _plane(p):
    """Where the distribution p over three classes is drawn in the triangle."""
    return np.asarray(p) @ CORNERS


def simplex_point():
    """softmax(z / T) for K = 3 as a point of the probability triangle."""

    def states(temperature, z3):
        p = softmax(_logits(z3, 3), temperature=temperature)
        x, y = _plane(p)
        text = "s = (" + ", ".join(f"{v:.3f}" for v in p) + ")"
        return {"point": [{"x": x, "y": y, "s1": p[0], "s2": p[1], "s3": p[2], "text": text}]}

    paths = []
    for z3 in RUNNER_UP:
        along = softmax(_logits(z3, 3)[None, :] / PATH_TEMPERATURES[:, None])
        for order, (x, y) in enumerate(_plane(along)):
            paths.append({"z3": z3, "i": order, "x": x, "y": y})
    centre_x, centre_y = _plane(softmax(np.zeros(3)))
    edges = [{"i": i, "x": CORNERS[i % 3][0], "y": CORNERS[i % 3][1]} for i in range(4)]

    current = f"abs(datum.z3 - z3) < {(RUNNER_UP[1] - RUNNER_UP[0]) / 2}"
    # The corners are named by axis labels (which follow the page's light or
    # dark theme): classes 1 and 2 on the bottom axis, class 3 on the top one.
    x_bottom = {"field": "x", "type": "quantitative", "scale": {"domain": [-0.12, 1.12]},
                "axis": {"values": [0, 1],
                         "labelExpr": "datum.value < 0.5 ? 'class 1' : 'class 2'",
                         "title": None, "grid": False, "domain": False, "ticks": False,
                         "labelFontSize": 11}}
    x_top = {**x_bottom, "axis": {**x_bottom["axis"], "orient": "top", "values": [0.5],
                                  "labelExpr": "'class 3'"}}
    x_plain = {**x_bottom, "axis": None}
    y_plane = {"field": "y", "type": "quantitative",
               "scale": {"domain": [-0.01, 0.88]}, "axis": None}
    triangle = {
        "width": 300, "height": 215,   # equal units on both axes
        "layer": [
            {"data": {"name": "edges"}, "mark": {"type": "line", "color": "#7f7f7f"},
             "encoding": {"x": x_bottom, "y": y_plane, "order": {"field": "i"}}},
            {"data": {"name": "centre"}, "mark": {"type": "point", "shape": "cross",
                                                   "color": "#7f7f7f", "size": 60},
             "encoding": {"x": x_top, "y": y_plane}},
            # One temperature path per grid value of z3; the current one is
            # highlighted by a condition on the slider (a choice, not a computation).
            {"data": {"name": "paths"},
             "mark": {"type": "line", "color": "#ff7f0e"},
             "encoding": {"x": x_plain, "y": y_plane, "order": {"field": "i"},
                          "detail": {"field": "z3", "type": "nominal"},
                          "strokeWidth": {"condition": {"test": current, "value": 2.5},
                                          "value": 0.8},
                          "opacity": {"condition": {"test": current, "value": 1.0},
                                      "value": 0.3}}},
            {"data": {"name": "point"}, "mark": {"type": "point", "filled": True, "size": 110,
                                                  "color": "#1f77b4", "tooltip": True},
             "encoding": {"x": x_plain, "y": y_plane}},
        ],
        "resolve": {"axis": {"x": "independent"}},
    }
    chart = {"vconcat": [triangle, text_view("point")], "spacing": 4}
    p = softmax(LOGITS[:3])
    return Explorable(
        "softmax-simplex",
        controls=[Slider("temperature", "Temperature T", TEMPERATURES, 1.0),
                  Slider("z3", "Logit z₃", RUNNER_UP, LOGITS[MOVED])],
        states=states,
        chart=chart,
        static={"edges": edges, "paths": paths,
                "centre": [{"x": centre_x, "y": centre_y}]},
        description=(
            "The probability triangle for three classes, with softmax of (1, 3, 2.5) at "
            "temperature 1 drawn as a point at s = ("
            + ", ".join(f"{v:.3f}" for v in p)
            + "), between the corner of class 2 and the centre, on the bold path that "
            "softmax(z / T) follows as T runs from 0.05 to 50."),
        caption=("Softmax of (1, 3, z₃) / T as a point of the probability triangle. The "
                 "bold curve is the whole temperature sweep for the current z₃: from near "
                 "the corner of the largest logit (T small) to the centre, the uniform "
                 "distribution (T large, cross). The faint curves are the sweeps for the "
                 "other values of z₃."),
    )
