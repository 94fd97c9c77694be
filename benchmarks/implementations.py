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
  "NumPy + scipy.special.log_softmax" wherever it appears.
* **PyTorch, 1 thread** and **PyTorch, all threads** (CPU, only when it is
  installed; imported lazily): ``torch.softmax``, ``torch.log_softmax``,
  ``torch.logsumexp``, ``torch.nn.functional.cross_entropy``, and for the
  gradient the loss's ``backward()``. The same PyTorch twice: once limited
  to one thread, as NumPy computes, and once with the number of threads
  PyTorch chooses by itself (one per core, unless ``--torch-threads`` says
  otherwise). Changing the count between two calls makes the next call
  pay for waking or re-creating its worker threads, so the count is never
  changed inside a series: the all-threads column is timed in a
  second *session*, interleaved with softmax_lib again, and its ratio pairs
  it with softmax_lib's times from that session. The arrays are shared with
  NumPy through ``torch.from_numpy`` (no copy), outside the timed region.

A *factory* takes a :class:`benchmarks.cases.SpeedInput` and returns a
function of no arguments that computes the result once; everything that is
not the computation itself (conversions, allocations of reusable buffers)
happens in the factory, untimed.
"""

import numpy as np
import scipy.special

import softmax_lib

ROW_FUNCTIONS = ("softmax", "log_softmax", "logsumexp")
SPEED_FUNCTIONS = (*ROW_FUNCTIONS, "cross_entropy", "cross_entropy + grad")

OURS = "softmax_lib"
SCIPY = "SciPy"
TORCH = "PyTorch"  # the accuracy mode's name: the thread count changes no result
TORCH_ONE = "PyTorch, 1 thread"
TORCH_ALL = "PyTorch, all threads"
COPY = "copy"

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


def peer_name(function, column, threads=None):
    """What the peer ``column`` runs for ``function``, as the tables name it."""
    if column == SCIPY:
        return _SCIPY_NAMES[function]
    if column in (TORCH_ONE, TORCH_ALL):
        count = 1 if column == TORCH_ONE else threads
        suffix = "" if count is None else f", {count} thread{'' if count == 1 else 's'}"
        return _TORCH_NAMES[function] + suffix
    raise ValueError(f"unknown peer column {column!r}")


# --------------------------------------------------------------------------
# PyTorch, optional
# --------------------------------------------------------------------------


def load_torch():
    """Import PyTorch; return ``(module, None)`` or ``(None, why not)``."""
    try:
        import torch
    except ImportError as exc:
        return None, f"PyTorch is not installed ({exc}); its columns are skipped"
    return torch, None


def torch_threads(torch, requested=None):
    """The thread count of the "all threads" column: ``requested``, or PyTorch's own default."""
    return requested if requested is not None else torch.get_num_threads()


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


def timed_sessions(function, inp, torch=None, all_threads=None):
    """The timing sessions of ``function`` on ``inp``: a list of ``(before, runs)``.

    ``before`` (a callable, or None) runs once before the session;
    ``runs`` is ``{implementation: callable}``, softmax_lib always among
    them. The first session holds softmax_lib, SciPy, PyTorch on one thread
    and the copy floor; with ``torch``, a second holds softmax_lib and
    PyTorch on ``all_threads`` threads.
    """
    first = {OURS: _ours(function, inp), SCIPY: _scipy(function, inp)}
    if torch is not None:
        first[TORCH_ONE] = _torch(torch, function, inp)
    first[COPY] = _copy(inp)
    sessions = [((lambda: torch.set_num_threads(1)) if torch is not None else None, first)]
    if torch is not None:
        second = {OURS: _ours(function, inp), TORCH_ALL: _torch(torch, function, inp)}
        sessions.append((lambda: torch.set_num_threads(all_threads), second))
    return sessions


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
