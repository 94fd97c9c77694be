"""How many threads the row functions use, and the loop that shares blocks of rows among them.

:func:`~softmax_lib.softmax`, :func:`~softmax_lib.log_softmax`,
:func:`~softmax_lib.logsumexp`, :func:`~softmax_lib.cross_entropy` and
:func:`~softmax_lib.cross_entropy_grad` cut their input into blocks of rows
that fit in the processor's cache. The blocks are independent, and NumPy
releases Python's global interpreter lock while it computes on an array, so
several threads can compute blocks at the same time. Every block is computed
by the same operations whichever thread takes it, so the result is the same,
bit for bit, for every number of threads.
"""

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ._checks import positive_int

# The variable that sets the starting thread count of a new process.
ENVIRONMENT_VARIABLE = "SOFTMAX_LIB_NUM_THREADS"


def available_cpus():
    """The number of CPUs this process may run on (its affinity mask, where the system has one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _starting_count():
    """The thread count of a new process: the environment variable's, else one per available CPU."""
    value = os.environ.get(ENVIRONMENT_VARIABLE, "").strip()
    if not value:
        return available_cpus()
    try:
        return positive_int(int(value), ENVIRONMENT_VARIABLE)
    except ValueError:
        raise ValueError(
            f"{ENVIRONMENT_VARIABLE} must be a positive integer, got {value!r}"
        ) from None


_count = _starting_count()
_pool = None  # ThreadPoolExecutor of the helper threads, made on first need
_pool_size = 0  # how many helpers _pool may run
_pool_lock = threading.Lock()
_inside = threading.local()  # marks the threads computing blocks, which must not share again


def get_num_threads():
    """The number of threads the row functions use (at most; see :func:`set_num_threads`).

    Returns
    -------
    int
        The count set by :func:`set_num_threads`, or else by the environment
        variable ``SOFTMAX_LIB_NUM_THREADS``, or else the number of CPUs
        this process may run on.

    Examples
    --------
    >>> from softmax_lib import get_num_threads
    >>> get_num_threads() >= 1
    True
    """
    return _count


def set_num_threads(n):
    """Set the number of threads the row functions use; return the previous count.

    :func:`~softmax_lib.softmax`, :func:`~softmax_lib.log_softmax`,
    :func:`~softmax_lib.logsumexp`, :func:`~softmax_lib.cross_entropy` and
    :func:`~softmax_lib.cross_entropy_grad` share the blocks of rows of a
    large input among up to ``n`` threads: the calling thread and ``n - 1``
    helpers. ``n = 1`` computes everything in the calling thread. The
    setting is for the whole process.

    Parameters
    ----------
    n : int
        At least 1.

    Returns
    -------
    int
        The count before the call, so that it can be restored.

    Raises
    ------
    TypeError
        If ``n`` is not an integer.
    ValueError
        If ``n`` is less than 1.

    Notes
    -----
    The results do not depend on ``n``: each block is computed by the same
    operations, whichever thread takes it. An input of a single block (about
    2 MB of float64 work, for example 256 rows of 1000 classes) is computed
    in the calling thread whatever ``n`` is, because handing it over would
    cost more than it saves. A new process starts with the value of the
    environment variable ``SOFTMAX_LIB_NUM_THREADS`` if it is set, and
    otherwise with one thread per CPU the process may run on (its affinity
    mask; a container's CPU quota is not read). Inside processes that
    already run one task per CPU (a pool of worker processes, for example)
    set it to 1, so that the threads do not compete for the same CPUs.

    Every thread that has computed a block keeps its scratch buffers for
    the next call (three blocks: about 6 MB, at most 12 MB), and helper
    threads, once started, stay until the process ends; a smaller count
    later leaves them idle, not gone.

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib import set_num_threads, softmax
    >>> x = np.random.default_rng(0).normal(size=(2000, 1000))
    >>> previous = set_num_threads(1)
    >>> one = softmax(x)
    >>> set_num_threads(2)
    1
    >>> bool(np.array_equal(softmax(x), one))      # bit for bit the same
    True
    >>> _ = set_num_threads(previous)
    """
    global _count
    n = positive_int(n, "n")
    previous, _count = _count, n
    return previous


def _submit(task, copies):
    """Queue ``copies`` runs of ``task`` on the helper threads; return their futures.

    The pool has room for ``get_num_threads() - 1`` helpers and is made
    again only when the count grows. Submitting under the lock keeps another
    caller from replacing the pool in between. Returns no futures once the
    interpreter is shutting down (the caller then computes alone).
    """
    global _pool, _pool_size
    with _pool_lock:
        if _pool is None or _pool_size < copies:
            if _pool is not None:
                _pool.shutdown(wait=False)  # its queued work still runs
            _pool_size = max(copies, _count - 1)
            _pool = ThreadPoolExecutor(max_workers=_pool_size, thread_name_prefix="softmax_lib")
        try:
            return [_pool.submit(task) for _ in range(copies)]
        except RuntimeError:  # "cannot schedule new futures after (interpreter) shutdown"
            return []


def _forget_pool_after_fork():
    """A forked child has none of its parent's threads: start a new pool when needed."""
    global _pool, _pool_lock, _pool_size
    _pool, _pool_size = None, 0
    _pool_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_after_fork)


class _Counter:
    """Hands out 0, 1, 2, ... once each, to any number of threads."""

    def __init__(self):
        self._next = 0
        self._lock = threading.Lock()

    def take(self):
        with self._lock:
            taken, self._next = self._next, self._next + 1
            return taken


def for_each_block(blocks, compute, *, context):
    """Call ``compute(block)`` for every item of ``blocks``, shared among the threads.

    ``blocks`` is a list; ``compute`` must write its result where no other
    block writes. ``context`` is a function of no arguments returning the
    context manager each thread computes in. NumPy's error state belongs to
    a thread, so each helper first takes the calling thread's
    (``numpy.geterr``, ``numpy.geterrcall``), then enters ``context``: a
    warning or a ``FloatingPointError`` does not depend on which thread
    computed the block. The calling thread takes blocks too, so at most
    ``get_num_threads() - 1`` helpers are used; a thread that is itself
    computing a block, or a list of one block, runs the loop alone.

    Returns once no thread computes a block any more. If a block raised,
    the calling thread's own exception is raised, else the first helper's
    (in the order they were started); the other threads stop at their next
    block.
    """
    threads = min(_count, len(blocks))
    if threads <= 1 or getattr(_inside, "active", False):
        with context():
            for block in blocks:
                compute(block)
        return
    counter = _Counter()
    failed = threading.Event()
    caller_state = np.geterr()
    caller_call = np.geterrcall()

    def take_blocks():
        _inside.active = True
        try:
            with context():
                while not failed.is_set():
                    index = counter.take()
                    if index >= len(blocks):
                        return
                    compute(blocks[index])
        except BaseException:
            failed.set()  # the others stop at their next block
            raise
        finally:
            _inside.active = False

    def helper():
        with np.errstate(call=caller_call, **caller_state):
            take_blocks()

    futures = []
    try:
        futures = _submit(helper, threads - 1)
        take_blocks()
    finally:
        failed.set()  # every block is taken, or the caller stopped: take no more
        running = [future for future in futures if not future.cancel()]
        for future in running:
            future.exception()  # wait, so that no helper still writes after the return
    for future in running:
        future.result()
