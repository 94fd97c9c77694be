"""Speed and accuracy of ``softmax_lib`` against SciPy and PyTorch, run on demand.

Run from the repository root::

    .venv/bin/python -m benchmarks            # speed and accuracy, results into the book
    .venv/bin/python -m benchmarks --quick    # a smoke test: small shapes, few repeats
    .venv/bin/python -m benchmarks --accuracy # accuracy only

One concept per module:

* :mod:`benchmarks.cases`: the inputs (timed shapes and the adversarial rows);
* :mod:`benchmarks.implementations`: what is compared (softmax_lib, SciPy,
  PyTorch when installed, and a plain array copy as the memory floor);
* :mod:`benchmarks.timing`: interleaved repeated timing, medians, ratios, noise;
* :mod:`benchmarks.speed`: every function, dtype and shape timed, with bandwidths;
* :mod:`benchmarks.accuracy`: errors in ulps against an mpmath reference;
* :mod:`benchmarks.machine`: what the numbers were measured on;
* :mod:`benchmarks.report`: tables on stdout, JSON and CSV files;
* :mod:`benchmarks.figure`: the figure of the speed ratios;
* :mod:`benchmarks.__main__`: the command line.

Speed is reported, never asserted: timings depend on the machine and on
whatever else it is doing. Accuracy is deterministic and is checked by
``tests/test_benchmarks.py``.
"""
