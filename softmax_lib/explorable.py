"""Explorables: figures with controls, computed by softmax_lib, drawn by Vega-Lite.

An :class:`Explorable` evaluates a data function on every point of a grid of
control values (sliders and selects) and stores all the results in one
Vega-Lite specification, whose parameters are bound to the controls.  Moving
a control only *chooses* among numbers computed here in Python; nothing is
recomputed, or re-implemented, in the browser.

The same object serves both ways the book is read:

* in JupyterLab, its output is a Vega-Lite mime bundle, which JupyterLab
  renders with working controls;
* on the website, the book's Sphinx extension (``book/_ext/explorable_site.py``)
  compiles the same specification to Vega at build time and draws it with the
  Vega runtime served from the site.

Numbers are rounded to :data:`SIGNIFICANT_DIGITS` significant digits before
they are stored, so that stored outputs are identical on every machine and
pages stay small.
"""

from __future__ import annotations

import copy
import itertools
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "Explorable",
    "Slider",
    "Select",
    "BOOK_VEGA_CONFIG",
    "SIGNIFICANT_DIGITS",
    "VEGALITE_MIMETYPE",
]

#: The mime type JupyterLab 4 renders with its built-in Vega-Lite 5 renderer.
VEGALITE_MIMETYPE = "application/vnd.vegalite.v5+json"
_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.20.json"

#: Stored numbers keep this many significant digits (float32 needs 9 for a
#: round trip; 6 is what a reader can see and what keeps pages small).
SIGNIFICANT_DIGITS = 6

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_EXPLORABLE_NAME = re.compile(r"^[a-z][a-z0-9-]*$")

# Matplotlib's defaults as the book's figures use them (softmax_lib.plotting):
# the tab10 cycle, DejaVu Sans at 10 pt, light grid lines.
_TAB10 = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
          "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

#: Vega-Lite configuration that makes explorables look like the book's figures.
BOOK_VEGA_CONFIG = {
    "background": None,
    "font": "DejaVu Sans, Verdana, sans-serif",
    "view": {"stroke": None},
    "range": {"category": _TAB10},
    "mark": {"color": _TAB10[0]},
    # Text takes the colour of the page around it (SVG's currentColor), so
    # labels drawn inside a figure read in the dark theme too.
    "text": {"color": "currentColor"},
    "axis": {"labelFontSize": 10, "titleFontSize": 10, "titleFontWeight": "normal",
             "gridOpacity": 0.3, "domainColor": "#333333", "tickColor": "#333333"},
    "legend": {"labelFontSize": 10, "titleFontSize": 10, "titleFontWeight": "normal",
               "orient": "bottom"},
    "title": {"fontSize": 11, "fontWeight": "normal", "anchor": "start"},
    "header": {"labelFontSize": 10, "titleFontSize": 10},
}


def _check_name(name, argument, pattern=_NAME):
    if not isinstance(name, str) or not pattern.match(name):
        raise ValueError(f"{argument} must be an identifier matching {pattern.pattern!r}, "
                         f"got {name!r}")
    return name


def round_number(value):
    """Round one number for storage; NaN and infinities become ``None``.

    JSON has no NaN or infinity, and Vega treats ``null`` as a missing value,
    which is what a reader should see where a quantity is undefined.
    """
    value = float(value)
    if not math.isfinite(value):
        return None
    if value == 0.0:
        return 0.0
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def _clean(value):
    """Turn NumPy scalars and arrays into rounded JSON values, recursively."""
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (str, bool, type(None))):
        return value
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return round_number(value)
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_clean(v) for v in value]
    raise TypeError(f"cannot store a value of type {type(value).__name__} in an explorable")


@dataclass(frozen=True)
class Slider:
    """A range control over an evenly spaced grid of values.

    Parameters
    ----------
    name : str
        Identifier of the control: a data column and a Vega-Lite parameter.
    label : str
        What the reader sees next to the slider.
    values : array_like
        The grid, evenly spaced and increasing.  Each value is one state the
        figure can show.
    default : float
        The state shown first, in print and without JavaScript; one of
        ``values``.
    """

    name: str
    label: str
    values: tuple
    default: float

    def __init__(self, name, label, values, default):
        _check_name(name, "name")
        grid = np.asarray(values, dtype=float)
        if grid.ndim != 1 or grid.size < 2:
            raise ValueError("values must be a 1-D grid of at least two values")
        steps = np.diff(grid)
        if not np.all(steps > 0) or not np.allclose(steps, steps[0], rtol=1e-9, atol=0):
            raise ValueError("values must be evenly spaced and increasing")
        rounded = tuple(round_number(v) for v in grid)
        if round_number(default) not in rounded:
            raise ValueError(f"default {default!r} is not one of the slider's values")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "label", str(label))
        object.__setattr__(self, "values", rounded)
        object.__setattr__(self, "default", round_number(default))

    @property
    def step(self):
        return round_number((self.values[-1] - self.values[0]) / (len(self.values) - 1))

    def binding(self):
        return {"input": "range", "min": self.values[0], "max": self.values[-1],
                "step": self.step, "name": self.label}

    def matches(self):
        # The browser's range input produces min + k*step in its own decimal
        # arithmetic; half a step of tolerance picks the one grid value meant.
        return f"abs(datum.{self.name} - {self.name}) < {self.step / 2!r}"


@dataclass(frozen=True)
class Select:
    """A drop-down control over a few named values.

    Parameters
    ----------
    name : str
        Identifier of the control: a data column and a Vega-Lite parameter.
    label : str
        What the reader sees next to the drop-down.
    options : sequence of str
        The values, shown as they are.
    default : str
        The option shown first; one of ``options``.
    """

    name: str
    label: str
    values: tuple
    default: str

    def __init__(self, name, label, options, default):
        _check_name(name, "name")
        options = tuple(options)
        if len(options) < 2 or not all(isinstance(o, str) for o in options):
            raise ValueError("options must be at least two strings")
        if default not in options:
            raise ValueError(f"default {default!r} is not one of the options")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "label", str(label))
        object.__setattr__(self, "values", options)
        object.__setattr__(self, "default", default)

    def binding(self):
        return {"input": "select", "options": list(self.values), "name": self.label}

    def matches(self):
        return f"datum.{self.name} === {self.name}"


class Explorable:
    """A Vega-Lite figure whose controls choose among precomputed states.

    Parameters
    ----------
    name : str
        A short identifier, unique in the book (lower case and hyphens); it
        becomes the HTML id ``explorable-<name>``.
    controls : sequence of Slider or Select
        The controls, in the order they are shown.
    states : callable
        ``states(**control_values)`` returns a dict of dataset name to a list
        of rows (dicts) for one state.  It is called once for every point of
        the grid of control values, and must compute its numbers with
        ``softmax_lib``.
    chart : dict
        The Vega-Lite view: ``mark``/``encoding``, or ``layer``, ``hconcat``,
        ``vconcat``..., without top-level data.  A view draws a dataset by
        ``"data": {"name": "<dataset>"}``; views of datasets returned by
        ``states`` are filtered to the current state automatically.
    description : str
        The figure's text alternative: what it shows in its default state.
    static : dict, optional
        Datasets that do not depend on the controls (a whole curve, say).
    caption : str, optional
        A visible caption under the figure on the website.

    Notes
    -----
    The whole grid is stored, so its size is the product of the controls'
    lengths: keep it to a few thousand rows, since a reader's phone
    downloads every one of them.
    """

    def __init__(self, name, controls, states, chart, description, static=None, caption=None):
        self.name = _check_name(name, "name", _EXPLORABLE_NAME)
        self.controls = tuple(self._checked_controls(controls))
        if not callable(states):
            raise TypeError("states must be a function of the control values")
        if not isinstance(chart, Mapping):
            raise TypeError("chart must be a Vega-Lite view (a dict)")
        if not isinstance(description, str) or not description.strip():
            raise ValueError("description must be a non-empty text alternative")
        self.states = states
        self.chart = copy.deepcopy(dict(chart))
        self.description = description.strip()
        self.caption = None if caption is None else str(caption).strip()
        self.static = {k: _clean(v) for k, v in (static or {}).items()}
        self.datasets = self._tabulate()

    @staticmethod
    def _checked_controls(controls):
        controls = list(controls)
        if not controls or not all(isinstance(c, (Slider, Select)) for c in controls):
            raise TypeError("controls must be a non-empty sequence of Slider or Select")
        names = [c.name for c in controls]
        if len(set(names)) != len(names):
            raise ValueError(f"control names must be distinct, got {names}")
        return controls

    def _tabulate(self):
        tables: dict[str, list] = {}
        for point in itertools.product(*(c.values for c in self.controls)):
            state = {c.name: v for c, v in zip(self.controls, point)}
            produced = self.states(**state)
            if not isinstance(produced, Mapping):
                raise TypeError("states must return a dict of dataset name to rows")
            for dataset, rows in produced.items():
                _check_name(dataset, "dataset name")
                if dataset in self.static:
                    raise ValueError(f"dataset {dataset!r} is both static and per state")
                for row in rows:
                    tables.setdefault(dataset, []).append({**state, **_clean(dict(row))})
        return tables

    def default_state(self):
        """The control values shown first."""
        return {c.name: c.default for c in self.controls}

    def rows(self, dataset, **state):
        """The stored rows of ``dataset`` for one state (all states if none given)."""
        if dataset in self.static:
            return self.static[dataset]
        if dataset not in self.datasets:
            raise KeyError(f"no dataset {dataset!r}; have {sorted(self.datasets)}")
        wanted = {k: (round_number(v) if not isinstance(v, str) else v)
                  for k, v in state.items()}
        return [r for r in self.datasets[dataset]
                if all(r[k] == v for k, v in wanted.items())]

    @property
    def state_filter(self):
        """The Vega expression that keeps the rows of the current state."""
        return " && ".join(c.matches() for c in self.controls)

    def _filtered(self, view):
        """Copy ``view`` with the state filter in every view of a per-state dataset."""
        if isinstance(view, list):
            return [self._filtered(v) for v in view]
        if not isinstance(view, dict):
            return view
        out = {k: self._filtered(v) for k, v in view.items()}
        data = view.get("data")
        if isinstance(data, dict) and data.get("name") in self.datasets:
            out["transform"] = [{"filter": self.state_filter}] + list(view.get("transform", []))
        return out

    @property
    def spec(self):
        """The complete Vega-Lite specification (data, controls and view)."""
        spec = {
            "$schema": _SCHEMA,
            "description": self.description,
            "usermeta": {"explorable": self.name, "caption": self.caption,
                         "state_filter": self.state_filter,
                         "state_datasets": sorted(self.datasets)},
            "config": BOOK_VEGA_CONFIG,
            "params": [{"name": c.name, "value": c.default, "bind": c.binding()}
                       for c in self.controls],
            "datasets": {**self.datasets, **self.static},
        }
        spec.update(self._filtered(self.chart))
        return spec

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {VEGALITE_MIMETYPE: self.spec, "text/plain": f"Explorable: {self.description}"}

    def __repr__(self):
        sizes = ", ".join(f"{k}: {len(v)} rows" for k, v in self.datasets.items())
        return f"Explorable({self.name!r}; {sizes})"
