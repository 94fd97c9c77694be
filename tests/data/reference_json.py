"""What the PyTorch reference scripts in this folder share: exact float storage and the file layout.

Floats are stored as hexadecimal strings (``float.hex``), so they round-trip
exactly and NaN and infinities need no special JSON. The file holds a header
and one case per line, so a diff of a regenerated file shows case by case
what changed.
"""

import json
import re
import sys

import numpy as np


def compact_hex(value):
    """``float.hex`` without the mantissa's trailing zeros ('0x1.8p+1')."""
    text = float(value).hex()
    match = re.fullmatch(r"(-?0x[01])\.([0-9a-f]+)(p[+-]\d+)", text)
    if not match:
        return text  # inf, -inf, nan
    lead, fraction, exponent = match.groups()
    fraction = fraction.rstrip("0")
    return f"{lead}.{fraction}{exponent}" if fraction else f"{lead}{exponent}"


def hex_list(array):
    return [compact_hex(v) for v in np.asarray(array, dtype=np.float64).reshape(-1)]


def as_dtype(array, dtype):
    """Round to ``dtype``, returned as float64 so that it is stored exactly."""
    return np.asarray(array, dtype=dtype).astype(np.float64)


def write_reference(out, description, torch_version, seed, cases):
    """Write ``cases`` (dicts with unique ``"id"``) under a header to the path ``out``."""
    ids = [case["id"] for case in cases]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    header = {
        "description": description,
        "torch_version": torch_version,
        "seed": seed,
        "n_cases": len(cases),
    }
    lines = [json.dumps(case, separators=(",", ":")) for case in cases]
    text = '{"header":' + json.dumps(header) + ',\n"cases":[\n' + ",\n".join(lines) + "\n]}\n"
    out.write_text(text)
    print(f"wrote {len(cases)} cases, {len(text) / 1e6:.2f} MB, to {out.name}", file=sys.stderr)
