"""The speed measurement: every function, dtype and shape, every implementation interleaved.

For each input the implementations of one function (softmax_lib, the SciPy
column, PyTorch with one thread if present) and a plain ``np.copyto`` of the
logits are timed together by :func:`benchmarks.timing.interleaved`; PyTorch
with all threads is timed in a second session beside softmax_lib again
(:func:`benchmarks.implementations.timed_sessions` says why). The copy is the memory floor: nothing
that reads every logit and writes an array of the same size can be faster
than a copy, which does only that.

Every ratio softmax_lib / peer comes with its 95 % bootstrap interval over
the paired repeats (:func:`benchmarks.stats.paired_ratio_interval`), and is
classified "faster", "slower" or "tie" by that interval.

Effective bandwidth is the function's floor in bytes (its input read once,
its output written once; :func:`benchmarks.implementations.floor_bytes`)
divided by its median time; the copy's bandwidth is twice the logits' size
(read once, written once) over its median time.
"""

from dataclasses import dataclass

import numpy as np

from .cases import speed_input
from .implementations import COPY, OURS, SPEED_FUNCTIONS, floor_bytes, timed_sessions
from .stats import paired_ratio_interval
from .timing import interleaved


@dataclass(frozen=True)
class Speed:
    """The timings of one function on one input, and what follows from them."""

    function: str
    dtype: str
    shape: tuple
    times_s: dict  # implementation -> every repeat's time, in the order taken
    median_s: dict  # implementation -> median seconds (the copy included)
    spread: dict  # implementation -> interquartile range / median
    interval: dict  # peer -> benchmarks.stats.Interval of softmax_lib / peer
    paired_with: dict  # peer -> the softmax_lib series its ratios pair it with
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

    def fraction_of_copy(self, implementation=OURS):
        """Effective bandwidth as a fraction of the copy's (1.0: as fast as the floor allows)."""
        return self.gbps(implementation) / self.gbps(COPY)


def summarise(function, dtype, shape, sessions, floor, copy_bytes):
    """A :class:`Speed` from the timed ``sessions`` (a list of ``{name: Series}``) of one input.

    softmax_lib's series of the first session is its time; that of a later
    session is stored as ``"softmax_lib, session k"`` and pairs with that
    session's peers only.
    """
    case = f"{function} {np.dtype(dtype).name} {tuple(shape)}"
    series, intervals, paired_with = {}, {}, {}
    for k, session in enumerate(sessions, start=1):
        ours = OURS if k == 1 else f"{OURS}, session {k}"
        series[ours] = session[OURS]
        for name, s in session.items():
            if name == OURS:
                continue
            series[name] = s
            if name != COPY:
                intervals[name] = paired_ratio_interval(
                    session[OURS].times, s.times, name=f"{case} / {name}"
                )
                paired_with[name] = ours
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
                sessions = []
                for before, runs in timed_sessions(function, inp, torch, all_threads):
                    if before is not None:
                        before()
                    sessions.append(interleaved(runs, repeats))
                results.append(
                    summarise(
                        function, inp.dtype, inp.shape, sessions,
                        floor_bytes(function, inp), 2 * inp.logits.nbytes,
                    )
                )
    return results
