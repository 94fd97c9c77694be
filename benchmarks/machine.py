"""What the numbers were measured on: CPU, cores, library versions, load.

Nothing that identifies a particular computer or person is collected: no
host name, user name or path.
"""

import datetime
import os
import platform
from importlib import metadata


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


def describe(torch=None):
    """A dict describing the machine and the software, for the results files."""
    return {
        "cpu": cpu_model(),
        "logical_cores": os.cpu_count(),
        "architecture": platform.machine(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "numpy": version("numpy"),
        "scipy": version("scipy"),
        "mpmath": version("mpmath"),
        "torch": None if torch is None else torch.__version__,
        "torch_threads": None if torch is None else torch.get_num_threads(),
        "date": datetime.date.today().isoformat(),
    }
