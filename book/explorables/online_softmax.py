"""Explorables of the chapter "Online and parallel softmax"."""

import numpy as np

from softmax_lib import merge, running_states, state_of
from softmax_lib.explorable import Explorable, Slider

# Text marks are filled with currentColor, the colour of the page's text, so they
# stay readable in the dark theme (a colour fixed at build time would not).

__all__ = ["stream_steps", "block_merge"]

#: The row both figures read: sixteen logits, rounded to one decimal so that the
#: figure's text shows them exactly. The running maximum grows five times.
STREAM = np.round(3.0 * np.random.default_rng(9).normal(size=16), 1)

_X = {"field": "i", "type": "quantitative", "title": "position i",
      "scale": {"domain": [0.5, len(STREAM) + 0.5], "nice": False},
      "axis": {"values": list(range(1, len(STREAM) + 1, 3))}}


# Lines drawn in the order of the rows (already by position): without it Vega-Lite
# sorts them by x, through a transform placed before the state filter, which hides
# the per-state dataset from the site's data-datasets map.
_DATA_ORDER = {"order": {"value": None}}


def _logit_points(colour_field=None):
    encoding = {"x": _X, "y": {"field": "x", "type": "quantitative", "title": "logit x_i"}}
    mark = {"type": "point", "filled": True, "size": 40}
    if colour_field:
        encoding["color"] = {"field": colour_field, "type": "nominal", "title": "block",
                             "scale": {"domain": ["a", "b"]}}
    return {"mark": mark, "encoding": encoding}


def stream_steps(x=STREAM):
    """Step through the online pass: the running maximum and the rescaled normaliser."""
    x = np.asarray(x, dtype=float)

    def states(n):
        n = int(n)
        run = running_states(x[:n])
        seen = [{"i": i + 1, "x": x[i], "m": run.m[i], "d": run.d[i]} for i in range(n)]
        m_new, d_new = run.m[-1], run.d[-1]
        if n == 1:
            text = [f"step 1: x₁ = {x[0]:g} starts the state: m₁ = {m_new:g}, d₁ = 1"]
        else:
            m_old, d_old = run.m[-2], run.d[-2]
            factor, term = np.exp(m_old - m_new), np.exp(x[n - 1] - m_new)
            if m_new > m_old:
                first = (f"step {n}: x{_sub(n)} = {x[n - 1]:g} is a new maximum: "
                         f"m goes from {m_old:g} to {m_new:g}")
            else:
                first = (f"step {n}: x{_sub(n)} = {x[n - 1]:g} ≤ m = {m_old:g}: "
                         "the maximum stays")
            text = [first,
                    f"d = {d_old:.4f} × e^({m_old:g} − {m_new:g}) + e^({x[n - 1]:g} − {m_new:g})",
                    f"   = {d_old:.4f} × {factor:.4f} + {term:.4f} = {d_new:.4f}"]
        note = [{"row": r, "t": t} for r, t in enumerate(text)]
        return {"seen": seen, "note": note}

    stream = [{"i": i + 1, "x": v} for i, v in enumerate(x)]
    chart = {"vconcat": [
        {"data": {"name": "note"}, "width": 320, "height": 48,
         "mark": {"type": "text", "fill": "currentColor", "align": "left", "fontSize": 11},
         "encoding": {"text": {"field": "t"}, "x": {"value": 0},
                      "y": {"field": "row", "type": "ordinal", "axis": None}}},
        {"width": 320, "height": 150, "layer": [
            {"data": {"name": "stream"}, **_logit_points(),
             "mark": {"type": "point", "size": 40, "color": "#999999"}},
            {"data": {"name": "seen"}, **_logit_points()},
            {"data": {"name": "seen"},
             "mark": {"type": "line", "interpolate": "step-after", "color": "#ff7f0e"},
             "encoding": {"x": _X, "y": {"field": "m", "type": "quantitative"}, **_DATA_ORDER}},
        ]},
        {"data": {"name": "seen"}, "width": 320, "height": 100,
         "mark": {"type": "line", "point": {"color": "#2ca02c"}, "color": "#2ca02c"},
         "encoding": {"x": _X, "y": {"field": "d", "type": "quantitative",
                                     "title": "normaliser d_i",
                                     "scale": {"domain": [0, float(np.ceil(np.max(
                                         running_states(x).d)))]}},
                      **_DATA_ORDER}},
    ]}
    default = 14
    return Explorable(
        "online-stream",
        controls=[Slider("n", "Logits read, n", np.arange(1, x.size + 1), default)],
        states=states,
        chart=chart,
        static={"stream": stream},
        description=("Sixteen logits read one at a time. After 14 of them, the points read "
                     "so far are blue, the running maximum m (orange) has just jumped "
                     "from 4.2 to 7.6, and the normaliser d (green) has been rescaled: "
                     + " ".join(states(default)["note"][k]["t"].strip() for k in (1, 2))
                     + "."),
        caption=("Move the slider to read the row one logit at a time: the running "
                 "maximum m, and the normaliser d rescaled by e^(m_old − m_new) whenever "
                 "m grows."),
    )


def block_merge(x=STREAM):
    """Cut the row in two blocks anywhere; merge their states into the row's state."""
    x = np.asarray(x, dtype=float)
    whole = state_of(x)

    def states(p):
        p = int(p)
        a, b = state_of(x[:p]), state_of(x[p:])
        merged = merge(a, b)
        points = [{"i": i + 1, "x": v, "blk": "a" if i < p else "b"} for i, v in enumerate(x)]
        edges = {"a": (0.5, p + 0.5), "b": (p + 0.5, x.size + 0.5)}
        parts = [{"blk": name, "m": s.m, "d": s.d, "i0": edges[name][0], "i1": edges[name][1],
                  # The block's share of the merged normaliser, d e^(m_block - m).
                  "w": s.d * np.exp(s.m - merged.m)}
                 for name, s in (("a", a), ("b", b))]
        text = [f"block a, x₁ … x{_sub(p)}: m = {a.m:g}, d = {a.d:.4f}",
                f"block b, x{_sub(p + 1)} … x₁₆: m = {b.m:g}, d = {b.d:.4f}",
                f"merged: m = {merged.m:g}, d = {parts[0]['w']:.4f} + {parts[1]['w']:.4f}"
                f" = {merged.d:.4f}"]
        return {"points": points, "parts": parts,
                "merged": [{"m": merged.m, "d": merged.d}],
                "note": [{"row": r, "t": t} for r, t in enumerate(text)]}

    chart = {"vconcat": [
        {"data": {"name": "note"}, "width": 320, "height": 48,
         "mark": {"type": "text", "fill": "currentColor", "align": "left", "fontSize": 11},
         "encoding": {"text": {"field": "t"}, "x": {"value": 0},
                      "y": {"field": "row", "type": "ordinal", "axis": None}}},
        {"width": 320, "height": 140, "layer": [
            {"data": {"name": "points"}, **_logit_points("blk")},
            # Each block's maximum, over the block's positions.
            {"data": {"name": "parts"}, "mark": {"type": "rule", "strokeDash": [4, 3]},
             "encoding": {"x": {"field": "i0", "type": "quantitative"}, "x2": {"field": "i1"},
                          "y": {"field": "m", "type": "quantitative"},
                          "color": {"field": "blk", "type": "nominal", "legend": None,
                                    "scale": {"domain": ["a", "b"]}}}},
        ]},
        {"width": 320, "height": 50, "layer": [
            {"data": {"name": "parts"}, "mark": "bar",
             "encoding": {"x": {"field": "w", "type": "quantitative", "stack": True,
                                "title": "d = d_a e^(m_a − m) + d_b e^(m_b − m)",
                                "scale": {"domain": [0, float(np.ceil(whole.d))]}},
                          "color": {"field": "blk", "type": "nominal", "legend": None,
                                    "scale": {"domain": ["a", "b"]}}}},
            {"data": {"name": "whole"}, "mark": {"type": "rule", "strokeWidth": 2,
                                                 "color": "#333333"},
             "encoding": {"x": {"field": "d", "type": "quantitative"}}},
        
            # The merged normaliser: it lands on the whole row's line at every cut.
            {"data": {"name": "merged"},
             "mark": {"type": "point", "shape": "diamond", "filled": True, "size": 60,
                      "color": "#333333", "yOffset": -16},
             "encoding": {"x": {"field": "d", "type": "quantitative"}}},
        ]},
    ]}
    default = 8
    return Explorable(
        "online-merge",
        controls=[Slider("p", "Block a ends after logit", np.arange(1, x.size), default)],
        states=states,
        chart=chart,
        static={"whole": [{"m": whole.m, "d": whole.d}]},
        description=("The sixteen logits cut into block a (the first 8) and block b (the "
                     "other 8). " + "; ".join(t["t"] for t in states(default)["note"])
                     + f". The state of the whole row is m = {whole.m:g}, d = "
                     f"{whole.d:.4f} (the black line)."),
        caption=("Move the cut: each block's state (m, d) is computed on its own, and the "
                 "merge rescales both normalisers to the larger maximum; their sum is "
                 "always the whole row's d (black line)."),
    )


def _sub(n):
    """n as subscript digits."""
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
