"""The speed measurement: every function, dtype and shape, every implementation interleaved.

For each input the implementations of one function (softmax_lib, SciPy,
PyTorch if present) and a plain ``np.copyto`` of the logits are timed
together by :func:`benchmarks.timing.interleaved`. The copy is the memory
floor: nothing that reads every logit and writes an array of the same size
can be faster than a copy, which does only that.

Effective bandwidth is the function's floor in bytes (its input read once,
its output written once; :func:`benchmarks.implementations.floor_bytes`)
divided by its median time; the copy's bandwidth is twice the logits' size
(read once, written once) over its median time.
"""

from dataclasses import dataclass

import numpy as np

from .cases import speed_input
from .implementations import COPY, OURS, SPEED_FUNCTIONS, floor_bytes, timed_functions
from .timing import interleaved, ratio


@dataclass(frozen=True)
class Speed:
    """The timings of one function on one input, and what follows from them."""

    function: str
    dtype: str
    shape: tuple
    median_s: dict  # implementation -> median seconds (the copy included)
    spread: dict  # implementation -> interquartile range / median
    ratio: dict  # peer -> median(softmax_lib) / median(peer)
    ratio_spread: dict  # peer -> interquartile range / median of the per-repeat ratios
    floor_bytes: int
    copy_bytes: int

    def gbps(self, implementation):
        """Effective bandwidth in GB/s (1e9 bytes per second) against the function's floor."""
        if implementation == COPY:
            return self.copy_bytes / self.median_s[COPY] / 1e9
        return self.floor_bytes / self.median_s[implementation] / 1e9

    def fraction_of_copy(self, implementation=OURS):
        """Effective bandwidth as a fraction of the copy's (1.0: as fast as the floor allows)."""
        return self.gbps(implementation) / self.gbps(COPY)


def measure(shapes, dtypes, repeats, torch=None, progress=None):
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
                runs = timed_functions(function, inp, torch)
                series = interleaved(runs, repeats)
                peers = [name for name in runs if name not in (OURS, COPY)]
                ratios = {peer: ratio(series[OURS], series[peer]) for peer in peers}
                results.append(
                    Speed(
                        function=function,
                        dtype=inp.dtype.name,
                        shape=tuple(shape),
                        median_s={name: s.median for name, s in series.items()},
                        spread={name: s.spread for name, s in series.items()},
                        ratio={peer: value for peer, (value, _) in ratios.items()},
                        ratio_spread={peer: spread for peer, (_, spread) in ratios.items()},
                        floor_bytes=floor_bytes(function, inp),
                        copy_bytes=2 * inp.logits.nbytes,
                    )
                )
                del runs, series
    return results
