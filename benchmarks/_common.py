"""Helpers shared by the benchmark scripts: synthetic data, timing, memory and machine notes.

Not part of the package; the scripts import it as a sibling module (``python benchmarks/x.py``
puts ``benchmarks/`` first on ``sys.path``).
"""

import datetime
import os
import platform
import statistics
import time

import numpy as np

# Rows generated per chunk: keeps the transient memory of data creation small (about 0.4 MiB
# at 100 features) next to the table.
_CHUNK_ROWS = 1024


def make_low_rank(n_samples, n_features=100, rank=8, noise=0.5, seed=0):
    """A float32 table: standard-normal factors through a fixed random loading, plus noise.

    Generated in place, in chunks, directly in float32, so creating a large table holds little
    more than the table (the scaling benchmark measures peak memory around it). The columns
    have roughly unit variance.
    """
    rng = np.random.default_rng(seed)
    loading = rng.standard_normal((rank, n_features), dtype=np.float32) / np.sqrt(rank)
    loading *= np.float32(1.0 / np.sqrt(1.0 + noise**2))
    noise_scale = np.float32(noise / np.sqrt(1.0 + noise**2))
    X = np.empty((n_samples, n_features), dtype=np.float32)
    factors = np.empty((_CHUNK_ROWS, rank), dtype=np.float32)
    eps = np.empty((_CHUNK_ROWS, n_features), dtype=np.float32)
    for start in range(0, n_samples, _CHUNK_ROWS):
        stop = min(start + _CHUNK_ROWS, n_samples)
        rows = stop - start
        rng.standard_normal(dtype=np.float32, out=factors[:rows])
        rng.standard_normal(dtype=np.float32, out=eps[:rows])
        np.matmul(factors[:rows], loading, out=X[start:stop])
        eps[:rows] *= noise_scale
        X[start:stop] += eps[:rows]
    return X


def timed(fn, *args, **kwargs):
    """Run ``fn`` once and return ``(seconds, result)`` (wall clock, ``perf_counter``)."""
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def timed_cpu(fn, *args, **kwargs):
    """Run ``fn`` once and return ``(wall seconds, process CPU seconds, result)``.

    CPU time (all threads of this process) is a cross-check on a shared machine, where other
    processes stretch the wall clock but not the work done.
    """
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn(*args, **kwargs)
    return time.perf_counter() - wall, time.process_time() - cpu, result


def median(values):
    return statistics.median(values)


def proc_status_kb(field):
    """A ``/proc/self/status`` memory field (``VmRSS``, ``VmHWM``) in KiB, or None off Linux."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def reset_peak_rss():
    """Reset the kernel's peak-RSS mark (``VmHWM``) to the current RSS; True if it worked.

    Writing ``5`` to ``/proc/self/clear_refs`` does this on Linux >= 4.0. ``ru_maxrss`` is not
    reset by it.
    """
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    hwm, rss = proc_status_kb("VmHWM"), proc_status_kb("VmRSS")
    return hwm is not None and rss is not None and hwm <= rss + 1024


def cpu_model():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_lines():
    """Lines describing where and with what the benchmark ran."""
    import sklearn
    import skorch
    import torch

    try:
        n_cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        n_cpus = os.cpu_count()
    return [
        f"date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"machine: nproc={n_cpus}, cpu={cpu_model()}, {platform.system()} {platform.release()}",
        "threads: OMP_WAIT_POLICY="
        f"{os.environ.get('OMP_WAIT_POLICY', '(unset)')}, OMP_NUM_THREADS="
        f"{os.environ.get('OMP_NUM_THREADS', '(unset)')}, load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} at start",
        f"versions: python {platform.python_version()}, torch {torch.__version__}, "
        f"skorch {skorch.__version__}, scikit-learn {sklearn.__version__}, numpy {np.__version__}",
    ]


def format_table(header, rows):
    """A plain-text table with right-aligned columns (first column left-aligned)."""
    cells = [list(map(str, header))] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]

    def line(row):
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])


def library_state():
    """The git commit of the checkout, and the files of sklatent/ that differ from it."""
    import subprocess

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "sklatent"],
            cwd=root,
            capture_output=True,
            text=True,
        ).stdout.splitlines()
    except OSError:
        return "unknown (no git)"
    dirty = [line[3:] for line in dirty if line.strip()]
    return f"commit {commit or '?'}" + (f", modified: {', '.join(dirty)}" if dirty else ", clean")
