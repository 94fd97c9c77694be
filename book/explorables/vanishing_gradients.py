"""Explorables of the chapter "Vanishing gradients at large logits"."""

import numpy as np

from softmax_lib import (cross_entropy_grad, numerical_gradient, softmax, softmax_jacobian,
                         softmax_vjp)
from softmax_lib.explorable import Explorable, Select, Slider

from ._views import TEXT_GREY, two_text_lines

__all__ = ["scale_explorer", "loss_gradients"]

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
    text = two_text_lines(
        "now",
        "'α = ' + format(datum.a, '.3~g') + ':  ‖J‖_F = ' + format(datum.n, '.3~g')",
        "'slope of ln‖J‖_F in α: ' + format(datum.rate, '.4f')"
        " + ',  −Δ = ' + format(datum.nd, '.4f')")
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


def _ten_logits():
    """The chapter's ten logits: the second draw of default_rng(11), after two."""
    rng = np.random.default_rng(11)
    rng.normal(size=2)
    return rng.normal(size=10)


#: The logits of the chapter's loss experiment (K = 10).
TEN_LOGITS = _ten_logits()
LOSS_LOG_ALPHAS = np.linspace(-1.0, 2.0, 13)
LOSS_SWEEP = np.linspace(-1.0, 2.0, 61)
CURVES = (("cross-entropy", "right"), ("cross-entropy", "wrong"),
          ("squared error", "right"), ("squared error", "wrong"))


def gradient_norms(alpha, z=TEN_LOGITS):
    """||grad_u L|| at u = alpha z for the four (loss, target) pairs of the chapter.

    The right target is the class with the largest logit, the wrong one the class with
    the smallest.  Cross-entropy: s - y (cross_entropy_grad); squared error on the
    probabilities: J^T (s - y) (softmax_vjp), pulled back from the same s - y, which
    cross_entropy_grad computes without the cancellation of a subtraction s_c - 1.
    """
    u = alpha * np.asarray(z)[None, :]
    norms = {}
    for target_name, target in (("right", int(np.argmax(z))), ("wrong", int(np.argmin(z)))):
        s_minus_y = cross_entropy_grad(u, np.array([target]), reduction="none")
        norms["cross-entropy", target_name] = float(np.linalg.norm(s_minus_y))
        norms["squared error", target_name] = float(np.linalg.norm(softmax_vjp(u, s_minus_y)))
    return norms


def loss_gradients():
    """Scale alpha -> the softmax of ten logits, and the four gradient norms at alpha."""
    right, wrong = int(np.argmax(TEN_LOGITS)), int(np.argmin(TEN_LOGITS))
    roles = {right: "right target", wrong: "wrong target"}

    def states(lga):
        alpha = 10.0 ** lga
        s = softmax(alpha * TEN_LOGITS)
        norms = gradient_norms(alpha)
        return {
            "probs": [{"c": i + 1, "p": s[i], "role": roles.get(i, "other")}
                      for i in range(TEN_LOGITS.size)],
            "pts": [{"loss": loss, "target": target, "x": lga, "g": norms[loss, target]}
                    for loss, target in CURVES],
        }

    curves = [{"loss": loss, "target": target, "x": x, "g": gradient_norms(10.0 ** x)[loss, target]}
              for loss, target in CURVES for x in LOSS_SWEEP]
    colour = {"field": "loss", "type": "nominal", "title": "loss",
              "scale": {"domain": ["cross-entropy", "squared error"],
                        "range": ["#4e9bd6", "#ff7f0e"]}}
    dash = {"field": "target", "type": "nominal", "title": "target",
            "scale": {"domain": ["wrong", "right"], "range": [[1, 0], [5, 3]]}}
    log_y = {"field": "g", "type": "quantitative", "title": "gradient norm ‖∇L‖",
             "scale": {"type": "log"}, "axis": {"format": "~e", "tickCount": 6}}
    x_axis = {"field": "x", "type": "quantitative", "title": "log₁₀ α"}
    bars = {
        "data": {"name": "probs"},
        "mark": {"type": "bar", "tooltip": True},
        "width": 320, "height": 110,
        "encoding": {
            "x": {"field": "c", "type": "ordinal", "title": "class", "axis": {"labelAngle": 0}},
            "y": {"field": "p", "type": "quantitative", "title": "probability s",
                  "scale": {"domain": [0, 1]}},
            "color": {"field": "role", "type": "nominal", "title": None,
                      "scale": {"domain": ["right target", "wrong target", "other"],
                                "range": ["#2ca02c", "#d62728", "#7f7f7f"]}},
        },
    }
    sweep = {
        "width": 320, "height": 200,
        "layer": [
            # Cross-entropy wide and pale, so that a curve it overlaps stays visible; a
            # lighter blue at opacity 0.7 stays readable on the dark theme's background.
            {"data": {"name": "curves"},
             "mark": {"type": "line"},
             "encoding": {"x": x_axis, "y": log_y, "color": colour, "strokeDash": dash,
                          "strokeWidth": {"field": "loss", "type": "nominal", "legend": None,
                                          "scale": {"domain": ["cross-entropy", "squared error"],
                                                    "range": [4, 1.8]}},
                          "opacity": {"field": "loss", "type": "nominal", "legend": None,
                                      "scale": {"domain": ["cross-entropy", "squared error"],
                                                "range": [0.7, 1]}}}},
            {"data": {"name": "pts"},
             "mark": {"type": "point", "filled": True, "size": 60, "tooltip": True},
             "encoding": {"x": x_axis, "y": log_y, "color": colour}},
        ],
    }
    table = {
        "data": {"name": "pts"},
        "width": 320, "height": 64,
        "transform": [{"calculate": "datum.loss + ', ' + datum.target + ' target: '"
                                    " + format(datum.g, datum.g < 0.001 ? '.2~e' : '.3~g')",
                       "as": "line"}],
        "mark": {"type": "text", "align": "left", "x": 0, "fontSize": 11, "color": TEXT_GREY},
        "encoding": {"y": {"field": "line", "type": "nominal", "axis": None, "sort": None},
                     "text": {"field": "line"}},
    }
    default = gradient_norms(1.0)
    return Explorable(
        "vanishing-gradients-losses",
        controls=[Slider("lga", "log₁₀ α (scale)", LOSS_LOG_ALPHAS, 0.0)],
        states=states,
        static={"curves": curves},
        chart={"vconcat": [bars, sweep, table], "spacing": 12,
               "resolve": {"scale": {"color": "independent"},
                           "legend": {"color": "independent"}}},
        description=(
            "Ten logits at scale α = 1: bar chart of softmax(αz) with the right target (the "
            "largest logit) and the wrong target (the smallest) coloured, and the norms of "
            "the gradient with respect to the logits for cross-entropy and for the squared "
            "error on the probabilities, with either target, on a logarithmic axis against "
            "log10 α from −1 to 2. At α = 1 they are "
            + ", ".join(f"{loss} with the {target} target {default[loss, target]:.3g}"
                        for loss, target in CURVES) + "."),
        caption=("The gradient of cross-entropy with a wrong target stays near √2 as α "
                 "grows; the other three vanish."),
    )
