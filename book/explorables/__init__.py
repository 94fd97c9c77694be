"""The chapters' explorables: one module per chapter, one function per figure.

Each function returns a :class:`softmax_lib.explorable.Explorable` whose
numbers are computed with ``softmax_lib``.  A chapter displays it from a code
cell (``from explorables.softmax import temperature_bars``), and the tests in
``tests/test_explorables.py`` check its data against ``softmax_lib``.
"""

import importlib
import pkgutil


def builders():
    """Every explorable builder of the book: ``{module.function: function}``.

    A builder is a function listed in its chapter module's ``__all__``.
    """
    found = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for attribute in getattr(module, "__all__", []):
            found[f"{info.name}.{attribute}"] = getattr(module, attribute)
    return found
