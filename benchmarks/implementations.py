"""What is compared: softmax_lib, its peers, and a plain array copy as the memory floor.

Functions (the same names in every table):

* ``softmax``, ``log_softmax``, ``logsumexp``: along the last axis;
* ``cross_entropy``: the mean loss of integer class labels;
* ``cross_entropy + grad``: the mean loss and its gradient with respect to
  the logits, as a training step needs them (softmax_lib computes both in one
  call, ``cross_entropy_grad(..., return_loss=True)``, as PyTorch's backward
  reuses what its forward pass kept).

Peer columns, each named by what it actually runs (:func:`peer_name`):

* **SciPy**: ``scipy.special.softmax``, ``log_softmax`` and ``logsumexp``.
  SciPy has no cross-entropy loss, so in the two cross-entropy rows this
  column is *not* a SciPy function: it is this project's own NumPy code
  around ``scipy.special.log_softmax`` (the loss
  ``-mean(log_softmax(z)[n, y_n])``, the gradient ``(exp(log_softmax(z)) -
  onehot(y)) / N`` computed in place on the buffer it owns), and it is named
  "NumPy + scipy.special.log_softmax" wherever it appears. Both compute on
  one thread.
* **PyTorch** (CPU, only when it is installed; imported lazily):
  ``torch.softmax``, ``torch.log_softmax``, ``torch.logsumexp``,
  ``torch.nn.functional.cross_entropy``, and for the gradient the loss's
  ``backward()``. The arrays are shared with NumPy through
  ``torch.from_numpy`` (no copy), outside the timed region.

Two timing *sessions* per function and input (:func:`timed_sessions`),
because softmax_lib and PyTorch both share their work among threads:

1. **one thread**: softmax_lib and PyTorch each set to one thread, beside
   SciPy and the copy floor, all on one thread: like for like, per core;
2. **all threads**: softmax_lib and PyTorch each set to the same count
   (:func:`session_threads`: ``--threads``, else PyTorch's default, else
   softmax_lib's default, one per CPU available), beside SciPy again.
   SciPy computes on one thread whatever the session; it is timed again
   here so that its ratio to softmax_lib on all threads pairs two series
   taken in the same rounds.

A ratio pairs softmax_lib's series with a peer's series *of the same
session* (:data:`COMPARISONS`). Changing a thread count between two calls
makes the next call pay for waking or re-creating its worker threads, so a
count is set once before a session and never inside a series.

A *factory* takes a :class:`benchmarks.cases.SpeedInput` and returns a
function of no arguments that computes the result once; everything that is
not the computation itself (conversions, allocations of reusable buffers)
happens in the factory, untimed.
"""

import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import scipy.special

import softmax_lib

ROW_FUNCTIONS = ("softmax", "log_softmax", "logsumexp")
SPEED_FUNCTIONS = (*ROW_FUNCTIONS, "cross_entropy", "cross_entropy + grad")

# The accuracy mode's names: the thread count changes no result.
OURS = "softmax_lib"
SCIPY = "SciPy"
TORCH = "PyTorch"
# The speed mode's series, one per implementation and session. The stored
# keys say "all threads"; :func:`series_title` puts the count in their place.
OURS_ONE = "softmax_lib, 1 thread"
OURS_ALL = "softmax_lib, all threads"
SCIPY_ONE = "SciPy, one-thread session"
SCIPY_ALL = "SciPy, all-threads session"
TORCH_ONE = "PyTorch, 1 thread"
TORCH_ALL = "PyTorch, all threads"
COPY = "copy"
SERIES_ORDER = (OURS_ONE, OURS_ALL, SCIPY_ONE, SCIPY_ALL, TORCH_ONE, TORCH_ALL, COPY)


@dataclass(frozen=True)
class Comparison:
    """A ratio softmax_lib / peer: which two series of one session it pairs, and its table."""

    ours: str  # softmax_lib's series
    peer: str  # the peer's series, timed in the same session
    table: str  # the name of its CSV file, without ".csv"


COMPARISONS = (
    # Per core, like for like: first, since it is the fair comparison.
    Comparison(OURS_ONE, SCIPY_ONE, "speed_vs_scipy_1"),
    Comparison(OURS_ONE, TORCH_ONE, "speed_vs_torch_1"),
    # softmax_lib sharing its work among threads, as it does by default, against
    # SciPy, which uses one thread.
    Comparison(OURS_ALL, SCIPY_ALL, "speed_vs_scipy"),
    Comparison(OURS_ALL, TORCH_ALL, "speed_vs_torch_all"),
)
COMPARISON_OF = {c.peer: c for c in COMPARISONS}  # every peer series is in one comparison

_SCIPY_NAMES = {
    "softmax": "scipy.special.softmax",
    "log_softmax": "scipy.special.log_softmax",
    "logsumexp": "scipy.special.logsumexp",
    "cross_entropy": "NumPy + scipy.special.log_softmax",
    "cross_entropy + grad": "NumPy + scipy.special.log_softmax",
}
_TORCH_NAMES = {
    "softmax": "torch.softmax",
    "log_softmax": "torch.log_softmax",
    "logsumexp": "torch.logsumexp",
    "cross_entropy": "torch.nn.functional.cross_entropy",
    "cross_entropy + grad": "torch.nn.functional.cross_entropy + backward()",
}


def threads_text(count):
    """``1 thread``, ``2 threads``."""
    return f"{count} thread{'' if count == 1 else 's'}"


def series_title(series, threads):
    """The name the tables give ``series``, with the thread count in place of "all threads".

    ``threads`` is the count of the all-threads session. When it is 1 the
    two sessions run the same counts, and the all-threads session's series
    say which session they come from, so that no two titles are the same.
    SciPy's series keep their names, which say the session: SciPy runs on
    one thread in both.
    """
    if series not in (OURS_ALL, TORCH_ALL) or threads is None:
        return series
    title = series.replace("all threads", threads_text(threads))
    return f"{title} (all-threads session)" if threads == 1 else title


def peer_name(function, column, threads=None):
    """What the peer series ``column`` runs for ``function``, as the tables name it.

    ``threads`` is the count of the all-threads session (None: unknown,
    and then the PyTorch name carries no count).
    """
    if column in (SCIPY, SCIPY_ONE, SCIPY_ALL):
        return _SCIPY_NAMES[function]
    if column in (TORCH_ONE, TORCH_ALL):
        count = 1 if column == TORCH_ONE else threads
        suffix = "" if count is None else f", {threads_text(count)}"
        return _TORCH_NAMES[function] + suffix
    raise ValueError(f"unknown peer column {column!r}")


# --------------------------------------------------------------------------
# PyTorch, optional
# --------------------------------------------------------------------------


# PyTorch's OpenMP threads otherwise keep spinning on their CPUs for a while
# after each call, waiting for more work, and slow whatever is timed next on
# those CPUs: on two CPUs, softmax_lib on two threads and even SciPy on one
# were measured 30-40 % slower right after a PyTorch call. Sleeping threads
# leave the CPUs to the next implementation.
OPENMP_WAIT_POLICY = "PASSIVE"


def load_torch():
    """Import PyTorch; return ``(module, None)`` or ``(None, why not)``.

    Sets ``OMP_WAIT_POLICY`` to :data:`OPENMP_WAIT_POLICY` first, unless the
    environment already sets it; OpenMP reads it when PyTorch is first
    imported (:func:`openmp_wait_policy` says what was in force).
    """
    global _torch_imported_before
    _torch_imported_before = sys.modules.get("torch") is not None
    if not _torch_imported_before:
        os.environ.setdefault("OMP_WAIT_POLICY", OPENMP_WAIT_POLICY)
    try:
        import torch
    except ImportError as exc:
        return None, f"PyTorch is not installed ({exc}); its columns are skipped"
    return torch, None


_torch_imported_before = False  # PyTorch was imported before load_torch could set the policy


def openmp_wait_policy():
    """The ``OMP_WAIT_POLICY`` in force for PyTorch's threads.

    None when unset; "unknown" when PyTorch had been imported before
    :func:`load_torch`, since OpenMP reads the variable once, at that import.
    """
    if _torch_imported_before:
        return "unknown"
    return os.environ.get("OMP_WAIT_POLICY")


def session_threads(torch=None, requested=None):
    """The thread count of the all-threads session, for softmax_lib and PyTorch alike.

    ``requested`` (``--threads``) if given; else PyTorch's own default when
    PyTorch is installed, so that PyTorch runs with its own default count; else
    softmax_lib's current count (by default one per CPU available to the
    process). Call it before any session has changed a count.
    """
    if requested is not None:
        return requested
    if torch is not None:
        return torch.get_num_threads()
    return softmax_lib.get_num_threads()


@contextmanager
def thread_counts_kept(torch=None):
    """Restore softmax_lib's (and PyTorch's) thread count on leaving, whatever happened.

    The sessions change both counts; the ablation and the accuracy mode,
    which run afterwards, must find them as they were.
    """
    ours = softmax_lib.get_num_threads()
    theirs = torch.get_num_threads() if torch is not None else None
    try:
        yield
    finally:
        softmax_lib.set_num_threads(ours)
        if torch is not None:
            torch.set_num_threads(theirs)


# --------------------------------------------------------------------------
# Row functions on one 1-D row (accuracy mode)
# --------------------------------------------------------------------------


def row_functions(torch=None):
    """``{implementation: {function: f(row) -> ndarray}}`` for the accuracy mode."""
    table = {
        OURS: {
            "softmax": softmax_lib.softmax,
            "log_softmax": softmax_lib.log_softmax,
            "logsumexp": softmax_lib.logsumexp,
        },
        SCIPY: {
            "softmax": lambda row: scipy.special.softmax(row, axis=-1),
            "log_softmax": lambda row: scipy.special.log_softmax(row, axis=-1),
            "logsumexp": lambda row: scipy.special.logsumexp(row, axis=-1),
        },
    }
    if torch is not None:

        def on_torch(op):
            return lambda row: np.asarray(op(torch.from_numpy(row), -1).numpy())

        table[TORCH] = {
            "softmax": on_torch(torch.softmax),
            "log_softmax": on_torch(torch.log_softmax),
            "logsumexp": on_torch(torch.logsumexp),
        }
    return table


# --------------------------------------------------------------------------
# Timed factories
# --------------------------------------------------------------------------


def _ours(function, inp):
    x, y = inp.logits, inp.labels
    if function == "softmax":
        return lambda: softmax_lib.softmax(x)
    if function == "log_softmax":
        return lambda: softmax_lib.log_softmax(x)
    if function == "logsumexp":
        return lambda: softmax_lib.logsumexp(x)
    if function == "cross_entropy":
        return lambda: softmax_lib.cross_entropy(x, y)
    return lambda: softmax_lib.cross_entropy_grad(x, y, return_loss=True)


def _scipy_cross_entropy(x, y):
    log_probs = scipy.special.log_softmax(x, axis=-1)
    return -np.take_along_axis(log_probs, y[:, None], axis=-1).mean()


def _scipy_cross_entropy_and_grad(x, y):
    log_probs = scipy.special.log_softmax(x, axis=-1)
    loss = -np.take_along_axis(log_probs, y[:, None], axis=-1).mean()
    grad = np.exp(log_probs, out=log_probs)
    grad[np.arange(len(y)), y] -= 1
    grad /= len(y)
    return loss, grad


def _scipy(function, inp):
    x, y = inp.logits, inp.labels
    if function == "softmax":
        return lambda: scipy.special.softmax(x, axis=-1)
    if function == "log_softmax":
        return lambda: scipy.special.log_softmax(x, axis=-1)
    if function == "logsumexp":
        return lambda: scipy.special.logsumexp(x, axis=-1)
    if function == "cross_entropy":
        return lambda: _scipy_cross_entropy(x, y)
    return lambda: _scipy_cross_entropy_and_grad(x, y)


def _torch(torch, function, inp):
    x = torch.from_numpy(inp.logits)
    y = torch.from_numpy(inp.labels)
    if function == "softmax":
        return lambda: torch.softmax(x, dim=-1)
    if function == "log_softmax":
        return lambda: torch.log_softmax(x, dim=-1)
    if function == "logsumexp":
        return lambda: torch.logsumexp(x, dim=-1)
    if function == "cross_entropy":
        return lambda: torch.nn.functional.cross_entropy(x, y)

    def loss_and_grad():
        with torch.enable_grad():
            leaf = x.detach().requires_grad_()
            loss = torch.nn.functional.cross_entropy(leaf, y)
            loss.backward()
        return loss, leaf.grad

    return loss_and_grad


def _copy(inp):
    destination = np.empty_like(inp.logits)
    return lambda: np.copyto(destination, inp.logits)


def _set_threads(torch, count):
    """A ``before`` of a session: softmax_lib, and PyTorch if installed, on ``count`` threads."""

    def before():
        softmax_lib.set_num_threads(count)
        if torch is not None:
            torch.set_num_threads(count)

    return before


def timed_sessions(function, inp, torch=None, all_threads=None):
    """The two timing sessions of ``function`` on ``inp``: a list of ``(before, runs)``.

    ``before`` runs once before the session and sets the thread counts;
    ``runs`` is ``{series: callable}``. The one-thread session holds
    softmax_lib, SciPy, PyTorch (with ``torch``) and the copy floor, every
    one on one thread; the all-threads session holds softmax_lib, SciPy
    and PyTorch, softmax_lib and PyTorch on ``all_threads`` threads.
    ``before`` changes the counts for good: the caller restores them
    (:func:`thread_counts_kept`).
    """
    if all_threads is None:
        all_threads = session_threads(torch)
    one = {OURS_ONE: _ours(function, inp), SCIPY_ONE: _scipy(function, inp)}
    every = {OURS_ALL: _ours(function, inp), SCIPY_ALL: _scipy(function, inp)}
    if torch is not None:
        one[TORCH_ONE] = _torch(torch, function, inp)
        every[TORCH_ALL] = _torch(torch, function, inp)
    one[COPY] = _copy(inp)
    return [(_set_threads(torch, 1), one), (_set_threads(torch, all_threads), every)]


def floor_bytes(function, inp):
    """Bytes that ``function`` must at least move: read its input once, write its output once."""
    logits = inp.logits.nbytes
    labels = inp.labels.nbytes
    rows = inp.logits.size // inp.shape[-1] * inp.dtype.itemsize
    if function in ("softmax", "log_softmax"):
        return 2 * logits
    if function == "logsumexp":
        return logits + rows
    if function == "cross_entropy":
        return logits + labels
    return 2 * logits + labels  # the gradient has the shape of the logits
