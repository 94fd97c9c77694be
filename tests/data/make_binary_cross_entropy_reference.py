"""Write binary_cross_entropy_reference.json: PyTorch's binary cross-entropy on logits.

The tests do not run this script and do not need PyTorch; they read the JSON
file it writes next to itself. To regenerate the file, in a separate
environment that has PyTorch (2.13.0 made the stored file) and NumPy, from
the repository root:

    python3 -m venv torchenv
    torchenv/bin/pip install torch==2.13.0 numpy
    torchenv/bin/python tests/data/make_binary_cross_entropy_reference.py

Each case holds the inputs of
``torch.nn.functional.binary_cross_entropy_with_logits`` (logits, targets,
weight, pos_weight, reduction), its loss and the gradient with respect to the
logits (autograd of the reduced loss, of the sum for reduction="none").
Floats are stored as hexadecimal strings (``float.hex``), so float64 values
round-trip exactly and NaN and infinities need no special JSON; float32
inputs are stored as the float64 values of float32 numbers.

A few edge cases differ on purpose from PyTorch (see the Notes of
``softmax_lib.binary_cross_entropy_with_logits``): at an infinite logit whose
loss has a finite limit, PyTorch computes 0 * inf = NaN. Those cases carry a
``deviation`` reason and an ``expected`` result, also computed by PyTorch, at
inputs where the two definitions provably coincide: each infinite logit
replaced by a huge finite value of the same sign (+-1e300), whose loss term
is exactly 0 in PyTorch's formula as in the limit.
"""

from itertools import product
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from reference_json import as_dtype, hex_list, write_reference

OUT = Path(__file__).with_name("binary_cross_entropy_reference.json")
SEED = 20261205
TORCH_DTYPES = {"float32": torch.float32, "float64": torch.float64}
SHAPES = {"scalar": (), "vector": (5,), "batch": (4, 3), "spatial": (2, 3, 4)}
REDUCTIONS = ("mean", "sum", "none")


def stored(array):
    """Shape and values of an optional array."""
    if array is None:
        return None
    return {"shape": list(np.shape(array)), "values": hex_list(array)}


def torch_loss_and_grad(logits, targets, weight, pos_weight, reduction, dtype):
    tdtype = TORCH_DTYPES[dtype]
    x = torch.tensor(logits, dtype=tdtype, requires_grad=True)
    t = torch.tensor(targets, dtype=tdtype)
    w = None if weight is None else torch.tensor(weight, dtype=tdtype)
    pw = None if pos_weight is None else torch.tensor(pos_weight, dtype=tdtype)
    loss = F.binary_cross_entropy_with_logits(x, t, weight=w, pos_weight=pw, reduction=reduction)
    (loss.sum() if reduction == "none" else loss).backward()
    return loss.detach().double().numpy(), x.grad.double().numpy()


def make_case(case_id, logits, targets, weight, pos_weight, reduction, dtype,
              deviation=None, expected_logits=None):
    loss, grad = torch_loss_and_grad(logits, targets, weight, pos_weight, reduction, dtype)
    case = {
        "id": case_id,
        "dtype": dtype,
        "shape": list(np.shape(logits)),
        "logits": hex_list(logits),
        "targets": hex_list(targets),
        "weight": stored(weight),
        "pos_weight": stored(pos_weight),
        "reduction": reduction,
        "torch": {"loss": hex_list(loss), "grad": hex_list(grad)},
    }
    if deviation is not None:
        loss, grad = torch_loss_and_grad(expected_logits, targets, weight, pos_weight,
                                         reduction, dtype)
        case["deviation"] = deviation
        case["expected"] = {"loss": hex_list(loss), "grad": hex_list(grad)}
    return case


def weight_shapes(shape):
    """Shapes that broadcast to ``shape``: none, per element, per row, per class."""
    shapes = {"none": None, "full": shape}
    if len(shape) >= 1:
        shapes["class"] = shape[-1:]
    if len(shape) >= 2:
        shapes["row"] = shape[:-1] + (1,)
    return shapes


def random_cases(rng):
    """Every shape, reduction, dtype and target kind, with weights of each broadcast shape."""
    cases = []
    for shape_name, reduction, dtype, target_kind in product(
        SHAPES, REDUCTIONS, ("float32", "float64"), ("hard", "soft"),
    ):
        shape = SHAPES[shape_name]
        w_shapes = weight_shapes(shape)
        for w_name, pw_name in (("none", "none"), ("full", "none"), ("none", "class"),
                                ("row", "class"), ("class", "full")):
            if w_name not in w_shapes or pw_name not in w_shapes:
                continue
            logits = as_dtype(rng.normal(0.0, 3.0, size=shape), dtype)
            if target_kind == "hard":
                targets = as_dtype(rng.integers(0, 2, size=shape), dtype)
            else:
                targets = as_dtype(rng.random(size=shape), dtype)
            w_shape, pw_shape = w_shapes[w_name], w_shapes[pw_name]
            weight = None if w_shape is None else as_dtype(rng.uniform(0.1, 2.0, w_shape), dtype)
            pos_weight = (None if pw_shape is None
                          else as_dtype(rng.uniform(0.5, 5.0, pw_shape), dtype))
            case_id = f"{shape_name}-{reduction}-{dtype}-{target_kind}-w{w_name}-pw{pw_name}"
            cases.append(make_case(case_id, logits, targets, weight, pos_weight, reduction,
                                   dtype))
    return cases


def edge_cases(rng):
    """Large logits, empty input, NaN, infinities, zero weights."""
    cases = []

    def add(name, logits, targets, weight=None, pos_weight=None, dtypes=("float64",),
            **deviation):
        for reduction, dtype in product(REDUCTIONS, dtypes):
            cases.append(make_case(f"edge-{name}-{reduction}-{dtype}",
                                   as_dtype(logits, dtype), as_dtype(targets, dtype),
                                   weight, pos_weight, reduction, dtype, **deviation))

    large = np.array([-1000.0, -100.0, -40.0, -20.0, 20.0, 40.0, 100.0, 1000.0])
    add("large-logits-positive", large, np.ones_like(large), dtypes=("float32", "float64"))
    add("large-logits-negative", large, np.zeros_like(large), dtypes=("float32", "float64"))
    add("large-logits-soft", large, np.full_like(large, 0.25), dtypes=("float32", "float64"))
    add("empty", np.zeros((0, 3)), np.zeros((0, 3)), dtypes=("float32", "float64"))
    add("empty-pos-weight", np.zeros((0, 3)), np.zeros((0, 3)),
        pos_weight=np.array([1.0, 2.0, 3.0]))
    logits = rng.normal(0.0, 2.0, size=(3, 4))
    targets = rng.integers(0, 2, size=(3, 4)).astype(np.float64)
    nan_logits = logits.copy()
    nan_logits[1, 2] = np.nan
    add("nan-logit", nan_logits, targets)
    add("zero-weights", logits, targets, weight=np.array([[1.0], [0.0], [2.0]]),
        pos_weight=np.array([0.0, 1.0, 3.0, 1.0]))
    add("targets-outside-0-1", logits, np.array([[-0.5, 1.5, 2.0, 0.0]] * 3))
    infinite = np.array([np.inf, -np.inf, np.inf, -np.inf])
    add("inf-toward-target", infinite, np.array([1.0, 0.0, 1.0, 0.0]),
        pos_weight=np.array([1.0, 1.0, 2.0, 2.0]),
        deviation="an infinite logit on the side of its target: loss 0 here, NaN in torch",
        expected_logits=np.where(infinite > 0, 1e300, -1e300))
    add("inf-away-from-target", np.array([np.inf]), np.array([0.0]))
    return cases


def main():
    rng = np.random.default_rng(SEED)
    torch.manual_seed(SEED)
    cases = random_cases(rng) + edge_cases(rng)
    description = ("torch.nn.functional.binary_cross_entropy_with_logits loss and "
                   "gradient (see make_binary_cross_entropy_reference.py)")
    write_reference(OUT, description, torch.__version__, SEED, cases)


if __name__ == "__main__":
    main()
