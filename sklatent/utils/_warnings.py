"""Warnings that point at the user's line, however deep in the fit they are raised."""

import os
import sys
import sysconfig
import warnings

# Frames in these packages are between the user's call and a fit's warning: sklatent's own,
# scikit-learn's (fit wrappers, pipelines, searches), joblib's (a pipeline fits every step but
# the last through its caching wrapper; searches run through its parallel loop), skorch's loop
# and torch's modules.
_LIBRARIES = ("sklatent", "sklearn", "joblib", "skorch", "torch")
# The standard library's frames (multiprocessing's under a joblib worker, runpy's, a mock's)
# are no user's line either; its folder may hold site-packages, which is third-party code.
_STANDARD_LIBRARY = os.path.join(sysconfig.get_paths()["stdlib"], "")
_SITE_PACKAGES = tuple(
    os.path.join(sysconfig.get_paths()[key], "") for key in ("purelib", "platlib")
)


# Frames that start a worker process or a thread: what lies below them is no user's line (a
# spawned worker's stack ends in a "<string>" frame, its command line).
_WORKER_STARTS = tuple(
    os.path.join(_STANDARD_LIBRARY, name) for name in ("multiprocessing", "concurrent", "threading")
)


def _passed_over(filename, libraries):
    """Whether a frame of ``filename`` is the libraries' or the standard library's."""
    standard = filename.startswith(_STANDARD_LIBRARY) and not filename.startswith(_SITE_PACKAGES)
    return filename.startswith(libraries) or standard or filename.startswith("<frozen ")


def _library_directories():
    """The folders of those packages that are loaded (read from ``sys.modules``: no import)."""
    modules = (sys.modules.get(name) for name in _LIBRARIES)
    return tuple(
        os.path.dirname(module.__file__) + os.sep
        for module in modules
        if getattr(module, "__file__", None)
    )


def warn_at_caller(message, category=UserWarning):
    """``warnings.warn`` with the stack level of the first frame outside the libraries above.

    A hand-counted ``stacklevel`` breaks whenever a wrapper is added between the user's call
    and the warning (scikit-learn's fit context, a restart loop, a pipeline), and the warning
    then names a line of a library the user never wrote.

    Parameters
    ----------
    message : str
        The warning's text.
    category : type of Warning, default=UserWarning
        Its category.
    """
    libraries = _library_directories()
    frame, level = sys._getframe(1), 1
    while frame is not None and _passed_over(frame.f_code.co_filename, libraries):
        if frame.f_code.co_filename.startswith(_WORKER_STARTS):
            frame = None
            break
        frame, level = frame.f_back, level + 1
    if frame is None:
        # No line of the user's on this stack (a fit in a joblib worker process starts from
        # multiprocessing's): the line that raised the warning says more than the stdlib's.
        level = 1
    warnings.warn(message, category, stacklevel=level + 1)
