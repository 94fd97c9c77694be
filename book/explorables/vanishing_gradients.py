"""Explorables of the chapter "Vanishing gradients at large logits"."""

import numpy as np

from softmax_lib import numerical_gradient, softmax, softmax_jacobian
from softmax_lib.explorable import Explorable, Select, Slider

#: Text marks get an explicit colour from Vega-Lite, which the dark theme cannot
#: restyle; this grey reads on the light and on the dark page (contrast > 4:1).
TEXT_GREY = "#767676"

__all__ = ["scale_explorer"]

#: The logits: the first K entries of one fixed random vector.
LOGITS = np.random.default_rng(5).normal(size=100)
#: The slider's values: log10 of the scale alpha, from 0.01 to 100.
LOG_ALPHAS = np.linspace(-2.0, 2.0, 17)
#: The finer grid of the norm curve, which does not depend on the slider.
SWEEP_LOG_ALPHAS = np.linspace(-2.0, 2.0, 81)
CLASS_COUNTS = ("2", "10", "100")


def lead(z):
    """Delta: the largest logit minus the runner-up."""
    top_two = np.sort(z)[-2:]
    return float(top_two[1] - top_two[0])


def frobenius_norm(alpha, z):
    """||J||_F of the softmax Jacobian at the logits alpha * z."""
    return float(np.linalg.norm(softmax_jacobian(alpha * z)))


def decay_bounds(alpha, z):
    """The bounds of eq-vg-bound: exp(-alpha Delta) / K^2 and 4 (K - 1) exp(-alpha Delta)."""
    K, decay = z.size, np.exp(-alpha * lead(z))
    return decay / K**2, 4 * (K - 1) * decay


def log_norm_slope(alpha, z):
    """d log ||J||_F / d alpha at alpha, by central differences (numerical_gradient)."""
    return float(numerical_gradient(lambda a: np.log(frobenius_norm(a[0], z)),
                                    np.array([alpha]))[0])


def _norm_row(log_alpha, z):
    alpha = 10.0 ** log_alpha
    lower, upper = decay_bounds(alpha, z)
    return {"x": log_alpha, "n": frobenius_norm(alpha, z), "lo": lower, "hi": upper}


def scale_explorer():
    """softmax(alpha z) for K classes: probabilities, ||J||_F along the sweep, bounds and rate."""

    def states(lga, classes):
        z = LOGITS[:int(classes)]
        alpha = 10.0 ** lga
        s = softmax(alpha * z)
        now = _norm_row(lga, z)
        now.update(a=alpha, rate=log_norm_slope(alpha, z), nd=-lead(z))
        return {"probs": [{"c": i + 1, "p": s[i]} for i in range(z.size)], "now": [now]}

    # The curve depends on K only: one static table, filtered to the chosen K in the
    # view (after the fold, so that the site does not take it for a per-state table).
    sweep_rows = [{"k": K, **_norm_row(x, LOGITS[:int(K)])}
                  for K in CLASS_COUNTS for x in SWEEP_LOG_ALPHAS]

    names = {"n": "‖J‖_F", "lo": "lower bound e^(−αΔ)/K²", "hi": "upper bound 4(K−1)e^(−αΔ)"}
    label_expr = " : ".join(f"datum.value === '{k}' ? '{v}'" for k, v in names.items()) + " : ''"
    bars = {
        "data": {"name": "probs"},
        "mark": {"type": "bar", "tooltip": True},
        "width": 320, "height": 120,
        "encoding": {
            "x": {"field": "c", "type": "ordinal", "title": "class",
                  # With 100 classes, label every tenth bar only.
                  "axis": {"labelAngle": 0, "labelExpr": (
                      "classes === '100' && datum.value % 10 !== 0 ? '' : datum.label")}},
            "y": {"field": "p", "type": "quantitative", "title": "probability s",
                  "scale": {"domain": [0, 1]}},
        },
    }
    log_y = {"type": "quantitative", "scale": {"type": "log"}, "title": "‖J‖_F and its bounds",
             "axis": {"format": "~e", "tickCount": 6}}
    x_axis = {"field": "x", "type": "quantitative", "title": "log₁₀ α"}
    sweep = {
        "width": 320, "height": 200,
        "layer": [
            {"data": {"name": "sweep"},
             "transform": [{"fold": ["n", "lo", "hi"], "as": ["curve", "v"]},
                           {"filter": "datum.k === classes"}],
             "mark": {"type": "line", "point": False},
             "encoding": {
                 "x": x_axis,
                 "y": {"field": "v", **log_y},
                 "color": {"field": "curve", "type": "nominal", "title": None,
                           "scale": {"domain": ["n", "lo", "hi"],
                                     "range": ["#1f77b4", "#7f7f7f", "#7f7f7f"]},
                           "legend": {"labelExpr": label_expr, "columns": 1}},
                 "strokeDash": {"field": "curve", "type": "nominal",
                                "scale": {"domain": ["n", "lo", "hi"],
                                          "range": [[1, 0], [4, 3], [2, 2]]},
                                "legend": None},
             }},
            {"data": {"name": "now"},
             "mark": {"type": "point", "filled": True, "size": 70, "color": "#d62728",
                      "tooltip": True},
             "encoding": {"x": x_axis, "y": {"field": "n", **log_y}}},
        ],
    }
    text = {
        "data": {"name": "now"},
        "width": 320, "height": 34,
        "transform": [{"calculate": (
            "'α = ' + format(datum.a, '.3~g') + ':  ‖J‖_F = ' + format(datum.n, '.3~g')"),
            "as": "line1"},
            {"calculate": ("'slope of ln‖J‖_F in α: ' + format(datum.rate, '.4f')"
                           " + ',  −Δ = ' + format(datum.nd, '.4f')"), "as": "line2"}],
        "layer": [
            {"mark": {"type": "text", "align": "left", "baseline": "top", "x": 0, "y": 0,
                      "fontSize": 11, "color": TEXT_GREY},
             "encoding": {"text": {"field": "line1"}}},
            {"mark": {"type": "text", "align": "left", "baseline": "top", "x": 0, "y": 17,
                      "fontSize": 11, "color": TEXT_GREY},
             "encoding": {"text": {"field": "line2"}}},
        ],
    }
    default = states(0.0, "10")["now"][0]
    return Explorable(
        "vanishing-gradients-scale",
        controls=[Slider("lga", "log₁₀ α (scale)", LOG_ALPHAS, 0.0),
                  Select("classes", "Classes K", CLASS_COUNTS, "10")],
        states=states,
        static={"sweep": sweep_rows},
        chart={"vconcat": [bars, sweep, text], "spacing": 12},
        description=(
            "For K = 10 random logits at scale α = 1: bar chart of the probabilities "
            "softmax(αz), and the Frobenius norm of the softmax Jacobian on a logarithmic "
            f"axis against log10 α from −2 to 2, between the bounds e^(−αΔ)/K² and "
            f"4(K−1)e^(−αΔ) with lead Δ = {-default['nd']:.3f}. At α = 1 the norm is "
            f"{default['n']:.3f} and the slope of its logarithm in α is "
            f"{default['rate']:.3f}; at large α the slope approaches −Δ."),
        caption=("softmax(αz) for the first K of a fixed random vector of logits: the "
                 "probabilities, and ‖J‖_F between the bounds of the decay theorem."),
    )
