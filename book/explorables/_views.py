"""Pieces of Vega-Lite views that several chapters' explorables share."""

#: Text marks get an explicit colour from Vega-Lite, which the dark theme cannot
#: restyle; this grey reads on the light and on the dark page (contrast > 4:1).
TEXT_GREY = "#767676"


def two_text_lines(dataset, line1, line2):
    """A 320 × 34 view printing two lines computed from the current row of ``dataset``.

    ``line1`` and ``line2`` are Vega expressions over ``datum`` (the row); the
    lines read the state as text, for a reader who does not read the plot.
    """
    return {
        "data": {"name": dataset},
        "width": 320, "height": 34,
        "transform": [{"calculate": line1, "as": "line1"},
                      {"calculate": line2, "as": "line2"}],
        "layer": [
            {"mark": {"type": "text", "align": "left", "baseline": "top", "x": 0, "y": y,
                      "fontSize": 11, "color": TEXT_GREY},
             "encoding": {"text": {"field": field}}}
            for field, y in (("line1", 0), ("line2", 17))
        ],
    }

def text_view(dataset, field="text", width=300, line=16, order=None):
    """A view that writes the strings in ``field`` of ``dataset``, one line each.

    Lines are in the order of the numeric field ``order`` (needed when there
    are several: a view keeps the order in which it first saw each string).

    The strings are drawn as the labels of a nominal axis, one band per string:
    the axis lines them up left-aligned at a fixed line height, and its labels
    take their colour from the page's theme (light or dark).
    """
    return {
        "data": {"name": dataset},
        "width": width, "height": {"step": line},
        "mark": {"type": "point", "opacity": 0},
        "encoding": {"y": {"field": field, "type": "nominal", "title": None,
                           "sort": {"field": order} if order else None,
                           "axis": {"labelAlign": "left", "labelPadding": 0, "labelLimit": width,
                                    "labelFontSize": 11, "domain": False, "ticks": False,
                                    "grid": False}}},
    }
