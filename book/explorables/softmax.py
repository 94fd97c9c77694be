"""Explorables of the chapter "Softmax"."""

import numpy as np

from softmax_lib import softmax
from softmax_lib.explorable import Explorable, Slider

__all__ = ["temperature_bars"]

#: The logits of the chapter's running example; the slider moves the first.
LOGITS = np.array([2.0, 1.0, 0.1, -1.0])


def temperature_bars():
    """Softmax probabilities of the running example as temperature and z₁ change."""

    def states(temperature, z1):
        z = LOGITS.copy()
        z[0] = z1
        p = softmax(z / temperature)
        return {"bars": [{"label": f"z{k + 1}", "probability": p[k]} for k in range(z.size)]}

    chart = {
        "data": {"name": "bars"},
        "mark": {"type": "bar", "tooltip": True},
        "width": 320, "height": 200,
        "encoding": {
            "x": {"field": "label", "type": "nominal", "title": "class", "axis": {"labelAngle": 0}},
            "y": {"field": "probability", "type": "quantitative", "title": "probability",
                  "scale": {"domain": [0, 1]}},
        },
    }
    return Explorable(
        "softmax-temperature",
        controls=[Slider("temperature", "Temperature T", np.round(np.linspace(0.2, 5, 25), 3), 1.0),
                  Slider("z1", "Logit z₁", np.linspace(-3, 3, 25), 2.0)],
        states=states,
        chart=chart,
        description=("Bar chart of the softmax probabilities of the logits (2, 1, 0.1, -1) "
                     "at temperature 1: about 0.64, 0.23, 0.095 and 0.032."),
    )
