"""Explorables of the chapter "The softmax Jacobian".

The chapter's running example is the logits ``z = (1.5, 1, 0.3, -0.4, -1)``;
the figure divides them by a temperature ``T`` and shows the Jacobian of
softmax there, its eigenvalues and its Frobenius norm.
"""

import numpy as np

from softmax_lib import softmax_jacobian
from softmax_lib.explorable import Explorable, Slider

from ._views import text_view

__all__ = ["jacobian_heatmap"]

#: The logits of the chapter's running example (``z_sample``).
LOGITS = np.array([1.5, 1.0, 0.3, -0.4, -1.0])
TEMPERATURES = np.round(np.linspace(0.1, 4.0, 40), 6)

#: Every entry of J lies in [-1/4, 1/4]: s(1 - s) <= 1/4 on the diagonal, and
#: s_i s_j <= ((s_i + s_j) / 2)^2 <= 1/4 off it.  A fixed colour scale over
#: that range makes colours comparable between temperatures.
LIMIT = 0.25
#: Cells darker than this (in |J_ij|) get white text, as in the book's heatmaps.
DARK_CELL = 0.6 * LIMIT
EIGENVALUE_AXIS = 0.5


def _spectrum(jacobian):
    """Eigenvalues of the symmetric J, ascending, with rounding noise of the zero removed."""
    eigenvalues = np.linalg.eigvalsh(jacobian)
    return np.where(np.abs(eigenvalues) < 1e-15, 0.0, eigenvalues)


def jacobian_heatmap():
    """The softmax Jacobian at z / T as a heatmap, with its eigenvalues and norm."""
    size = LOGITS.size

    def states(temperature):
        J = softmax_jacobian(LOGITS / temperature)
        cells = [{"i": i + 1, "j": j + 1, "v": J[i, j],
                  "ink": "white" if abs(J[i, j]) > DARK_CELL else "black"}
                 for i in range(size) for j in range(size)]
        eigenvalues = _spectrum(J)
        bars = [{"n": n + 1, "lam": lam} for n, lam in enumerate(eigenvalues)]
        frobenius = np.linalg.norm(J, "fro")
        summary = [{"fro": frobenius, "tr": np.trace(J),
                    "text": f"Frobenius norm {frobenius:.4f}; trace {np.trace(J):.4f}"}]
        return {"cells": cells, "eigen": bars, "norm": summary}

    uniform = _spectrum(softmax_jacobian(np.zeros(size)))[-1]   # 1/K, the T → ∞ limit
    heat = {
        "data": {"name": "cells"},
        "width": 240, "height": 220,
        "title": "J = ∂s/∂z at z / T",
        "encoding": {
            "x": {"field": "j", "type": "ordinal", "title": "input zⱼ",
                  "axis": {"labelAngle": 0}},
            "y": {"field": "i", "type": "ordinal", "title": "output sᵢ"},
        },
        "layer": [
            {"mark": {"type": "rect", "tooltip": True},
             "encoding": {"color": {"field": "v", "type": "quantitative", "title": "Jᵢⱼ",
                                    "scale": {"scheme": "redblue", "reverse": True,
                                              "domain": [-LIMIT, LIMIT], "domainMid": 0},
                                    "legend": {"orient": "right", "gradientLength": 120}}}},
            {"mark": {"type": "text", "fontSize": 10},
             "encoding": {"text": {"field": "v", "type": "quantitative", "format": ".3f"},
                          "color": {"field": "ink", "type": "nominal", "scale": None}}},
        ],
        "resolve": {"scale": {"color": "independent"}},
    }
    eigen = {
        "data": {"name": "eigen"},
        "width": 240, "height": 110,
        "title": "eigenvalues of J (dashed: 1/K)",
        "layer": [
            {"mark": {"type": "bar", "tooltip": True},
             "encoding": {"x": {"field": "n", "type": "ordinal", "title": "in ascending order",
                                "axis": {"labelAngle": 0}},
                          "y": {"field": "lam", "type": "quantitative", "title": "eigenvalue",
                                "scale": {"domain": [0, EIGENVALUE_AXIS]}}}},
            {"data": {"name": "limit"}, "mark": {"type": "rule", "strokeDash": [4, 3],
                                                  "color": "#7f7f7f"},
             "encoding": {"y": {"field": "lam", "type": "quantitative"}}},
        ],
    }
    norm = text_view("norm", width=240)
    J = softmax_jacobian(LOGITS)
    off_diagonal = J[~np.eye(size, dtype=bool)]   # the zeros of J - diag(J) are not entries
    eigenvalues = _spectrum(J)
    return Explorable(
        "jacobian-heatmap",
        controls=[Slider("temperature", "Temperature T", TEMPERATURES, 1.0)],
        states=states,
        chart={"vconcat": [heat, eigen, norm], "spacing": 8},
        static={"limit": [{"lam": uniform}]},
        description=(
            "Heatmap of the 5 × 5 softmax Jacobian at the logits (1.5, 1, 0.3, -0.4, -1) "
            f"and temperature 1: diagonal entries from {J.diagonal().min():.3f} to "
            f"{J.diagonal().max():.3f}, off-diagonal entries from {off_diagonal.min():.3f} to "
            f"{off_diagonal.max():.3f}; below it the eigenvalues "
            + ", ".join(f"{v:.3f}" for v in eigenvalues)
            + f" and the Frobenius norm {np.linalg.norm(J):.4f}."),
        caption=("The softmax Jacobian of the running example at z / T. Lower T and "
                 "softmax saturates: every entry, eigenvalue and the norm go to zero. "
                 "Raise it and J approaches (I − 11ᵀ/K)/K, with four eigenvalues near "
                 "1/K = 0.2 and one always zero."),
    )
