"""A row's outputs do not depend on the rows it is passed with, for the eight estimators: what
scikit-learn's check_methods_subset_invariance asks (single rows against the whole table), here
bitwise and on a table larger than one inference pass."""

import numpy as np
import pandas as pd
import pytest
from _eight_estimators import FITS, X, fit_all

METHODS = ("transform", "predict", "predict_proba", "score_samples")


def _rows(output, rows):
    """Rows of an output: an array, or a list of arrays (one per attribute, as
    DisentangledEncoder.predict_proba gives, like scikit-learn's multi-output classifiers)."""
    if isinstance(output, list):
        return [np.asarray(part)[rows] for part in output]
    return np.asarray(output)[rows]


@pytest.fixture(scope="module")
def fitted():
    return fit_all()


@pytest.mark.parametrize("name", FITS)
def test_outputs_of_a_row_do_not_depend_on_its_batch(fitted, name):
    estimator = fitted[name]
    # 2,500 rows: more than one inference pass of 1,024 rows, the last one padded.
    big = pd.concat([X] * 9, ignore_index=True).iloc[:2500]
    rows = np.random.RandomState(0).permutation(len(big))[:700]
    for method in METHODS:
        if not hasattr(estimator, method):
            continue
        apply = getattr(estimator, method)
        whole = apply(big)
        subset = _rows(apply(big.iloc[rows]), slice(None))
        np.testing.assert_array_equal(subset, _rows(whole, rows), err_msg=method)
        for row in (0, 1500, 2499):
            one = _rows(apply(big.iloc[row : row + 1]), slice(None))
            np.testing.assert_array_equal(one, _rows(whole, slice(row, row + 1)), err_msg=method)
