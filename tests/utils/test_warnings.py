"""warn_at_caller names the user's line, or, with none on the stack, the line that warned."""

import os
import sysconfig
import threading
import warnings

import sklatent
from sklatent.utils._warnings import warn_at_caller

LIBRARY = os.path.dirname(sklatent.__file__)
STANDARD_LIBRARY = sysconfig.get_paths()["stdlib"]
USERS = os.path.join(os.sep, "home", "someone", "analysis")


def _function_in(folder, name, source, namespace):
    """Define ``name`` from ``source`` as if in a file of ``folder`` (its frames show there)."""
    exec(compile(source, os.path.join(folder, f"_{name}_under_test.py"), "exec"), namespace)
    return namespace[name]


def _warning_from(run):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run()
    return caught[0].filename


def _library_fit():
    namespace = {"warn_at_caller": warn_at_caller}
    return _function_in(LIBRARY, "fit", "def fit():\n    warn_at_caller('collapsed')\n", namespace)


def _calling(folder, callee):
    return _function_in(folder, "call", "def call():\n    callee()\n", {"callee": callee})


def test_the_warning_names_the_users_line_past_the_standard_library():
    # User -> a standard-library wrapper (a mock's, say) -> the library: the user's line.
    users_call = _calling(USERS, _calling(STANDARD_LIBRARY, _library_fit()))
    assert _warning_from(users_call).startswith(USERS)


def test_a_stack_without_a_users_line_names_the_line_that_warned():
    # A fit in a joblib worker process: below the libraries, only the standard library's
    # frames (here a thread's). The warning named multiprocessing/process.py.
    fit = _library_fit()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        worker = threading.Thread(target=fit)
        worker.start()
        worker.join()
    assert caught[0].filename.startswith(LIBRARY)


def test_a_spawned_workers_command_line_is_no_users_line():
    # A spawned worker process runs "python -c ..." into multiprocessing: its "<string>" frame
    # at the bottom was taken for the user's line.
    worker = _calling(os.path.join(STANDARD_LIBRARY, "multiprocessing"), _library_fit())
    namespace = {"worker": worker}
    exec(compile("def command_line():\n    worker()\n", "<string>", "exec"), namespace)
    assert _warning_from(namespace["command_line"]).startswith(LIBRARY)
