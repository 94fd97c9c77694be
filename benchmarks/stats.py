"""Speed ratios with 95 % confidence intervals, and the verdict they support.

The timings of two implementations come in *pairs*: repeat ``i`` times both
in the same round (:func:`benchmarks.timing.interleaved`), one right after
the other, so a burst of load from another process tends to slow both. The
ratio of a pair, ``t_ours[i] / t_peer[i]``, cancels much of that shared
load; the estimate of the speed ratio is the **median of the per-repeat
ratios**.

Its 95 % interval is a percentile bootstrap over the pairs: draw ``n`` pairs
with replacement from the ``n`` measured ones (a pair is never split), take
the median of their ratios, do this :data:`RESAMPLES` times, and report the
2.5th and 97.5th percentiles of those medians. The generator is seeded from the name of the comparison, so the same
timings always give the same interval.

A comparison is then classified by its interval, never by the median alone:

* **faster**: the whole interval is below 1 (softmax_lib takes less time);
* **slower**: the whole interval is above 1;
* **tie**: the interval contains 1; at this noise, the two cannot be told apart.
"""

import zlib
from dataclasses import dataclass

import numpy as np

SEED = 20260102
RESAMPLES = 10_000
CONFIDENCE = 0.95
MIN_REPEATS = 15  # fewer pairs make the percentile interval too coarse to trust

FASTER, SLOWER, TIE = "faster", "slower", "tie"


@dataclass(frozen=True)
class Interval:
    """A ratio ``ours / peer`` with its bootstrap interval and the verdict it supports."""

    ratio: float
    low: float
    high: float

    @property
    def verdict(self):
        return classify(self.low, self.high)

    def as_dict(self):
        return {"ratio": self.ratio, "low": self.low, "high": self.high, "verdict": self.verdict}


def classify(low, high):
    """``"faster"`` if ``high < 1``, ``"slower"`` if ``low > 1``, else ``"tie"``."""
    if not low <= high:
        raise ValueError(f"an interval needs low <= high, got {low!r} > {high!r}")
    if high < 1.0:
        return FASTER
    if low > 1.0:
        return SLOWER
    return TIE


def seed_for(name):
    """A seed for the bootstrap of the comparison ``name``, stable across processes.

    ``zlib.crc32`` rather than ``hash()``: Python salts the hash of a string
    differently in every process.
    """
    return [SEED, zlib.crc32(name.encode("utf-8"))]


def paired_ratio_interval(ours, peer, name="", resamples=RESAMPLES, confidence=CONFIDENCE):
    """The median per-repeat ratio ``ours[i] / peer[i]`` and its percentile bootstrap interval.

    Parameters
    ----------
    ours, peer : sequence of float
        Times (seconds) of the same repeats, in the same order: ``ours[i]`` and
        ``peer[i]`` were taken in the same round.
    name : str
        Names the comparison; seeds the bootstrap.
    resamples : int
        Bootstrap resamples.
    confidence : float
        Coverage of the interval, in (0, 1).

    Returns
    -------
    Interval
    """
    a = np.asarray(ours, dtype=np.float64)
    b = np.asarray(peer, dtype=np.float64)
    if a.ndim != 1 or a.shape != b.shape:
        raise ValueError(f"ours and peer must be 1-D of the same length, got {a.shape}, {b.shape}")
    if a.size < 2:
        raise ValueError(f"a bootstrap needs at least 2 pairs, got {a.size}")
    if not (np.all(a > 0) and np.all(b > 0)):
        raise ValueError("times must be positive")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    ratios = a / b
    rng = np.random.default_rng(seed_for(name))
    picks = rng.integers(0, ratios.size, size=(resamples, ratios.size))
    medians = np.median(ratios[picks], axis=1)
    tail = 100 * (1 - confidence) / 2
    low, high = np.percentile(medians, [tail, 100 - tail])
    return Interval(float(np.median(ratios)), float(low), float(high))


def verdict_counts(intervals):
    """``{"faster": n, "tie": n, "slower": n}`` over ``intervals``."""
    counts = {FASTER: 0, TIE: 0, SLOWER: 0}
    for interval in intervals:
        counts[interval.verdict] += 1
    return counts


def answer_no_slower(intervals):
    """The answer to "no slower than the peer anywhere?", from the intervals alone.

    ``"yes"`` when every interval is below 1 (faster everywhere), ``"no"``
    when any interval is above 1 (slower somewhere), and ``"tie"`` when none
    is above 1 but at least one contains it: there, no difference was measured
    either way.
    """
    counts = verdict_counts(intervals)
    if counts[SLOWER]:
        return "no"
    if counts[TIE]:
        return TIE
    return "yes"
