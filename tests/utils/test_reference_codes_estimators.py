"""The codes of every estimator for a fixed seed, against a saved reference.

A refactor or a speed change that leaves every default as it was must give the same codes for
the same seed: the reference was written by running this module as a script and is rewritten
only when a change moves a default or the training itself on purpose, with the reason in the
commit message. The fits are short, so
that rounding differences between machines (a few units in the last place of a matrix product)
stay far below the tolerance, while a changed initialisation, batch order, loss or default moves
the codes by orders of magnitude more.
"""

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import sklatent

if __name__ == "__main__":  # run as a script to rewrite the reference
    sys.path.insert(0, str(Path(__file__).parent))
from _eight_estimators import FITS, X, env, fit_all

REFERENCE = Path(__file__).parent / "data" / "reference_codes.npz"
ROWS = slice(0, 40)
# The package defaults, with only the seed set (an automatic budget: a few hundred steps).
DEFAULT_FITS = {
    "BetaVAE (defaults)": (lambda: sklatent.BetaVAE(random_state=0), {}),
    "FairEncoder (defaults)": (
        lambda: sklatent.FairEncoder(random_state=0),
        {"sensitive_features": env},
    ),
}


def reference_codes():
    """Codes of the first rows of the shared table for each estimator, as float64 arrays."""
    fitted = fit_all()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, (make, kwargs) in DEFAULT_FITS.items():
            fitted[name] = make().fit(X, **kwargs)
    return {name: np.asarray(est.transform(X), np.float64)[ROWS] for name, est in fitted.items()}


@pytest.fixture(scope="module")
def codes():
    return reference_codes()


@pytest.mark.parametrize("name", [*FITS, *DEFAULT_FITS])
def test_codes_match_the_saved_reference(codes, name):
    with np.load(REFERENCE, allow_pickle=False) as saved:
        expected = saved[name]
    np.testing.assert_allclose(codes[name], expected, rtol=0, atol=1e-4, err_msg=name)


if __name__ == "__main__":
    np.savez(REFERENCE, **reference_codes())
    print(f"wrote {REFERENCE}")
