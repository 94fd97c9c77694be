"""The command line: ``python -m benchmarks [--quick] [--accuracy] [--output DIR]``.

Without options it measures speed on the full shapes and accuracy on the
whole adversarial suite, prints both, and writes the results (JSON, CSV and
the figure) into ``book/performance_data/``, where the book's page
"Performance and accuracy" reads them. ``--quick`` is a smoke test on small
shapes with few repeats; it writes files only when ``--output`` is given, so
it never replaces the book's numbers. Progress goes to stderr, results to
stdout. The exit status is 0 whether or not the targets are met: speed is
reported, not tested.
"""

import argparse
import sys
import time
from pathlib import Path

from . import accuracy, figure, machine, report, speed
from .cases import DTYPES, FULL_SHAPES, QUICK_SHAPES
from .implementations import ROW_FUNCTIONS, load_torch

BOOK_DATA = Path(__file__).resolve().parents[1] / "book" / "performance_data"
REPEATS = {"full": 9, "quick": 3}


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Speed and accuracy of softmax_lib against SciPy and PyTorch (if installed).",
    )
    parser.add_argument(
        "--quick", action="store_true",
        help="smoke test: small shapes and few repeats; writes files only with --output",
    )
    parser.add_argument("--accuracy", action="store_true", help="accuracy mode only (no timing)")
    parser.add_argument(
        "--output", type=Path, default=None, metavar="DIR",
        help="folder for the results files (default: book/performance_data/, or none with "
        "--quick)",
    )
    parser.add_argument(
        "--repeats", type=int, default=None,
        help=f"timed repeats per measurement (default {REPEATS['full']}, {REPEATS['quick']} "
        "with --quick)",
    )
    parser.add_argument(
        "--torch-threads", type=int, default=1, metavar="N",
        help="threads PyTorch may use (default 1, like NumPy)",
    )
    args = parser.parse_args(argv)
    if args.repeats is not None and args.repeats < 1:
        parser.error("--repeats must be at least 1")
    if args.torch_threads < 1:
        parser.error("--torch-threads must be at least 1")
    if args.output is None and not args.quick:
        args.output = BOOK_DATA
    return args


def main(argv=None):
    args = parse_args(argv)
    started = time.perf_counter()

    def progress(message):
        print(f"[{time.perf_counter() - started:7.1f} s] {message}", file=sys.stderr, flush=True)

    torch, why_not = load_torch(args.torch_threads)
    if torch is None:
        progress(why_not)
    about = machine.describe(torch)

    if not args.accuracy:
        repeats = args.repeats or REPEATS["quick" if args.quick else "full"]
        shapes = QUICK_SHAPES if args.quick else FULL_SHAPES
        load_before = machine.load_average()
        results = speed.measure(shapes, DTYPES, repeats, torch, progress)
        load_after = machine.load_average()
        summary = report.noise(results, load_before, load_after, about["logical_cores"])
        targets = report.speed_targets(results)
        print("Speed (medians; a ratio below 1 means softmax_lib is faster)\n")
        print(report.text_table(report.speed_rows(results)))
        print()
        print(report.noise_text(summary))
        print(report.speed_targets_text(targets))
        print()
        if args.output is not None:
            settings = {
                "repeats": repeats, "shapes": [list(s) for s in shapes], "quick": args.quick,
            }
            report.write_speed(args.output, about, settings, results, summary, targets)
            figure.draw(results, args.output / "speed.png")
            progress(f"speed results written to {args.output}")

    results = accuracy.measure(torch, DTYPES, progress)
    targets = report.accuracy_targets(results)
    for function in ROW_FUNCTIONS:
        print(f"Accuracy of {function}: error in ulps against mpmath (maximum / median)\n")
        print(report.text_table(report.accuracy_rows(results, function)))
        print()
    print(report.accuracy_targets_text(targets))
    if args.output is not None:
        report.write_accuracy(args.output, about, results, targets)
        progress(f"accuracy results written to {args.output}")
    progress("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
