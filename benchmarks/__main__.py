"""The command line: ``python -m benchmarks [--quick] [--accuracy] [--output DIR] ...``.

Without options it waits (up to ``--wait`` seconds) for the machine's load
average to fall below 0.5, records it, measures speed on the full shapes
in two sessions (softmax_lib and PyTorch on one thread, then on all
threads; SciPy in both), times the ablation of the library's features
(softmax_lib on one thread), measures accuracy on the whole adversarial suite and
the error against ``|z - m|``, prints everything, and writes the results
(JSON, CSV, Markdown sentences and figures) into ``book/performance_data/``,
where the book's page "Performance and accuracy" reads them. ``--quick`` is a
smoke test on small shapes with few repeats; it writes files only when
``--output`` is given, so it never replaces the book's numbers. Progress goes
to stderr, results to stdout. The exit status is 0 whether or not the
targets are met: speed is reported, not tested.
"""

import argparse
import sys
import time
from pathlib import Path

import softmax_lib

from . import ablation, accuracy, figure, machine, report, speed
from .cases import DTYPES, FULL_SHAPES, QUICK_SHAPES
from .implementations import ROW_FUNCTIONS, load_torch, openmp_wait_policy, session_threads
from .stats import MIN_REPEATS, RESAMPLES

BOOK_DATA = Path(__file__).resolve().parents[1] / "book" / "performance_data"
REPEATS = {"full": 20, "quick": 5}
WAIT_S = {"full": 300.0, "quick": 0.0}
QUICK_SHIFT_ROWS = 2


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
        help=f"timed repeats per measurement (default {REPEATS['full']}, at least "
        f"{MIN_REPEATS}; {REPEATS['quick']} with --quick)",
    )
    parser.add_argument(
        "--threads", "--torch-threads", dest="threads", type=int, default=None, metavar="N",
        help="threads of softmax_lib and PyTorch in the all-threads session (default: "
        "PyTorch's own count, or without PyTorch softmax_lib's, one per CPU available)",
    )
    parser.add_argument(
        "--wait", type=float, default=None, metavar="SECONDS",
        help=f"wait at most this long for a load average below {report.QUIET_LOAD} "
        f"(default {WAIT_S['full']:g}, {WAIT_S['quick']:g} with --quick)",
    )
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "full"
    if args.repeats is None:
        args.repeats = REPEATS[mode]
    if args.repeats < 2:
        parser.error("--repeats must be at least 2 (the intervals bootstrap over repeats)")
    if not args.quick and args.repeats < MIN_REPEATS:
        parser.error(f"--repeats must be at least {MIN_REPEATS} outside --quick")
    if args.threads is not None and args.threads < 1:
        parser.error("--threads must be at least 1")
    if args.wait is None:
        args.wait = WAIT_S[mode]
    if args.output is None and not args.quick:
        args.output = BOOK_DATA
    return args


def run_speed(args, torch, all_threads, about, progress):
    shapes = QUICK_SHAPES if args.quick else FULL_SHAPES
    load_before, waited = machine.wait_for_quiet(report.QUIET_LOAD, args.wait, progress=progress)
    progress(f"load average before the run: {load_before}")
    results = speed.measure(shapes, DTYPES, args.repeats, torch, all_threads, progress)
    ablations = ablation.measure(shapes, DTYPES, args.repeats, progress)
    load_after = machine.load_average()
    summary = report.noise(results, load_before, load_after, about["logical_cores"], waited,
                           machine=about)
    answers = report.speed_answers(results, about)
    print("Speed: softmax_lib / peer, median of the paired ratios (95 % interval) and verdict\n")
    print(report.text_table(report.speed_rows(results, about)))
    print()
    print(report.noise_text(summary))
    print()
    print("\n".join(report.answers_text(answers)))
    worst = report.worst_interval(results, about)
    print(f"Worst interval: {report.record_text(worst)} {worst['verdict']}, "
          f"{worst['case']}, {worst['comparison']}")
    print("\nAblation (softmax_lib on 1 thread): time of each variant / time with every "
          "feature on\n")
    print(report.text_table(report.ablation_rows(ablations)))
    print()
    print("\n".join(report.ablation_text(report.ablation_findings(ablations))))
    print()
    if args.output is not None:
        settings = {
            "repeats": args.repeats, "shapes": [list(s) for s in shapes], "quick": args.quick,
            "resamples": RESAMPLES, "confidence": 0.95,
        }
        report.write_speed(args.output, about, settings, results, summary, answers)
        figure.draw_speed(results, about, args.output / "speed.png")
        report.write_ablation(args.output, settings, ablations)
        figure.draw_ablation(ablations, args.output / "ablation.png")
        progress(f"speed and ablation results written to {args.output}")


def run_accuracy(args, torch, about, progress):
    results = accuracy.measure(torch, DTYPES, progress)
    targets = report.accuracy_targets(results)
    rows = accuracy.SHIFT_ROWS_QUICK if args.quick else None
    shift_data = accuracy.error_against_shift(torch, DTYPES, progress, rows=rows)
    binned = accuracy.binned_shift_errors(shift_data)
    fit = accuracy.shift_law_fit(shift_data)
    for function in ROW_FUNCTIONS:
        print(f"Accuracy of {function}: error in ulps against mpmath (maximum / median)\n")
        print(report.text_table(report.accuracy_rows(results, function)))
        print()
    print(report.accuracy_targets_text(targets))
    print("\nSoftmax error against |z - m| (largest, and slope of a line through 0)\n")
    print(report.text_table(report.shift_rows(fit)))
    if args.output is not None:
        report.write_accuracy(args.output, about, results, targets, shift_data, binned, fit)
        figure.draw_shift(binned, args.output / "accuracy_shift.png")
        progress(f"accuracy results written to {args.output}")


def main(argv=None):
    args = parse_args(argv)
    started = time.perf_counter()

    def progress(message):
        print(f"[{time.perf_counter() - started:7.1f} s] {message}", file=sys.stderr, flush=True)

    torch, why_not = load_torch()
    torch_default = None
    if torch is None:
        progress(why_not)
    else:
        torch_default = torch.get_num_threads()
    # Read before any session changes a count.
    all_threads = session_threads(torch, args.threads)
    about = machine.describe(torch, torch_default, all_threads, softmax_lib.get_num_threads(),
                             openmp_wait_policy())
    progress(f"thread counts: 1, and {all_threads} in the all-threads session")
    if not args.accuracy:
        run_speed(args, torch, all_threads, about, progress)
    run_accuracy(args, torch, about, progress)
    progress("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
