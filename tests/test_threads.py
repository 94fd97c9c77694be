"""Tests for softmax_lib.threads: the thread count and the loop that shares blocks of rows.

The row functions must give the same bits whatever the number of threads,
use more than one thread when asked to, pass every error of a block to the
caller, and survive a fork. Every RuntimeWarning is an error here, so a
helper thread that computed without the library's error state would fail.
"""

import multiprocessing
import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import softmax_lib
from softmax_lib import threads
from softmax_lib.activations import _rows_per_block

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

N_CLASSES = 700


def _logits(dtype):
    """Several blocks of rows of every kind the algorithms tell apart.

    Ordinary rows, rows that need a shift (a large or a very negative
    maximum), masked entries (-inf), and rows with +inf, with NaN and of
    only -inf.
    """
    rng = np.random.default_rng(20261205)
    n_rows = 4 * _rows_per_block(np.empty((1, N_CLASSES))) + 37
    z = rng.normal(0.0, 4.0, size=(n_rows, N_CLASSES))
    z[5::97] += 9000.0 if dtype == np.float64 else 60.0
    z[11::89] -= 800.0 if dtype == np.float64 else 40.0
    z[3::7, ::13] = -np.inf
    z[17::301, 4] = np.inf
    z[23::401, 9] = np.nan
    z[29::503] = -np.inf
    return z.astype(dtype)


def _calls(z):
    labels = np.random.default_rng(7).integers(0, N_CLASSES, size=z.shape[0])
    return {
        "softmax": lambda: softmax_lib.softmax(z),
        "softmax, T = 0.3": lambda: softmax_lib.softmax(z, temperature=0.3),
        "log_softmax": lambda: softmax_lib.log_softmax(z),
        "log_softmax, axis 0": lambda: softmax_lib.log_softmax(z, axis=0),
        "logsumexp": lambda: softmax_lib.logsumexp(z),
        "cross_entropy": lambda: softmax_lib.cross_entropy(z, labels, reduction="none"),
        "cross_entropy_grad": lambda: softmax_lib.cross_entropy_grad(z, labels, return_loss=True),
    }


def _bits(result):
    parts = result if isinstance(result, tuple) else (result,)
    return [np.asarray(part).tobytes() for part in parts]


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_results_are_the_same_bits_for_every_thread_count(dtype, thread_count):
    z = _logits(dtype)
    finite = np.isfinite(z)
    assert not finite.all() and finite.any()
    for name, call in _calls(z).items():
        softmax_lib.set_num_threads(1)
        expected = _bits(call())
        for count in (2, 3, 5):
            softmax_lib.set_num_threads(count)
            assert _bits(call()) == expected, f"{name} differs with {count} threads"


def test_blocks_are_computed_at_the_same_time_by_two_threads(thread_count):
    # Two blocks wait for each other: with only one thread the barrier breaks.
    softmax_lib.set_num_threads(2)
    barrier = threading.Barrier(2, timeout=60)
    seen = []

    def compute(block):
        seen.append((block, threading.get_ident()))
        if block < 2:
            barrier.wait()

    threads.for_each_block(list(range(8)), compute, context=_no_context)
    assert sorted(block for block, _ in seen) == list(range(8))
    assert len({thread for _, thread in seen}) == 2


def test_one_thread_computes_everything_in_the_caller(thread_count):
    softmax_lib.set_num_threads(1)
    seen = set()
    threads.for_each_block(list(range(5)), lambda b: seen.add(threading.get_ident()),
                           context=_no_context)
    assert seen == {threading.get_ident()}


def test_a_single_block_stays_in_the_caller(thread_count):
    softmax_lib.set_num_threads(4)
    seen = set()
    threads.for_each_block([0], lambda b: seen.add(threading.get_ident()), context=_no_context)
    assert seen == {threading.get_ident()}


def test_a_block_inside_a_block_does_not_share_again(thread_count):
    # A helper waiting for helpers could wait forever; nested loops run alone.
    softmax_lib.set_num_threads(2)
    inner_threads = []

    def outer(block):
        here = threading.get_ident()
        seen = set()
        threads.for_each_block(list(range(4)), lambda b: seen.add(threading.get_ident()),
                               context=_no_context)
        inner_threads.append(seen == {here})

    threads.for_each_block(list(range(6)), outer, context=_no_context)
    assert inner_threads == [True] * 6


def test_the_callers_error_state_holds_in_every_thread(thread_count):
    # One entry whose exponential underflows, in the last block: raised whoever computes it.
    x = np.zeros((2000, 1000))
    x[1999, 0] = 1000.0
    for count in (1, 2, 2, 2, 2, 2):
        softmax_lib.set_num_threads(count)
        with np.errstate(under="raise"), pytest.raises(FloatingPointError, match="underflow"):
            softmax_lib.softmax(x)
        with np.errstate(under="ignore"):
            assert softmax_lib.softmax(x)[1999, 0] == 1.0


def test_callers_in_several_threads_at_once_get_their_own_results(thread_count):
    softmax_lib.set_num_threads(3)
    rng = np.random.default_rng(3)
    inputs = [rng.normal(0.0, 5.0, size=(rows, 900)) for rows in (300, 900, 1500, 2100)] * 2
    softmax_lib.set_num_threads(1)
    expected = [softmax_lib.log_softmax(x).tobytes() for x in inputs]
    softmax_lib.set_num_threads(3)
    start = threading.Barrier(len(inputs), timeout=60)
    found = [None] * len(inputs)

    def call(i):
        start.wait()
        found[i] = softmax_lib.log_softmax(inputs[i]).tobytes()

    callers = [threading.Thread(target=call, args=(i,)) for i in range(len(inputs))]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join(timeout=120)
    assert found == expected


@pytest.mark.parametrize("raiser", ["caller", "helper"])
def test_no_block_is_computed_after_an_error_is_raised(raiser, thread_count):
    softmax_lib.set_num_threads(2)
    caller = threading.get_ident()
    barrier = threading.Barrier(2, timeout=60)
    computed = []

    def compute(block):
        if block < 2:
            barrier.wait()  # both threads are working
            if (threading.get_ident() == caller) == (raiser == "caller"):
                raise KeyError(raiser)
        time.sleep(0.001)
        computed.append(block)

    with pytest.raises(KeyError, match=raiser):
        threads.for_each_block(list(range(200)), compute, context=_no_context)
    after_return = len(computed)
    time.sleep(0.2)
    assert len(computed) == after_return < 199


def test_an_error_in_a_helper_reaches_the_caller(thread_count):
    softmax_lib.set_num_threads(2)
    caller = threading.get_ident()
    barrier = threading.Barrier(2, timeout=60)

    def compute(block):
        if block < 2:
            barrier.wait()  # both threads are working
            if threading.get_ident() != caller:
                raise ZeroDivisionError("raised by a helper")

    with pytest.raises(ZeroDivisionError, match="raised by a helper"):
        threads.for_each_block(list(range(10)), compute, context=_no_context)


def test_every_thread_computes_in_the_given_context(thread_count):
    softmax_lib.set_num_threads(2)
    barrier = threading.Barrier(2, timeout=60)
    states = []

    def compute(block):
        if block < 2:
            barrier.wait()
        states.append(np.geterr()["divide"])

    threads.for_each_block(list(range(6)), compute,
                           context=lambda: np.errstate(divide="ignore"))
    assert states == ["ignore"] * 6


def _no_context():
    return np.errstate()


@pytest.mark.parametrize("bad", [1.5, "2", True, None])
def test_set_num_threads_refuses_what_is_not_an_integer(bad, thread_count):
    with pytest.raises(TypeError, match="n must be a positive integer"):
        softmax_lib.set_num_threads(bad)


@pytest.mark.parametrize("bad", [0, -3])
def test_set_num_threads_refuses_less_than_one(bad, thread_count):
    before = softmax_lib.get_num_threads()
    with pytest.raises(ValueError, match="n must be a positive integer"):
        softmax_lib.set_num_threads(bad)
    assert softmax_lib.get_num_threads() == before


def test_set_num_threads_returns_the_previous_count(thread_count):
    softmax_lib.set_num_threads(3)
    assert softmax_lib.set_num_threads(np.int64(2)) == 3
    assert softmax_lib.get_num_threads() == 2


def _count_in_new_process(value):
    env = dict(os.environ)
    env.pop(threads.ENVIRONMENT_VARIABLE, None)
    if value is not None:
        env[threads.ENVIRONMENT_VARIABLE] = value
    code = "import softmax_lib; print(softmax_lib.get_num_threads())"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=120)


def test_the_environment_variable_sets_the_starting_count():
    done = _count_in_new_process("3")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "3"


def test_without_the_variable_a_process_starts_with_one_thread_per_available_cpu():
    done = _count_in_new_process(None)
    assert done.returncode == 0, done.stderr
    if hasattr(os, "sched_getaffinity"):
        assert int(done.stdout) == len(os.sched_getaffinity(0))
    else:
        assert int(done.stdout) == os.cpu_count()


@pytest.mark.parametrize("bad", ["0", "two", "1.5"])
def test_a_bad_environment_variable_is_named_in_the_error(bad):
    done = _count_in_new_process(bad)
    assert done.returncode != 0
    assert f"SOFTMAX_LIB_NUM_THREADS must be a positive integer, got '{bad}'" in done.stderr


def _softmax_in_child(queue):
    z = np.random.default_rng(1).normal(size=(2000, 1000))
    total = float(softmax_lib.softmax(z).sum())
    helpers = [t for t in threading.enumerate() if t.name.startswith("softmax_lib")]
    queue.put((total, len(helpers)))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the fork start method needs os.fork")
def test_a_forked_child_computes_with_threads(thread_count):
    softmax_lib.set_num_threads(2)
    softmax_lib.softmax(np.zeros((2000, 1000)))  # the parent's helper threads exist now
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_softmax_in_child, args=(queue,))
    child.start()
    try:
        total, helpers = queue.get(timeout=120)
        child.join(timeout=60)
    finally:
        if child.is_alive():
            child.kill()
    assert child.exitcode == 0
    assert total == pytest.approx(2000.0, rel=1e-12)
    assert helpers >= 1  # the child started its own helper
