"""What the numbers were measured on: CPU, cores, library versions, load.

Nothing that identifies a particular computer or person is collected: no
host name, user name or path.
"""

import datetime
import os
import platform
import time
from importlib import metadata

from softmax_lib.threads import available_cpus


def cpu_model():
    """The CPU's model name from ``/proc/cpuinfo`` (Linux), else what ``platform`` knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                key, _, value = line.partition(":")
                if key.strip() == "model name":
                    return " ".join(value.split())
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def version(distribution):
    """The installed version of ``distribution``, or None."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def load_average():
    """The 1-minute load average (processes running or waiting for a CPU), or None."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def wait_for_quiet(threshold, timeout_s, poll_s=10.0, progress=None, sleep=time.sleep,
                   read=None):
    """Wait until the 1-minute load average is below ``threshold``, for at most ``timeout_s``.

    Returns ``(load average when the wait ended, seconds waited)``. The
    caller runs anyway when the machine stays busy, and says so.
    """
    read = read or load_average
    waited = 0.0
    load = read()
    while load is not None and load >= threshold and waited < timeout_s:
        if progress is not None:
            progress(f"load average {load:.2f}, waiting for it to fall below {threshold}")
        step = min(poll_s, timeout_s - waited)
        sleep(step)
        waited += step
        load = read()
    return load, waited


def describe(torch=None, torch_threads_default=None, threads_all=None,
             ours_threads_default=None, openmp_wait_policy=None):
    """A dict describing the machine and the software, for the results files.

    ``threads_all`` is the thread count of the all-threads session, which
    softmax_lib and PyTorch share; ``*_threads_default`` are the counts the
    two libraries had of themselves when the benchmark started;
    ``openmp_wait_policy`` is the ``OMP_WAIT_POLICY`` PyTorch's threads ran with.
    """
    return {
        "cpu": cpu_model(),
        "logical_cores": os.cpu_count(),
        "cpus_available": available_cpus(),
        "architecture": platform.machine(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "numpy": version("numpy"),
        "scipy": version("scipy"),
        "mpmath": version("mpmath"),
        "torch": None if torch is None else torch.__version__,
        "threads_all": threads_all,
        "softmax_lib_threads": [1, threads_all],
        "softmax_lib_threads_default": ours_threads_default,
        "torch_threads_default": torch_threads_default,
        "torch_threads_all": None if torch is None else threads_all,
        "openmp_wait_policy": None if torch is None else openmp_wait_policy,
        "date": datetime.date.today().isoformat(),
    }
