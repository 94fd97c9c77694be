"""Write cross_entropy_reference.json: PyTorch's cross-entropy loss and gradient.

The tests do not run this script and do not need PyTorch; they read the JSON
file it writes next to itself. To regenerate the file, in a separate
environment that has PyTorch (2.13.0 made the stored file) and NumPy, from
the repository root:

    python3 -m venv torchenv
    torchenv/bin/pip install torch==2.13.0 numpy
    torchenv/bin/python tests/data/make_cross_entropy_reference.py

Each case holds the inputs, PyTorch's loss and its gradient with respect to
the logits (autograd of the reduced loss, of the sum for reduction="none"),
computed with the classes moved from the last axis to axis 1, where PyTorch
wants them. Floats are stored as hexadecimal strings (``float.hex``), so
float64 values round-trip exactly and NaN and infinities need no special
JSON; float32 inputs are stored as the float64 values of float32 numbers.

A few edge cases differ on purpose from PyTorch (see the Notes of
``softmax_lib.cross_entropy``). Those carry a ``deviation`` reason and an
``expected`` result, also computed by PyTorch, at inputs where the two
definitions provably coincide: a NaN in an ignored row replaced by 0 (the row
takes no part), and infinite logits replaced by a huge finite value of the
same sign, whose exponential underflows to exactly 0 as the limit's does.
"""

from itertools import product
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from reference_json import as_dtype, hex_list, write_reference

OUT = Path(__file__).with_name("cross_entropy_reference.json")
SEED = 20240917
TORCH_DTYPES = {"float32": torch.float32, "float64": torch.float64}
SHAPES = {"unbatched": (5,), "batch": (4, 5), "spatial": (2, 3, 4)}
REDUCTIONS = ("mean", "sum", "none")
SMOOTHINGS = (0.0, 0.1, 1.0)


def torch_loss_and_grad(logits, target, kind, weight, ignore_index, reduction, smoothing, dtype):
    """PyTorch's loss and d(loss)/d(logits), classes on the last axis in and out."""
    tdtype = TORCH_DTYPES[dtype]
    x = torch.tensor(logits, dtype=tdtype, requires_grad=True)
    moved = x.movedim(-1, 1) if x.dim() > 1 else x
    if kind == "index":
        t = torch.tensor(target, dtype=torch.long)
    else:
        t = torch.tensor(target, dtype=tdtype)
        t = t.movedim(-1, 1) if t.dim() > 1 else t
    w = None if weight is None else torch.tensor(weight, dtype=tdtype)
    loss = F.cross_entropy(
        moved, t, weight=w, ignore_index=ignore_index, reduction=reduction,
        label_smoothing=smoothing,
    )
    (loss.sum() if reduction == "none" else loss).backward()
    return loss.detach().double().numpy(), x.grad.double().numpy()


def make_case(case_id, logits, target, kind, weight, ignore_index, reduction, smoothing, dtype,
              deviation=None, expected_inputs=None):
    loss, grad = torch_loss_and_grad(
        logits, target, kind, weight, ignore_index, reduction, smoothing, dtype)
    case = {
        "id": case_id,
        "dtype": dtype,
        "target_kind": kind,
        "logits_shape": list(np.shape(logits)),
        "logits": hex_list(logits),
        "target": (np.asarray(target).reshape(-1).tolist() if kind == "index"
                   else hex_list(target)),
        "weight": None if weight is None else hex_list(weight),
        "ignore_index": ignore_index,
        "reduction": reduction,
        "label_smoothing": smoothing,
        "torch": {"loss": hex_list(loss), "grad": hex_list(grad)},
    }
    if deviation is not None:
        sub_logits, sub_target = expected_inputs
        loss, grad = torch_loss_and_grad(
            sub_logits, sub_target, kind, weight, ignore_index, reduction, smoothing, dtype)
        case["deviation"] = deviation
        case["expected"] = {"loss": hex_list(loss), "grad": hex_list(grad)}
    return case


def random_cases(rng):
    """Every combination of target kind, shape, reduction, weight, ignore_index,
    label smoothing and dtype, with random logits and targets."""
    cases = []
    index_ignores = (-100, 1, -1)
    probability_ignores = (-100, -1)  # PyTorch accepts only negative values here
    for kind, shape_name, reduction, weighted, smoothing, dtype in product(
        ("index", "probability"), SHAPES, REDUCTIONS, (False, True), SMOOTHINGS,
        ("float32", "float64"),
    ):
        shape = SHAPES[shape_name]
        n_classes = shape[-1]
        ignores = index_ignores if kind == "index" else probability_ignores
        for ignore_index in ignores:
            if kind == "probability" and ignore_index != -100 and (weighted or dtype == "float32"):
                continue  # a handful of cases show that a negative ignore_index does nothing
            logits = as_dtype(rng.normal(0.0, 2.0, size=shape), dtype)
            weight = as_dtype(rng.uniform(0.2, 2.0, size=n_classes), dtype) if weighted else None
            if kind == "index":
                target = rng.integers(0, n_classes, size=shape[:-1])
                if ignore_index < 0:
                    # ignore about a quarter of the rows (ignore_index=1 hits rows by itself)
                    target = np.where(rng.random(shape[:-1]) < 0.25, ignore_index, target)
            elif rng.random() < 0.5:
                target = as_dtype(rng.dirichlet(np.ones(n_classes), size=shape[:-1]), dtype)
            else:
                target = as_dtype(rng.random(shape), dtype)  # not normalised: allowed
            case_id = (f"{kind}-{shape_name}-{reduction}-{'w' if weighted else 'nw'}-"
                       f"ii{ignore_index}-ls{smoothing}-{dtype}")
            cases.append(make_case(case_id, logits, target, kind, weight, ignore_index,
                                   reduction, smoothing, dtype))
    return cases


def edge_cases(rng):
    """Empty batches, ignored rows, NaN and infinite logits, degenerate weights."""
    cases = []
    weight4 = np.array([0.5, 1.5, 1.0, 2.0])

    def add(name, logits, target, kind="index", weight=None, ignore_index=-100,
            reductions=REDUCTIONS, smoothings=(0.0,), dtype="float64", **deviation):
        for reduction, smoothing in product(reductions, smoothings):
            cases.append(make_case(
                f"edge-{name}-{reduction}-ls{smoothing}-{dtype}", logits, target, kind,
                weight, ignore_index, reduction, smoothing, dtype, **deviation))

    empty = np.zeros((0, 4))
    for dtype in ("float32", "float64"):
        add("empty-index", empty, np.zeros(0, dtype=np.int64), smoothings=(0.0, 0.1),
            dtype=dtype)
    add("empty-index-weighted", empty, np.zeros(0, dtype=np.int64), weight=weight4)
    add("empty-probability", empty, np.zeros((0, 4)), kind="probability", smoothings=(0.0, 0.1))
    add("empty-probability-weighted", empty, np.zeros((0, 4)), kind="probability",
        weight=weight4)
    add("empty-middle-axis", np.zeros((2, 0, 4)), np.zeros((2, 0), dtype=np.int64))

    logits = rng.normal(0.0, 2.0, size=(3, 4))
    add("all-ignored", logits, np.full(3, -100), smoothings=(0.0, 0.1))
    add("all-ignored-weighted", logits, np.full(3, -100), weight=weight4, smoothings=(0.0, 0.1))
    add("all-ignored-custom", logits, np.full(3, 2), ignore_index=2)
    add("unbatched-ignored", logits[0], np.array(-100), smoothings=(0.0, 0.1))
    add("zero-weight-classes", logits, np.array([0, 0, 2]),
        weight=np.array([0.0, 1.0, 0.0, 1.0]))
    add("zero-weight-one-row", logits, np.array([0, 1, 3]),
        weight=np.array([0.0, 1.0, 1.0, 1.0]), smoothings=(0.0, 0.1))

    nan_logits = logits.copy()
    nan_logits[1, 2] = np.nan
    add("nan-row", nan_logits, np.array([0, 1, 3]), smoothings=(0.0, 0.1))
    add("nan-row-probability", nan_logits, rng.dirichlet(np.ones(4), size=3),
        kind="probability")
    ignored_nan = (nan_logits, np.array([0, -100, 3]))
    add("nan-row-ignored", *ignored_nan, smoothings=(0.0, 0.1),
        deviation="a NaN in an ignored row: the gradient row is 0 here, NaN in torch",
        expected_inputs=(np.nan_to_num(nan_logits, nan=0.0), ignored_nan[1]))

    neg_logits = logits.copy()
    neg_logits[0, 1] = neg_logits[2, 0] = neg_logits[2, 3] = -np.inf
    add("neginf-off-target", neg_logits, np.array([0, 2, 1]))
    add("neginf-on-target", neg_logits, np.array([1, 2, 0]))
    add("neginf-smoothed", neg_logits, np.array([0, 2, 1]), smoothings=(0.1,))
    huge_neg = np.where(np.isneginf(neg_logits), -1e300, neg_logits)
    one_hot = np.eye(4)[[0, 2, 1]]
    add("neginf-probability-one-hot", neg_logits, one_hot, kind="probability",
        deviation="0 * log 0 = 0: torch gives NaN for 0 * (-inf)",
        expected_inputs=(huge_neg, one_hot))
    masked = logits.copy()
    masked[0, 1] = masked[2, 3] = -np.inf  # only classes 1 and 3, which weigh nothing
    zero_there = np.array([1.0, 0.0, 1.0, 0.0])
    add("neginf-smoothed-zero-weight", masked, np.array([0, 2, 0]), weight=zero_there,
        smoothings=(0.1,),
        deviation="0 * log 0 = 0: torch gives NaN for 0 * (-inf)",
        expected_inputs=(np.where(np.isneginf(masked), -1e300, masked), np.array([0, 2, 0])))
    all_neg = logits.copy()
    all_neg[1] = -np.inf
    add("all-neginf-row", all_neg, np.array([0, 1, 3]))

    pos_logits = logits.copy()
    pos_logits[0, 2] = pos_logits[1, 0] = pos_logits[1, 3] = np.inf
    pos_target = np.array([2, 3, 1])  # row 2 is finite; rows 0, 1 aim at an infinite logit
    huge_pos = np.where(np.isposinf(pos_logits), 1e300, pos_logits)
    add("posinf", pos_logits, pos_target,
        deviation="+inf logits take the limit (equal shares); torch gives NaN",
        expected_inputs=(huge_pos, pos_target))
    pos_soft = np.array([[0.0, 0.0, 1.0, 0.0], [0.3, 0.0, 0.0, 0.7], [0.1, 0.2, 0.3, 0.4]])
    add("posinf-probability", pos_logits, pos_soft, kind="probability",
        deviation="+inf logits take the limit (equal shares); torch gives NaN",
        expected_inputs=(huge_pos, pos_soft))

    large = rng.normal(0.0, 1.0, size=(3, 4)) * 1e4
    add("large-logits", large, np.array([0, 1, 3]), smoothings=(0.0, 0.1))
    add("large-logits", large.astype(np.float32).astype(np.float64), np.array([0, 1, 3]),
        smoothings=(0.0, 0.1), dtype="float32")
    add("one-class", logits[:, :1], np.array([0, 0, -100]), smoothings=(0.0, 1.0))
    add("ignore-index-in-range-smoothed", logits, np.array([3, 0, 3]), ignore_index=3,
        weight=weight4, smoothings=(0.1, 1.0))
    return cases


def main():
    rng = np.random.default_rng(SEED)
    torch.manual_seed(SEED)
    cases = random_cases(rng) + edge_cases(rng)
    description = ("torch.nn.functional.cross_entropy loss and gradient (see "
                   "make_cross_entropy_reference.py); classes on the last axis")
    write_reference(OUT, description, torch.__version__, SEED, cases)


if __name__ == "__main__":
    main()
