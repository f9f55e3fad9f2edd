"""warn_at_caller names the user's line, or, with none on the stack, the line that warned."""

import os
import sysconfig
import warnings

import sklatent
from sklatent.utils._warnings import warn_at_caller


def _run_as_if_in(folder, source, namespace):
    """Run ``source`` as the code of a file in ``folder`` (a frame the walk will see there)."""
    exec(compile(source, os.path.join(folder, "_frame_under_test.py"), "exec"), namespace)


def _recorded(caller_folder):
    library = os.path.dirname(sklatent.__file__)
    namespace = {"warn_at_caller": warn_at_caller}
    # A library function that warns, called from a frame in caller_folder.
    _run_as_if_in(library, "def fit():\n    warn_at_caller('collapsed')\n", namespace)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _run_as_if_in(caller_folder, "fit()\n", namespace)
    return caught[0].filename


def test_the_warning_names_the_users_line():
    users = os.path.join(os.sep, "home", "someone", "analysis")
    assert _recorded(users).startswith(users)


def test_a_stack_that_starts_in_the_standard_library_names_the_line_that_warned():
    # A fit in a joblib worker process: below the libraries, only multiprocessing's frames.
    # The warning named multiprocessing/process.py.
    stdlib = sysconfig.get_paths()["stdlib"]
    assert _recorded(stdlib).startswith(os.path.dirname(sklatent.__file__))
