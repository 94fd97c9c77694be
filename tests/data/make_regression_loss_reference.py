"""Write regression_loss_reference.json: PyTorch's L1, MSE and Huber losses and gradients.

The tests do not run this script and do not need PyTorch; they read the JSON
file it writes next to itself. To regenerate the file, in a separate
environment that has PyTorch (2.13.0 made the stored file) and NumPy, from
the repository root:

    python3 -m venv torchenv
    torchenv/bin/pip install torch==2.13.0 numpy
    torchenv/bin/python tests/data/make_regression_loss_reference.py

Each case holds the inputs, the loss that ``torch.nn.functional.l1_loss``,
``mse_loss`` or ``huber_loss`` returns and the autograd gradient with respect
to the prediction (of the reduced loss; of the sum for reduction="none").
Floats are stored as hexadecimal strings (``float.hex``), so they round-trip
exactly and NaN and infinities need no special JSON; float32 inputs are
stored as the float64 values of float32 numbers.

The seeded cases cover the shapes (), (5,), (3, 4) and (2, 3, 4), every
reduction, float32 and float64, and the Huber thresholds 0.5, 1 and 2.5.
Besides random residuals on both sides of the threshold, every case with
more than one element holds a residual of exactly 0 and, for Huber, residuals
of exactly +delta and -delta (targets on a grid of 2**-7, so the subtraction
is exact in float32 too); scalar cases take those values one at a time.

Edge cases: empty inputs, and infinite and NaN inputs. One behaviour differs
on purpose (see ``softmax_lib.l1_loss_grad``): where the residual is NaN,
PyTorch's L1 gradient is 0 and the library's is NaN. Those cases list the
entries concerned under ``deviation``.
"""

from itertools import product
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from reference_json import as_dtype, hex_list, write_reference

OUT = Path(__file__).with_name("regression_loss_reference.json")
SEED = 20240923
TORCH_DTYPES = {"float32": torch.float32, "float64": torch.float64}
SHAPES = ((), (5,), (3, 4), (2, 3, 4))
REDUCTIONS = ("mean", "sum", "none")
DELTAS = (0.5, 1.0, 2.5)
LOSSES = [("l1", None), ("mse", None)] + [("huber", delta) for delta in DELTAS]


def torch_loss_and_grad(loss, delta, pred, target, reduction, dtype):
    """PyTorch's loss and d(loss)/d(pred), as float64 NumPy arrays."""
    tdtype = TORCH_DTYPES[dtype]
    x = torch.tensor(pred, dtype=tdtype, requires_grad=True)
    y = torch.tensor(target, dtype=tdtype)
    if loss == "l1":
        value = F.l1_loss(x, y, reduction=reduction)
    elif loss == "mse":
        value = F.mse_loss(x, y, reduction=reduction)
    else:
        value = F.huber_loss(x, y, reduction=reduction, delta=delta)
    (value.sum() if reduction == "none" else value).backward()
    return value.detach().double().numpy(), x.grad.double().numpy()


def make_case(case_id, loss, delta, pred, target, reduction, dtype):
    value, grad = torch_loss_and_grad(loss, delta, pred, target, reduction, dtype)
    case = {
        "id": case_id,
        "loss": loss,
        "delta": delta,
        "dtype": dtype,
        "reduction": reduction,
        "shape": list(np.shape(pred)),
        "pred": hex_list(pred),
        "target": hex_list(target),
        "torch": {"loss": hex_list(value), "grad": hex_list(grad)},
    }
    with np.errstate(invalid="ignore"):
        residual = np.asarray(pred, dtype=dtype) - np.asarray(target, dtype=dtype)
    nan_entries = np.flatnonzero(np.isnan(residual)).tolist()
    if loss == "l1" and nan_entries:
        assert np.all(grad.reshape(-1)[nan_entries] == 0.0), "torch's L1 gradient at NaN changed"
        case["deviation"] = {
            "reason": "L1 gradient where the residual is NaN: NaN here, 0 in torch",
            "entries": nan_entries,
        }
    return case


def exact_pair(rng, residual, dtype):
    """(pred, target) with pred - target == residual exactly in ``dtype``."""
    target = rng.integers(-512, 513) / 128.0  # |target| <= 4 on a grid of 2**-7
    pred = target + residual
    rounded_pred, rounded_target = (np.asarray(v, dtype=dtype) for v in (pred, target))
    assert rounded_pred - rounded_target == np.asarray(residual, dtype=dtype), (pred, target)
    return float(rounded_pred), float(rounded_target)


def random_inputs(rng, shape, scale, dtype):
    """Targets around 0 and residuals of about ``scale``, on both sides of the threshold."""
    target = rng.normal(0.0, 2.0, size=shape)
    pred = target + rng.normal(0.0, 1.5 * scale, size=shape)
    return as_dtype(pred, dtype), as_dtype(target, dtype)


def random_cases(rng):
    cases = []
    for (loss, delta), shape, reduction, dtype in product(LOSSES, SHAPES, REDUCTIONS,
                                                          ("float32", "float64")):
        name = loss if delta is None else f"huber{delta}"
        stem = f"{name}-{'x'.join(map(str, shape)) or 'scalar'}-{reduction}-{dtype}"
        scale = 1.0 if delta is None else delta
        specials = [0.0] if delta is None else [0.0, delta, -delta]
        if shape == ():
            pred, target = random_inputs(rng, shape, scale, dtype)
            cases.append(make_case(f"{stem}-random", loss, delta, pred, target,
                                   reduction, dtype))
            for special in specials:
                pred, target = exact_pair(rng, special, dtype)
                cases.append(make_case(f"{stem}-residual{special:+g}", loss, delta,
                                       np.float64(pred), np.float64(target), reduction, dtype))
            continue
        pred, target = random_inputs(rng, shape, scale, dtype)
        flat_pred, flat_target = pred.reshape(-1), target.reshape(-1)
        spots = rng.choice(flat_pred.size, size=len(specials), replace=False)
        for spot, special in zip(spots, specials):
            flat_pred[spot], flat_target[spot] = exact_pair(rng, special, dtype)
        cases.append(make_case(stem, loss, delta, pred, target, reduction, dtype))
    return cases


def edge_cases():
    cases = []
    inf, nan = np.inf, np.nan
    nonfinite_pred = np.array([inf, -inf, inf, nan, 1.0, 2.0, -inf, 0.5])
    nonfinite_target = np.array([0.0, 0.0, inf, 0.0, nan, -inf, -inf, 0.25])
    for (loss, delta), reduction, dtype in product(LOSSES, REDUCTIONS, ("float32", "float64")):
        name = loss if delta is None else f"huber{delta}"
        for shape in ((0,), (2, 0, 3)):
            cases.append(make_case(
                f"edge-empty{'x'.join(map(str, shape))}-{name}-{reduction}-{dtype}",
                loss, delta, np.zeros(shape), np.zeros(shape), reduction, dtype))
        cases.append(make_case(f"edge-nonfinite-{name}-{reduction}-{dtype}", loss, delta,
                               nonfinite_pred, nonfinite_target, reduction, dtype))
    return cases


def main():
    rng = np.random.default_rng(SEED)
    torch.manual_seed(SEED)
    cases = random_cases(rng) + edge_cases()
    description = ("torch.nn.functional l1_loss, mse_loss and huber_loss: loss and "
                   "gradient with respect to pred (see make_regression_loss_reference.py)")
    write_reference(OUT, description, torch.__version__, SEED, cases)


if __name__ == "__main__":
    main()
