"""What is compared: softmax_lib, its peers, and a plain array copy as the memory floor.

Functions (the same names in every table):

* ``softmax``, ``log_softmax``, ``logsumexp``: along the last axis;
* ``cross_entropy``: the mean loss of integer class labels;
* ``cross_entropy + grad``: the mean loss and its gradient with respect to
  the logits, as a training step needs them.

Peers:

* **SciPy**: ``scipy.special.softmax``, ``log_softmax`` and ``logsumexp``.
  SciPy has no cross-entropy loss, so its two cross-entropy entries are a
  plain NumPy reference built on ``scipy.special.log_softmax``: the loss is
  ``-mean(log_softmax(z)[n, y_n])`` and the gradient ``(exp(log_softmax(z)) -
  onehot(y)) / N``, computed in place on the buffer it owns.
* **PyTorch** (CPU, only when it is installed; imported lazily): ``torch.softmax``,
  ``torch.log_softmax``, ``torch.logsumexp``, ``torch.nn.functional.cross_entropy``,
  and for the gradient the loss's ``backward()``. The arrays are shared with
  NumPy through ``torch.from_numpy`` (no copy), outside the timed region.
  PyTorch runs on one thread unless told otherwise, like NumPy.

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
TORCH = "PyTorch"
COPY = "copy"


# --------------------------------------------------------------------------
# PyTorch, optional
# --------------------------------------------------------------------------


def load_torch(threads=1):
    """Import PyTorch and set its threads; return ``(module, None)`` or ``(None, why not)``."""
    try:
        import torch
    except ImportError as exc:
        return None, f"PyTorch is not installed ({exc}); its columns are skipped"
    torch.set_num_threads(threads)
    return torch, None


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
    return lambda: (softmax_lib.cross_entropy(x, y), softmax_lib.cross_entropy_grad(x, y))


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


def timed_functions(function, inp, torch=None):
    """``{implementation: callable}`` for ``function`` on ``inp``, the copy floor included."""
    runs = {OURS: _ours(function, inp), SCIPY: _scipy(function, inp)}
    if torch is not None:
        runs[TORCH] = _torch(torch, function, inp)
    runs[COPY] = _copy(inp)
    return runs


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
