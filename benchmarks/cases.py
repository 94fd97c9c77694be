"""The inputs of the benchmarks: the timed shapes and the adversarial accuracy suite.

Every input comes from a seeded ``numpy.random.default_rng``, so two runs
time and check exactly the same numbers.
"""

import math
from dataclasses import dataclass

import numpy as np

SEED = 20260101

DTYPES = (np.dtype(np.float32), np.dtype(np.float64))

# (rows, classes): a large batch of wide rows, a batch of ImageNet-sized rows,
# and a few very wide rows (a language model's vocabulary).
FULL_SHAPES = ((1000, 10000), (4096, 1000), (64, 100000))
# --quick: the same three aspect ratios, about 100 times smaller.
QUICK_SHAPES = ((100, 1000), (512, 100), (8, 10000))

LOGIT_SCALE = 4.0  # standard deviation of the random logits
WIDE_LOGIT_SCALE = 10.0  # ... of the wide rows, where the rounding of z - m shows
SHIFT_ROWS, SHIFT_CLASSES = 8, 1000  # the rows of the figure of error against |z - m|


@dataclass(frozen=True)
class SpeedInput:
    """One timed input: logits of ``shape`` and ``dtype`` and one class label per row."""

    dtype: np.dtype
    shape: tuple
    logits: np.ndarray
    labels: np.ndarray


def speed_input(dtype, shape, seed=SEED):
    """Logits ``N(0, LOGIT_SCALE^2)`` of ``shape`` and ``dtype``, and labels in ``[0, C)``."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    logits = rng.standard_normal(shape, dtype=dtype)
    logits *= dtype.type(LOGIT_SCALE)
    labels = rng.integers(0, shape[-1], size=shape[:-1])
    return SpeedInput(dtype, tuple(shape), logits, labels)


@dataclass(frozen=True)
class AccuracyCase:
    """A named set of rows (1-D arrays of one dtype) on which every row function is checked."""

    name: str
    rows: tuple


def accuracy_suite(dtype, seed=SEED):
    """The adversarial rows for ``dtype`` (float32 or float64).

    * one dominant logit: a single logit far above the rest;
    * many equal logits: softmax is exactly 1/K, log-softmax -log K;
    * huge offsets: ordinary rows shifted by +-1e4 and by most of the
      dtype's range (the unshifted formula overflows or underflows);
    * tiny second term: ``[1 - log(eps), 0]``, where the second term
      ``eps / e`` is below the rounding unit and ``log(1 + eps/e)`` rounds to 0
      unless the maximum's own term is taken out (``log1p``);
    * many tiny terms: one logit at 0 and 999 far below it;
    * random rows: ordinary logits ``N(0, 4^2)``;
    * wide random rows: logits ``N(0, 10^2)``, where the differences
      ``z - m`` reach several tens and their rounding, amplified by the
      exponential, dominates a plain algorithm's error.
    """
    dtype = np.dtype(dtype)
    rng = np.random.default_rng(seed)
    eps = float(np.finfo(dtype).eps)
    big = 1e300 if dtype == np.float64 else 1e37
    tiny_gap = 40.0 if dtype == np.float64 else 20.0

    def row(values):
        return np.asarray(values, dtype=np.float64).astype(dtype)

    def random_rows(count, length, offset=0.0, scale=LOGIT_SCALE):
        # Rounded to the dtype after the offset is added. Around +-1e4 every
        # x_i - max(x) is then exact (Sterbenz), so only the algorithm's own
        # error is measured; around 0 the shifts round, as they do in practice.
        return tuple(row(offset + rng.normal(scale=scale, size=length)) for _ in range(count))

    cases = [
        AccuracyCase(
            "one dominant logit", (row([30.0, 0.0, -1.0, 2.0, 0.5]), row([50.0] + [0.0] * 9))
        ),
        AccuracyCase("many equal logits", (row([3.0] * 1000), row([-7.5] * 10))),
        AccuracyCase("offset +1e4", random_rows(16, 50, offset=1e4)),
        AccuracyCase("offset -1e4", random_rows(16, 50, offset=-1e4)),
        AccuracyCase("huge offset", (row([big, big]), row([big, big, 0.0]), row([-big, -big]))),
        AccuracyCase("tiny second term", (row([1.0 - math.log(eps), 0.0]),)),
        AccuracyCase("many tiny terms", (row([0.0] + [-tiny_gap] * 999),)),
        AccuracyCase("random rows", random_rows(16, 64)),
        AccuracyCase("wide random rows", random_rows(16, 256, scale=WIDE_LOGIT_SCALE)),
    ]
    return cases


def shift_rows(dtype, seed=SEED + 1):
    """Rows for the figure of the error against ``|z - m|``: ``N(0, 10^2)`` logits.

    :data:`SHIFT_ROWS` rows of :data:`SHIFT_CLASSES` logits, drawn in float64
    and rounded to ``dtype``. Around 0, ``z - m`` is rounded whenever ``z``
    and ``m`` are not within a factor of two of each other, which is most of
    the time.
    """
    rng = np.random.default_rng(seed)
    return [
        rng.normal(scale=WIDE_LOGIT_SCALE, size=SHIFT_CLASSES).astype(dtype)
        for _ in range(SHIFT_ROWS)
    ]
