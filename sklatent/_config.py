"""Package-wide settings: :func:`set_config`, :func:`get_config` and :func:`config_context`."""

import contextlib
import threading
from numbers import Integral

_DEFAULTS = {"torch_threads": 1}
# Like scikit-learn's configuration: each thread has its own, starting from the defaults.
_local = threading.local()


def _config():
    if not hasattr(_local, "config"):
        _local.config = dict(_DEFAULTS)
    return _local.config


def get_config():
    """The current settings of sklatent, as a dict (see :func:`set_config`).

    Examples
    --------
    >>> import sklatent
    >>> sklatent.get_config()["torch_threads"]
    1
    """
    return dict(_config())


def set_config(torch_threads="unchanged"):
    """Set sklatent's package-wide settings for the current thread.

    Parameters
    ----------
    torch_threads : int, None or "unchanged", default="unchanged"
        Most torch threads an estimator uses on the CPU, in a fit and in ``transform``,
        ``score``, ``predict`` and the decoders; a fit also holds the BLAS libraries of numpy
        and scipy to it (FairEncoder's parity budget refits a logistic regression every
        epoch). The networks of sklatent are small, and one thread is the fastest setting for
        them on most machines: several threads spin-wait on each other, worst of all when
        another process keeps a core busy. The caller's settings are put back afterwards, and
        a lower BLAS setting of the caller's is kept. None leaves both alone
        (``torch.set_num_threads`` then decides); raise it for wide networks and large
        batches. The setting belongs to the thread and the process that set it: the workers
        of a parallel search (``GridSearchCV(n_jobs=...)``) start from the default of one
        thread each, which is also what they need when they already share the cores.
        ``"unchanged"`` keeps the current setting (1 when sklatent is imported).

    Examples
    --------
    >>> import sklatent
    >>> sklatent.set_config(torch_threads=2)
    >>> sklatent.get_config()["torch_threads"]
    2
    >>> sklatent.set_config(torch_threads=1)
    """
    if torch_threads != "unchanged":
        if torch_threads is not None and (
            not isinstance(torch_threads, Integral)
            or isinstance(torch_threads, bool)
            or torch_threads < 1
        ):
            raise ValueError(
                f"torch_threads must be a positive integer or None, got {torch_threads!r}."
            )
        _config()["torch_threads"] = torch_threads


@contextlib.contextmanager
def config_context(**settings):
    """Use the settings of :func:`set_config` inside a ``with`` block only.

    Parameters
    ----------
    **settings
        Keyword arguments of :func:`set_config` (``torch_threads``); the settings before the
        block come back when it ends, also when it raises.

    Examples
    --------
    >>> import sklatent
    >>> with sklatent.config_context(torch_threads=None):
    ...     sklatent.get_config()["torch_threads"] is None
    True
    >>> sklatent.get_config()["torch_threads"]
    1
    """
    before = get_config()
    set_config(**settings)
    try:
        yield
    finally:
        _config().clear()
        _config().update(before)
