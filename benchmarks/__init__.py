"""Speed and accuracy of ``softmax_lib`` against SciPy and PyTorch, run on demand.

Run from the repository root::

    .venv/bin/python -m benchmarks            # speed and accuracy, results into the book
    .venv/bin/python -m benchmarks --quick    # a smoke test: small shapes, few repeats
    .venv/bin/python -m benchmarks --accuracy # accuracy only

One concept per module:

* :mod:`benchmarks.cases`: the inputs (timed shapes and the adversarial rows);
* :mod:`benchmarks.implementations`: what is compared (softmax_lib, the SciPy
  column, PyTorch when installed, and a plain array copy as the memory
  floor), each named for what it runs, in two sessions: softmax_lib and
  PyTorch on one thread, then on all threads, SciPy in both;
* :mod:`benchmarks.timing`: interleaved repeated timing, medians, spreads;
* :mod:`benchmarks.stats`: ratios of paired repeats with 95 % bootstrap
  intervals, and the verdict (faster, slower, tie) each interval supports;
* :mod:`benchmarks.speed`: every function, dtype and shape timed, with bandwidths;
* :mod:`benchmarks.ablation`: a mirror of the library's algorithm with one
  feature switched off at a time, timed beside the library;
* :mod:`benchmarks.accuracy`: errors in ulps against an mpmath reference, and
  the softmax's error against ``|z - m|``;
* :mod:`benchmarks.machine`: what the numbers were measured on, and the wait
  for a quiet machine;
* :mod:`benchmarks.report`: tables on stdout, JSON, CSV and the sentences the
  book's page includes;
* :mod:`benchmarks.figure`: the figures of the ratios, the ablation and the
  error against ``|z - m|``;
* :mod:`benchmarks.__main__`: the command line.

The page-speed audit of the built site is a separate command,
``python -m benchmarks.site``.

Speed is reported, never asserted: timings depend on the machine and on
whatever else it is doing. Accuracy is deterministic and is checked by
``tests/test_benchmarks.py``.
"""
