"""Interleaved, repeated timing: medians, ratios and how noisy the machine was.

Each repeat runs every implementation once, in a rotated order (A B C, then
B C A, ...), so that a burst of load from another process hits all of them
alike instead of one implementation's whole series. One untimed warm-up call
each comes first (imports, caches, first-touch of reusable buffers). The
garbage collector is off while timing. The result of a call is kept alive
until the clock has stopped, so freeing it is not part of the time.

The summary of a series is its median; its spread is the interquartile range
relative to the median. Because the implementations are interleaved, the
times of two implementations with the same index were taken in the same
round: they are *pairs*, and :mod:`benchmarks.stats` turns the per-repeat
ratios of the pairs into a ratio with a confidence interval.
"""

import gc
import statistics
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Series:
    """The times of one implementation, in seconds, in the order they were taken."""

    times: tuple

    @property
    def median(self):
        return statistics.median(self.times)

    @property
    def spread(self):
        """Interquartile range over the median (0.1 means the middle half spans 10 %)."""
        return relative_iqr(self.times)


def relative_iqr(values):
    """``(q3 - q1) / median`` of ``values`` (0 for fewer than two values)."""
    if len(values) < 2:
        return 0.0
    q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    middle = statistics.median(values)
    return (q3 - q1) / middle if middle > 0 else 0.0


def interleaved(runs, repeats, clock=time.perf_counter):
    """Time every callable of ``runs`` (a dict) ``repeats`` times, interleaved.

    Returns ``{name: Series}``.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats!r}")
    names = list(runs)
    times = {name: [] for name in names}
    gc_was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        for name in names:
            runs[name]()
        for repeat in range(repeats):
            shift = repeat % len(names)
            for name in names[shift:] + names[:shift]:
                start = clock()
                result = runs[name]()
                stop = clock()
                del result
                times[name].append(stop - start)
    finally:
        if gc_was_enabled:
            gc.enable()
    return {name: Series(tuple(values)) for name, values in times.items()}
