"""Input validation shared by every numeric function of ``softmax_lib``.

Each helper raises an exception that names the offending argument and says
what was expected, so that a caller never meets a silent NaN or an error from
deep inside NumPy.
"""

import math
import numbers
import operator

import numpy as np

# float16 sums of more than a few thousand terms stall (2048 + 1 == 2048), so
# low-precision inputs are computed in float32 and rounded back at the end.
_MIN_COMPUTE_DTYPE = np.dtype(np.float32)


def as_float_array(x, name):
    """Return ``x`` as a real floating-point array without copying it.

    Floating inputs keep their dtype; integer and bool inputs are promoted
    to float64.

    Raises
    ------
    TypeError
        If ``x`` is not real numeric data (strings, objects, complex numbers).
    """
    if type(x) is np.ndarray and x.dtype.kind == "f":  # the common case, checked cheaply
        return x
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError) as exc:  # ragged nested sequences
        raise TypeError(f"{name} must be a real numeric array; {exc}") from None
    if arr.dtype.kind in "biu":
        return arr.astype(np.float64)
    if arr.dtype.kind != "f":
        raise TypeError(
            f"{name} must be a real numeric array (bool, integer or floating), "
            f"got an array of dtype {arr.dtype}"
        )
    return arr


def compute_dtype(dtype):
    """The dtype in which to compute for inputs of ``dtype`` (float32 at least)."""
    return np.promote_types(dtype, _MIN_COMPUTE_DTYPE)


def class_axis(axis, ndim, name="axis", array_name="x"):
    """Normalise ``axis`` for the array argument ``array_name`` with ``ndim`` dimensions.

    Raises
    ------
    TypeError
        If ``axis`` is not an integer.
    ValueError
        If the array is 0-dimensional or ``axis`` is out of range.
    """
    if type(axis) is int and -ndim <= axis < ndim:  # the common case, checked cheaply
        return axis % ndim
    if isinstance(axis, (bool, np.bool_)):
        raise TypeError(f"{name} must be an integer, got {axis!r}")
    try:
        axis = operator.index(axis)
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {axis!r}") from None
    if ndim == 0:
        raise ValueError(
            f"{array_name} must have at least one dimension (the class axis), got a scalar"
        )
    if not -ndim <= axis < ndim:
        raise ValueError(f"{name}={axis} is out of range for an array with {ndim} dimension(s)")
    return axis % ndim


def positive_finite(value, name):
    """Return ``value`` as a float, checking that it is finite and > 0."""
    if type(value) is float and 0.0 < value < math.inf:  # the common case, checked cheaply
        return value
    real = real_number(value, name)
    if not (math.isfinite(real) and real > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return real


def real_number(value, name):
    """Return ``value`` as a float, checking that it is a real number."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    try:
        return float(value)
    except OverflowError:  # an int or Fraction beyond the float range
        return math.inf if value > 0 else -math.inf


def same_shape(a, b, name_a, name_b):
    """Check that two arrays have the same shape."""
    if a.shape != b.shape:
        raise ValueError(
            f"{name_b} must have the same shape as {name_a}: {name_a} has shape {a.shape}, "
            f"{name_b} has shape {b.shape}"
        )


def positive_int(value, name):
    """Return ``value`` as an ``int``, checking that it is an integer >= 1.

    Raises
    ------
    TypeError
        If ``value`` is not an integer (bools and floats are refused).
    ValueError
        If ``value`` is less than 1.
    """
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a positive integer, got {value!r}")
    try:
        number = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be a positive integer, got {value!r}") from None
    if number < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return number


def integer(value, name):
    """Return ``value`` as a Python int, checking that it is an integer (not a bool)."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {value!r}") from None


def boolean(value, name):
    """Return ``value`` as a Python bool; raise TypeError unless it is True or False."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def one_of(value, choices, name):
    """Check that ``value`` is one of the strings ``choices``; return it."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {choices}, got {value!r}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return value


def sum_tolerance(dtype):
    """How far from 1 a distribution of ``dtype`` may sum: sqrt(machine epsilon).

    About 1.5e-8 for float64, 3.5e-4 for float32 and 0.031 for float16:
    loose enough for probabilities rounded or summed in that precision, tight
    enough to reject counts, percentages or a vector with an entry missing.
    """
    return math.sqrt(float(np.finfo(dtype).eps))


def probability_array(x, name):
    """Return ``x`` as a float array of distributions along its last axis, without copying.

    Each slice along the last axis must be finite, non-negative and sum to 1
    within :func:`sum_tolerance` of the array's dtype. Nothing is
    renormalised. Floating inputs keep their dtype; integer and bool inputs
    become float64.

    Raises
    ------
    TypeError
        If ``x`` is not real numeric data.
    ValueError
        If ``x`` is a scalar, has an empty last axis, contains NaN, an
        infinity or a negative entry, or has a slice that does not sum to 1.
    """
    arr = as_float_array(x, name)
    if arr.ndim == 0:
        raise ValueError(
            f"{name} must have at least one dimension (the distribution axis), got a scalar"
        )
    if arr.shape[-1] == 0:
        raise ValueError(
            f"{name} has an empty last axis: a distribution needs at least one outcome "
            f"(shape {arr.shape})"
        )
    if np.isnan(arr).any():
        where = tuple(int(i) for i in np.argwhere(np.isnan(arr))[0])
        raise ValueError(f"{name} must not contain NaN; {name}{list(where)} is nan")
    if np.isinf(arr).any():
        where = tuple(int(i) for i in np.argwhere(np.isinf(arr))[0])
        raise ValueError(f"{name} must be finite; {name}{list(where)} is {arr[where]}")
    if (arr < 0).any():
        where = tuple(int(i) for i in np.argwhere(arr < 0)[0])
        raise ValueError(
            f"{name} must be non-negative (probabilities); {name}{list(where)} = {arr[where]}"
        )
    totals = arr.sum(axis=-1, dtype=compute_dtype(arr.dtype))
    tol = sum_tolerance(arr.dtype)
    off = np.abs(totals - 1) > tol
    if off.any():
        where = tuple(int(i) for i in np.argwhere(off)[0])
        row = f"{name}[{', '.join(map(str, where))}, :]" if where else name
        raise ValueError(
            f"{name} must sum to 1 along its last axis (within {tol:.2g}); "
            f"{row} sums to {float(totals[where])!r}. Divide by the sum first if {name} "
            f"holds counts or weights"
        )
    return arr
