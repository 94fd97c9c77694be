"""Explorables of the chapter "L1, L2 and Huber losses"."""

import numpy as np

from softmax_lib import huber_loss_grad, l1_loss_grad, mse_loss_grad
from softmax_lib.explorable import Explorable, Slider

__all__ = ["outlier_fits"]

#: Six measurements of one quantity, and a seventh that an outlier moves.
INLIERS = np.array([2.4, 2.7, 2.9, 3.1, 3.4, 3.6])
OUTLIER_BASE = 3.0
LOSS_NAMES = ("L2", "L1", "Huber")


def data_with_outlier(size):
    """The seven values: the six inliers and ``OUTLIER_BASE + size``."""
    return np.append(INLIERS, OUTLIER_BASE + size)


def fit_constant(loss_grad, values, *, iterations=200, **options):
    """The constant c minimising the loss of predicting c for every value.

    The loss of a constant is convex in c, so its derivative
    ``sum(loss_grad(c, values))`` is non-decreasing, and c is where it changes
    sign; bisection on [min, max] of the values finds it.
    """
    low, high = float(values.min()), float(values.max())
    for _ in range(iterations):
        middle = 0.5 * (low + high)
        slope = loss_grad(np.full_like(values, middle), values, reduction="sum", **options).sum()
        if slope > 0:
            high = middle
        elif slope < 0:
            low = middle
        else:
            return middle
        if middle in (low, high) and high - low <= 2 * np.spacing(middle):
            break
    return 0.5 * (low + high)


def outlier_fits(delta_default=1.0, size_default=12.0):
    """The L2, L1 and Huber fits of a constant to data with one outlier, and their residuals."""

    def states(delta, size):
        values = data_with_outlier(size)
        fits = {
            "L2": fit_constant(mse_loss_grad, values),
            "L1": fit_constant(l1_loss_grad, values),
            "Huber": fit_constant(huber_loss_grad, values, delta=delta),
        }
        residuals = [{"point": i + 1, "loss": name, "r": c - values[i]}
                     for name, c in fits.items() for i in range(values.size)]
        return {
            "outlier": [{"point": values.size, "y": values[-1]}],
            "fits": [{"loss": name, "c": c, "text": f"{name}: c = {c:.3f}"}
                     for name, c in fits.items()],
            "residuals": residuals,
        }

    colour = {"field": "loss", "type": "nominal", "title": None,
              "scale": {"domain": list(LOSS_NAMES), "range": ["#ff7f0e", "#1f77b4", "#2ca02c"]},
              "legend": {"orient": "top"}}
    point_axis = {"field": "point", "type": "ordinal", "title": "data point",
                  "axis": {"labelAngle": 0}}
    chart = {
        "vconcat": [
            {
                "width": 300, "height": 170,
                "title": "data and the fitted constant c of each loss",
                "layer": [
                    {"data": {"name": "inliers"},
                     "mark": {"type": "point", "filled": True, "color": "#7f7f7f", "size": 50},
                     "encoding": {"x": point_axis,
                                  "y": {"field": "y", "type": "quantitative", "title": "value",
                                        "scale": {"domain": [0, 24]}}}},
                    {"data": {"name": "outlier"},
                     "mark": {"type": "point", "shape": "cross", "filled": True,
                              "color": "#d62728", "size": 90},
                     "encoding": {"x": point_axis, "y": {"field": "y", "type": "quantitative"}}},
                    {"data": {"name": "fits"},
                     "mark": {"type": "rule", "strokeWidth": 2, "tooltip": True},
                     "encoding": {"y": {"field": "c", "type": "quantitative"},
                                  "color": colour,
                                  "strokeDash": {"field": "loss", "type": "nominal",
                                                 "legend": None,
                                                 "scale": {"domain": list(LOSS_NAMES),
                                                           "range": [[1, 0], [6, 3], [2, 2]]}}}},
                ],
            },
            {
                "data": {"name": "residuals"},
                "mark": {"type": "bar", "tooltip": True},
                "width": 300, "height": 150,
                "title": "residuals r = c − y",
                "encoding": {
                    "x": point_axis,
                    "xOffset": {"field": "loss", "type": "nominal", "sort": list(LOSS_NAMES)},
                    "y": {"field": "r", "type": "quantitative", "title": "residual",
                          "scale": {"domain": [-21, 4]}, "stack": None},
                    "color": {**colour, "legend": None},
                },
            },
            {
                # The fitted values as axis labels, which follow the site's light
                # and dark themes (a text mark's colour is fixed at compile time).
                "data": {"name": "fits"},
                "mark": {"type": "tick", "opacity": 0},
                "width": 4, "height": 54,
                "encoding": {"y": {"field": "text", "type": "nominal", "sort": None,
                                   "axis": {"title": None, "orient": "right", "domain": False,
                                            "ticks": False, "labelFontSize": 12,
                                            "labelLimit": 320, "labelPadding": 0}}},
            },
        ],
        "resolve": {"scale": {"color": "shared"}},
    }
    return Explorable(
        "regression-outlier",
        controls=[Slider("delta", "Huber threshold δ", np.linspace(0.25, 2.0, 8), delta_default),
                  Slider("size", "Outlier size", np.linspace(0, 20, 11), size_default)],
        states=states,
        chart=chart,
        static={"inliers": [{"point": i + 1, "y": v} for i, v in enumerate(INLIERS)]},
        description=("Seven values, six between 2.4 and 3.6 and a seventh at 15, an outlier "
                     "12 above the value 3 around which the others lie. The constant that minimises the L2 loss is their "
                     "mean, 4.73; the L1 loss gives their median, 3.1; Huber's loss with "
                     "δ = 1 gives 3.18. Below, the residuals of each fit: the L2 fit leaves "
                     "every inlier with a positive residual."),
        caption=("Fitting one constant to seven values under each loss: the mean (L2) follows "
                 "the outlier, the median (L1) does not move, and Huber's fit moves by a "
                 "bounded amount."),
    )
