"""The speed measurement: every function, dtype and shape, every implementation interleaved.

For each input the implementations of one function are timed in two
sessions (:func:`benchmarks.implementations.timed_sessions` says what each
holds and why), each by :func:`benchmarks.timing.interleaved`: one with
softmax_lib, SciPy, PyTorch (if present) and a plain ``np.copyto`` of the
logits, all on one thread; one with softmax_lib, SciPy and PyTorch, the
first and the last on all threads. The thread counts are put back as they
were afterwards. The copy is the memory floor: nothing that reads every
logit and writes an array of the same size can be faster than a copy, which
does only that.

Every ratio softmax_lib / peer pairs the two series of one session
(:data:`benchmarks.implementations.COMPARISONS`) and comes with its 95 %
bootstrap interval over the paired repeats
(:func:`benchmarks.stats.paired_ratio_interval`); it is classified
"faster", "slower" or "tie" by that interval.

Effective bandwidth is the function's floor in bytes (its input read once,
its output written once; :func:`benchmarks.implementations.floor_bytes`)
divided by its median time; the copy's bandwidth is twice the logits' size
(read once, written once) over its median time. The copy runs on one
thread, so softmax_lib's share of it is taken from its one-thread series.
"""

from dataclasses import dataclass

import numpy as np

from .cases import speed_input
from .implementations import (
    COMPARISONS,
    COPY,
    OURS_ONE,
    SPEED_FUNCTIONS,
    floor_bytes,
    thread_counts_kept,
    timed_sessions,
)
from .stats import paired_ratio_interval
from .timing import interleaved


@dataclass(frozen=True)
class Speed:
    """The timings of one function on one input, and what follows from them."""

    function: str
    dtype: str
    shape: tuple
    times_s: dict  # series -> every repeat's time, in the order taken
    median_s: dict  # series -> median seconds (the copy included)
    spread: dict  # series -> interquartile range / median
    interval: dict  # peer series -> benchmarks.stats.Interval of softmax_lib / peer
    paired_with: dict  # peer series -> the softmax_lib series its ratios pair it with
    floor_bytes: int
    copy_bytes: int

    @property
    def case(self):
        return f"{self.function} {self.dtype} {'×'.join(str(n) for n in self.shape)}"

    def gbps(self, implementation):
        """Effective bandwidth in GB/s (1e9 bytes per second) against the function's floor."""
        if implementation == COPY:
            return self.copy_bytes / self.median_s[COPY] / 1e9
        return self.floor_bytes / self.median_s[implementation] / 1e9

    def fraction_of_copy(self, implementation=OURS_ONE):
        """Effective bandwidth as a fraction of the copy's (1.0: as fast as the floor allows).

        The copy runs on one thread: the default compares softmax_lib on one
        thread with it.
        """
        return self.gbps(implementation) / self.gbps(COPY)


def summarise(function, dtype, shape, sessions, floor, copy_bytes):
    """A :class:`Speed` from the timed ``sessions`` (a list of ``{series: Series}``) of one input.

    Every comparison of :data:`~benchmarks.implementations.COMPARISONS`
    whose two series were timed in the same session gets its interval;
    one whose peer was not timed (PyTorch not installed) is left out.
    """
    case = f"{function} {np.dtype(dtype).name} {tuple(shape)}"
    series, intervals, paired_with = {}, {}, {}
    for session in sessions:
        series.update(session)
        for comparison in COMPARISONS:
            if comparison.ours in session and comparison.peer in session:
                intervals[comparison.peer] = paired_ratio_interval(
                    session[comparison.ours].times, session[comparison.peer].times,
                    name=f"{case} / {comparison.peer}",
                )
                paired_with[comparison.peer] = comparison.ours
    return Speed(
        function=function,
        dtype=np.dtype(dtype).name,
        shape=tuple(shape),
        times_s={name: list(s.times) for name, s in series.items()},
        median_s={name: s.median for name, s in series.items()},
        spread={name: s.spread for name, s in series.items()},
        interval=intervals,
        paired_with=paired_with,
        floor_bytes=floor,
        copy_bytes=copy_bytes,
    )


def time_sessions(function, inp, repeats, torch=None, all_threads=None):
    """Run the sessions of ``function`` on ``inp``: a list of ``{series: Series}``.

    Each session's ``before`` sets its thread counts; the counts are put
    back as they were on return, even when a timing fails.
    """
    sessions = []
    with thread_counts_kept(torch):
        for before, runs in timed_sessions(function, inp, torch, all_threads):
            before()
            sessions.append(interleaved(runs, repeats))
    return sessions


def measure(shapes, dtypes, repeats, torch=None, all_threads=None, progress=None):
    """Time every function on every (dtype, shape); a list of :class:`Speed`."""
    results = []
    total = len(shapes) * len(dtypes) * len(SPEED_FUNCTIONS)
    done = 0
    for dtype in dtypes:
        for shape in shapes:
            inp = speed_input(dtype, shape)
            for function in SPEED_FUNCTIONS:
                done += 1
                if progress is not None:
                    progress(f"speed [{done}/{total}]: {function} {np.dtype(dtype).name} {shape}")
                sessions = time_sessions(function, inp, repeats, torch, all_threads)
                results.append(
                    summarise(
                        function, inp.dtype, inp.shape, sessions,
                        floor_bytes(function, inp), 2 * inp.logits.nbytes,
                    )
                )
    return results
