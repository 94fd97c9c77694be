"""Explorables of the chapter "Information, entropy and coding"."""

import numpy as np

from softmax_lib import logsumexp, softmax
from softmax_lib.explorable import Explorable, Slider
from softmax_lib.information import (average_code_length, cross_entropy, entropy, huffman_code,
                                     kl_divergence, kraft_sum)

from ._views import TEXT_GREY, text_view, two_text_lines

__all__ = ["huffman_editor", "wrong_code", "entropy_tradeoff"]

SYMBOLS = ("a", "b", "c", "d")
#: Each symbol's weight; the distribution is the weights divided by their sum.
WEIGHTS = (1.0, 3.0, 5.0, 7.0, 9.0)
DEFAULT_WEIGHTS = (1.0, 3.0, 5.0, 7.0)


def distribution(weights):
    """The weights normalised to a probability distribution."""
    w = np.asarray(weights, dtype=float)
    return w / w.sum()


def huffman_editor():
    """Four weights -> entropy, Huffman code, average length and H <= L < H + 1."""

    def states(wa, wb, wc, wd):
        p = distribution([wa, wb, wc, wd])
        code = huffman_code(p)
        H = entropy(p, base=2)
        return {
            "sym": [{"s": s, "p": p[i], "cw": code[i], "len": len(code[i])}
                    for i, s in enumerate(SYMBOLS)],
            "bits": [{"H": H, "L": average_code_length(p, code), "H1": H + 1,
                      "kraft": kraft_sum(code)}],
        }

    bars = {
        "data": {"name": "sym"},
        "width": 320, "height": 150,
        "encoding": {
            "x": {"field": "s", "type": "nominal", "title": "symbol",
                  "axis": {"labelAngle": 0}},
            "y": {"field": "p", "type": "quantitative", "title": "probability",
                  "scale": {"domain": [0, 1]}},
        },
        "layer": [
            {"mark": {"type": "bar", "tooltip": True}},
            # Two lines above each bar: the codeword, then its length.
            {"mark": {"type": "text", "baseline": "bottom", "dy": -16, "fontSize": 11,
                      "color": TEXT_GREY},
             "encoding": {"text": {"field": "cw"}}},
            {"transform": [{"calculate": "datum.len + (datum.len > 1 ? ' bits' : ' bit')",
                            "as": "label"}],
             "mark": {"type": "text", "baseline": "bottom", "dy": -3, "fontSize": 10,
                      "color": TEXT_GREY},
             "encoding": {"text": {"field": "label"}}},
        ],
    }
    # A number line in bits: the interval [H, H + 1) and the average length L in it.
    line = {
        "data": {"name": "bits"},
        "width": 320, "height": 70,
        "layer": [
            {"mark": {"type": "rule", "strokeWidth": 6, "opacity": 0.6, "color": "#7f7f7f"},
             "encoding": {"x": {"field": "H", "type": "quantitative", "title": "bits per symbol",
                                "scale": {"domain": [0, 3]}},
                          "x2": {"field": "H1"}}},
            {"mark": {"type": "tick", "thickness": 2, "size": 22, "color": TEXT_GREY},
             "encoding": {"x": {"field": "H", "type": "quantitative"}}},
            {"mark": {"type": "text", "dy": -20, "fontSize": 11, "color": TEXT_GREY},
             "encoding": {"x": {"field": "H", "type": "quantitative"},
                          "text": {"value": "H"}}},
            {"mark": {"type": "text", "dy": -20, "fontSize": 11, "color": TEXT_GREY},
             "encoding": {"x": {"field": "H1", "type": "quantitative"},
                          "text": {"value": "H + 1"}}},
            {"mark": {"type": "point", "filled": True, "size": 90, "color": "#d62728",
                      "tooltip": True},
             "encoding": {"x": {"field": "L", "type": "quantitative"}}},
            {"mark": {"type": "text", "dy": 20, "fontSize": 11, "color": "#d62728"},
             "encoding": {"x": {"field": "L", "type": "quantitative"},
                          "text": {"value": "L"}}},
        ],
    }
    text = two_text_lines(
        "bits",
        "'H = ' + format(datum.H, '.4f') + '  ≤  L = ' + format(datum.L, '.4f')"
        " + '  <  H + 1 = ' + format(datum.H1, '.4f')",
        "'bits per symbol;  Kraft sum of the code = ' + datum.kraft")
    default = states(*DEFAULT_WEIGHTS)
    p_default = ", ".join(f"{r['p']:.4g}" for r in default["sym"])
    code_default = ", ".join(r["cw"] for r in default["sym"])
    bits = default["bits"][0]
    return Explorable(
        "entropy-huffman",
        controls=[Slider(f"w{s}", f"Weight of {s}", WEIGHTS, w)
                  for s, w in zip(SYMBOLS, DEFAULT_WEIGHTS)],
        states=states,
        chart={"vconcat": [bars, line, text], "spacing": 14},
        description=(
            f"Weights 1, 3, 5 and 7 give the distribution ({p_default}) over the symbols "
            f"a, b, c, d. Bar chart of the probabilities, each labelled with its Huffman "
            f"codeword ({code_default}), and a number line in bits: the entropy "
            f"H = {bits['H']:.4f}, the average code length L = {bits['L']:.4f} and "
            f"H + 1 = {bits['H1']:.4f}, so H ≤ L < H + 1."),
        caption=("Four symbols with the weights set by the sliders, divided by their sum: "
                 "Huffman's codewords, and the average length L between H and H + 1."),
    )


#: The data distribution of the chapter's section on the wrong code.
DATA = np.array([0.1, 0.2, 0.3, 0.4])
MODEL_WEIGHTS = (1.0, 2.0, 3.0, 4.0, 5.0)
DEFAULT_MODEL = (4.0, 2.0, 1.0, 1.0)     # q = (1/2, 1/4, 1/8, 1/8)


def wrong_code():
    """Data p fixed, model q from four weights -> H(p), H(p, q), D_KL and the cost of q's code."""

    def states(wa, wb, wc, wd):
        q = distribution([wa, wb, wc, wd])
        code = huffman_code(q)
        return {
            "sym": [{"s": s, "p": DATA[i], "q": q[i], "cw": code[i]}
                    for i, s in enumerate(SYMBOLS)],
            "bits": [{"H": entropy(DATA, base=2), "Hpq": cross_entropy(DATA, q, base=2),
                      "D": kl_divergence(DATA, q, base=2),
                      "L": average_code_length(DATA, code)}],
        }

    # Bars for the model q, a tick for the data p on each (no fold: the site reads the
    # rows of this table as they are stored).
    colours = {"scale": {"domain": ["model q", "data p"], "range": ["#1f77b4", "#ff7f0e"]},
               "title": None}
    bars = {
        "data": {"name": "sym"},
        "width": 320, "height": 150,
        "encoding": {
            "x": {"field": "s", "type": "nominal", "title": "symbol",
                  "axis": {"labelAngle": 0}},
        },
        "layer": [
            {"mark": {"type": "bar", "tooltip": True},
             "encoding": {"y": {"field": "q", "type": "quantitative", "title": "probability",
                                "scale": {"domain": [0, 1]}},
                          "color": {"datum": "model q", **colours}}},
            {"mark": {"type": "tick", "thickness": 3, "tooltip": True},
             "encoding": {"y": {"field": "p", "type": "quantitative"},
                          "color": {"datum": "data p", **colours}}},
            {"mark": {"type": "text", "baseline": "bottom", "dy": -3, "fontSize": 11,
                      "color": TEXT_GREY},
             "encoding": {"y": {"field": "q", "type": "quantitative"},
                          "text": {"field": "cw"}}},
        ],
    }
    # H(p) is labelled to the left of its tick and H(p, q) to the right, so that the
    # two labels never overlap, even when q = p.
    marks = [("H", "H(p)", -20, "right"), ("Hpq", "H(p, q)", -20, "left"),
             ("L", "L", 20, "center")]
    line = {
        "data": {"name": "bits"},
        "width": 320, "height": 70,
        "layer": [
            {"mark": {"type": "rule", "strokeWidth": 6, "opacity": 0.6, "color": "#7f7f7f"},
             "encoding": {"x": {"field": "H", "type": "quantitative", "title": "bits per symbol",
                                "scale": {"domain": [1, 4]}},
                          "x2": {"field": "Hpq"}}},
            *[{"mark": {"type": "tick", "thickness": 2, "size": 22, "color": TEXT_GREY},
               "encoding": {"x": {"field": field, "type": "quantitative"}}}
              for field in ("H", "Hpq")],
            {"mark": {"type": "point", "filled": True, "size": 90, "color": "#d62728",
                      "tooltip": True},
             "encoding": {"x": {"field": "L", "type": "quantitative"}}},
            *[{"mark": {"type": "text", "dy": dy, "align": align, "fontSize": 11,
                        "color": "#d62728" if field == "L" else TEXT_GREY},
               "encoding": {"x": {"field": field, "type": "quantitative"},
                            "text": {"value": label}}}
              for field, label, dy, align in marks],
        ],
    }
    text = two_text_lines(
        "bits",
        "'H(p) = ' + format(datum.H, '.4f')"
        " + ',  H(p, q) = ' + format(datum.Hpq, '.4f')"
        " + ',  D(p || q) = ' + format(datum.D, '.4f')",
        "'Huffman code for q, on data from p: L = ' + format(datum.L, '.4f')"
        " + ' bits per symbol'")
    default = states(*DEFAULT_MODEL)["bits"][0]
    return Explorable(
        "entropy-wrong-code",
        controls=[Slider(f"w{s}", f"Model weight of {s}", MODEL_WEIGHTS, w)
                  for s, w in zip(SYMBOLS, DEFAULT_MODEL)],
        states=states,
        chart={"vconcat": [bars, line, text], "spacing": 14},
        description=(
            "Data p = (0.1, 0.2, 0.3, 0.4) over the symbols a, b, c, d, and the model "
            "q = (0.5, 0.25, 0.125, 0.125) from the weights 4, 2, 1, 1: bars of q with a tick at "
            "each p, q's Huffman codewords, and a number line in bits with the entropy "
            f"H(p) = {default['H']:.4f}, the cross-entropy H(p, q) = {default['Hpq']:.4f} "
            f"(the gap is D(p || q) = {default['D']:.4f}) and the cost of q's code on data "
            f"from p, L = {default['L']:.4f}."),
        caption=("The data p is fixed; the sliders set the model q. The cross-entropy exceeds "
                 "the entropy by the Kullback-Leibler divergence."),
    )


#: Two logits for the variational picture; p = (p1, 1 - p1).
TRADEOFF_LOGITS = np.array([1.0, 0.0])
TRADEOFF_TEMPERATURES = np.round(np.linspace(0.1, 3.0, 30), 6)
TRADEOFF_P1 = np.linspace(0.0, 1.0, 61)


def entropy_tradeoff():
    """z·p + T·H(p) over p = (p1, 1 - p1), its maximiser softmax(z/T) and maximum T·LSE(z/T)."""
    z = TRADEOFF_LOGITS
    grid = np.stack([TRADEOFF_P1, 1.0 - TRADEOFF_P1], axis=1)

    def states(temperature):
        objective = grid @ z + temperature * entropy(grid)
        best_p1 = softmax(z, temperature=temperature)[0]
        best = temperature * logsumexp(z / temperature)
        curve = [{"p1": p1, "f": f} for p1, f in zip(TRADEOFF_P1, objective)]
        texts = [{"k": 1, "text": f"maximiser p₁ = softmax(z / T)₁ = {best_p1:.4f}"},
                 {"k": 2, "text": f"maximum T·LSE(z / T) = {best:.4f}"}]
        return {"curve": curve, "best": [{"p1": best_p1, "f": best}], "values": texts}

    x = {"field": "p1", "type": "quantitative", "title": "p₁", "scale": {"domain": [0, 1]}}
    y = {"field": "f", "type": "quantitative", "title": "z·p + T·H(p)",
         "scale": {"domain": [0, 2.8]}}
    plot = {
        "width": 300, "height": 200,
        "layer": [
            # drawn in the stored order of p1 (without it, Vega-Lite inserts a
            # conversion before the state filter)
            {"data": {"name": "curve"}, "mark": {"type": "line", "color": "#1f77b4"},
             "encoding": {"x": x, "y": y, "order": {"field": "p1", "type": "quantitative"}}},
            {"data": {"name": "best"},
             "mark": {"type": "point", "filled": True, "size": 80, "color": "#d62728",
                      "tooltip": True},
             "encoding": {"x": x, "y": y}},
            {"data": {"name": "score"}, "mark": {"type": "rule", "strokeDash": [4, 3],
                                                  "color": "#7f7f7f"},
             "encoding": {"y": {"field": "f", "type": "quantitative"}}},
        ],
    }
    default = 1.0
    best_p1 = softmax(z, temperature=default)[0]
    best = default * logsumexp(z / default)
    return Explorable(
        "ent-entropy-tradeoff",
        controls=[Slider("temperature", "Temperature T", TRADEOFF_TEMPERATURES, default)],
        states=states,
        chart={"vconcat": [plot, text_view("values", order="k")], "spacing": 4},
        # the dashed line: max_k z_k, the value as T -> 0
        static={"score": [{"f": z.max()}]},
        description=(
            "The objective z·p + T·H(p) over the distributions p = (p₁, 1 − p₁) for z = (1, 0) "
            f"at temperature 1: a concave curve from 0 at p₁ = 0 to 1 at p₁ = 1, highest at "
            f"p₁ = {best_p1:.4f}, where it equals {best:.4f}; a dashed line marks max z = 1."),
        caption=("The variational view for two classes, z = (1, 0). The dot is the "
                 "maximiser softmax(z / T)₁ at height T·LSE(z / T). Lower T and the peak "
                 "slides to p₁ = 1 and down to max z = 1 (dashed); raise it and entropy "
                 "wins, pulling the peak towards p₁ = 1/2."),
    )
