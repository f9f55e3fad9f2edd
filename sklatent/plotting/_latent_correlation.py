"""Latent-factor correlation: a heatmap of |Pearson correlation| between codes and true factors."""

import numpy as np
import pandas as pd
from sklearn.utils import check_array

from ..metrics._identifiability import _standardize_columns, mean_correlation_coefficient
from ..utils._sklearn_compat import check_is_fitted


def _names(given, data, default_prefix, n, what):
    """Names from ``given``, else from DataFrame/Series columns of ``data``, else a prefix."""
    if given is not None:
        names = [str(name) for name in given]
    elif hasattr(data, "columns"):
        names = [str(name) for name in data.columns]
    elif getattr(data, "name", None) is not None:  # a pandas Series
        names = [str(data.name)]
    else:
        names = [f"{default_prefix}{i}" for i in range(n)]
    if len(names) != n:
        raise ValueError(f"Expected {n} {what} names, got {len(names)}: {names}.")
    return names


def _indicator_columns(factors):
    """A DataFrame's (or Series') columns of text, categories or booleans, or an array's of
    text, as indicator columns ``name=value``, one per class (the second of two classes only):
    a categorical attribute, as a :class:`~sklatent.DisentangledEncoder` is fitted on, has no
    correlation of its own. Other input, and pandas input of numbers only, is returned as it
    is (a Series as a one-column DataFrame)."""
    if isinstance(factors, pd.Series):  # unnamed, it is named as a plain array's first column
        factors = factors.to_frame(name="factor0" if factors.name is None else factors.name)
    if not isinstance(factors, pd.DataFrame):
        array = np.asarray(factors)
        if array.dtype.kind not in "OUS" or array.ndim > 2:  # numbers: one factor a column
            return factors  # (and a 3-d array is refused by check_array, as before)
        array = array.reshape(len(array), -1)
        # Named as a plain array's columns are.
        factors = pd.DataFrame(array, columns=[f"factor{k}" for k in range(array.shape[1])])
    columns, expanded = {}, False
    for name in factors.columns:
        values = factors[name]
        # Numbers held as objects (a mixed y) or as text (pandas 3's str dtype) are numbers.
        if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
            numbers = pd.to_numeric(values, errors="coerce")
            values = numbers if numbers.notna().sum() == values.notna().sum() else values
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            columns[str(name)] = values
            continue
        expanded = True
        classes = sorted(values.dropna().unique(), key=str)
        for value in classes[1:] if len(classes) == 2 else classes:
            columns[f"{name}={value}"] = (values == value).astype(float).where(values.notna())
    return pd.DataFrame(columns, index=factors.index) if expanded else factors


class LatentCorrelationDisplay:
    r"""Absolute correlation between code dimensions and known factors, as a heatmap.

    Cell :math:`(d, k)` is :math:`|\rho(z_d, v_k)|`, the absolute Pearson correlation of code
    dimension :math:`z_d` (a row) with factor :math:`v_k` (a column). A disentangled code shows
    one bright cell per factor column and per row; with ``include_codes``, the code-code
    correlations follow the factor columns (right of a white line), to spot redundant
    dimensions. Build it with :meth:`from_estimator` or :meth:`from_predictions`; the
    constructor takes precomputed values.

    Parameters
    ----------
    correlation : ndarray of shape (n_components, n_factors)
        Absolute code-factor correlations.
    code_names : list of str
        One name per code dimension (row).
    factor_names : list of str
        One name per factor (column).
    code_correlation : ndarray of shape (n_components, n_components), default=None
        Absolute code-code correlations, drawn after the factor columns when given.

    Attributes
    ----------
    ax_ : matplotlib Axes
        The axes drawn on.
    figure_ : matplotlib Figure
        The figure holding ``ax_``.
    im_ : matplotlib AxesImage
        The heatmap.
    text_ : ndarray of matplotlib Text of shape (n_components, n_columns), or None
        The values written in the cells, None unless ``include_values``.
    colorbar_ : matplotlib Colorbar or None
        The colour bar, None unless ``colorbar``.

    See Also
    --------
    sklatent.metrics.mean_correlation_coefficient : Mean matched correlation, one number.

    Notes
    -----
    Pearson correlation sees only affine relations: a factor carried non-linearly (or a
    categorical factor with more than two values, whose integer codes have no order) can be
    invisible here. Encode a binary factor as 0/1 and one-hot encode a categorical one, a
    column per value. A constant column correlates with nothing (0).

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from sklatent.plotting import LatentCorrelationDisplay
    >>> rng = np.random.default_rng(0)
    >>> factors = pd.DataFrame(rng.normal(size=(200, 2)), columns=["size", "angle"])
    >>> Z = np.column_stack([factors["angle"], rng.normal(size=200), 2 * factors["size"]])
    >>> display = LatentCorrelationDisplay.from_predictions(Z, factors, sort_codes=True)
    >>> display.code_names, display.factor_names
    (['z2', 'z0', 'z1'], ['size', 'angle'])
    >>> display.correlation.round(1).tolist()
    [[1.0, 0.1], [0.1, 1.0], [0.0, 0.1]]
    """

    def __init__(self, correlation, code_names, factor_names, code_correlation=None):
        self.correlation = correlation
        self.code_names = code_names
        self.factor_names = factor_names
        self.code_correlation = code_correlation

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        factors,
        *,
        factor_names=None,
        include_codes=False,
        sort_codes=False,
        ax=None,
        **plot_kwargs,
    ):
        """Correlate the codes ``estimator.transform(X)`` with the true factors and plot.

        Parameters
        ----------
        estimator : fitted transformer
            Any fitted estimator with ``transform``; its ``get_feature_names_out()`` (when it
            has one) names the code dimensions.
        X : array-like of shape (n_samples, n_features)
            Input passed to ``estimator.transform``.
        factors : array-like or DataFrame of shape (n_samples, n_factors) or (n_samples,)
            True factors, in the row order of ``X``; DataFrame columns name them. A column
            of text (or a pandas column of categories or booleans) is drawn as indicator columns
            ``name=value`` (one for two classes; ``factor_names`` then names those), so that
            a :class:`~sklatent.DisentangledEncoder`'s attributes can be passed as a
            DataFrame. Missing values are an error; whole numbers are one numeric factor.
        factor_names : list of str, default=None
            Names of the factors; None takes the DataFrame columns, else ``factor0``, ...
        include_codes : bool, default=False
            Also draw the code-code correlations.
        sort_codes : bool, default=False
            Reorder the code dimensions so that the one matched to each factor (the matching
            of :func:`~sklatent.metrics.mean_correlation_coefficient`) comes first, in factor
            order; the unmatched dimensions follow in their original order.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        **plot_kwargs : dict
            Passed to :meth:`plot` (``include_values``, ``values_format``, ``cmap``,
            ``colorbar``).

        Returns
        -------
        display : LatentCorrelationDisplay
        """
        check_is_fitted(estimator)
        Z = estimator.transform(X)
        try:
            code_names = estimator.get_feature_names_out()
        except AttributeError:
            # None, or a Pipeline with a step that names no features: z0, z1, ...
            code_names = None
        return cls.from_predictions(
            Z,
            factors,
            code_names=code_names,
            factor_names=factor_names,
            include_codes=include_codes,
            sort_codes=sort_codes,
            ax=ax,
            **plot_kwargs,
        )

    @classmethod
    def from_predictions(
        cls,
        Z,
        factors,
        *,
        code_names=None,
        factor_names=None,
        include_codes=False,
        sort_codes=False,
        ax=None,
        **plot_kwargs,
    ):
        """Correlate precomputed codes with the true factors and plot.

        Parameters
        ----------
        Z : array-like or DataFrame of shape (n_samples, n_components)
            Codes; DataFrame columns name the dimensions.
        factors : array-like or DataFrame of shape (n_samples, n_factors) or (n_samples,)
            True factors, in the row order of ``Z``; DataFrame columns name them. A column
            of text (or a pandas column of categories or booleans) is drawn as indicator columns
            ``name=value`` (one for two classes; ``factor_names`` then names those), so that
            a :class:`~sklatent.DisentangledEncoder`'s attributes can be passed as a
            DataFrame. Missing values are an error; whole numbers are one numeric factor.
        code_names : list of str, default=None
            Names of the code dimensions; None takes the DataFrame columns, else ``z0``, ...
        factor_names : list of str, default=None
            Names of the factors; None takes the DataFrame columns, else ``factor0``, ...
        include_codes : bool, default=False
            Also draw the code-code correlations.
        sort_codes : bool, default=False
            Reorder the code dimensions so that the one matched to each factor comes first,
            as in :meth:`from_estimator`.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        **plot_kwargs : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : LatentCorrelationDisplay
        """
        Z_arr = check_array(Z, dtype=np.float64, ensure_min_samples=2, input_name="Z")
        factors = _indicator_columns(factors)
        F = check_array(
            factors, dtype=np.float64, ensure_2d=False, ensure_min_samples=2, input_name="factors"
        )
        F = F.reshape(-1, 1) if F.ndim == 1 else F
        if F.shape[0] != Z_arr.shape[0]:
            raise ValueError(
                "Z and factors must have the same number of samples (rows), got "
                f"{Z_arr.shape[0]} and {F.shape[0]}."
            )
        codes = _names(code_names, Z, "z", Z_arr.shape[1], "code")
        names = _names(factor_names, factors, "factor", F.shape[1], "factor")
        Zs = _standardize_columns(Z_arr)
        correlation = np.clip(np.abs(Zs.T @ _standardize_columns(F)), 0.0, 1.0)
        order = np.arange(Z_arr.shape[1])
        if sort_codes:
            _, rows, cols = mean_correlation_coefficient(F, Z_arr, return_matching=True)
            matched = cols[np.argsort(rows)]
            order = np.concatenate([matched, np.setdiff1d(order, matched)])
        code_correlation = None
        if include_codes:
            code_correlation = np.clip(np.abs(Zs.T @ Zs), 0.0, 1.0)[np.ix_(order, order)]
        display = cls(correlation[order], [codes[i] for i in order], names, code_correlation)
        return display.plot(ax=ax, **plot_kwargs)

    def plot(
        self, ax=None, *, include_values=True, values_format=".2f", cmap="viridis", colorbar=True
    ):
        """Draw the heatmap.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        include_values : bool, default=True
            Write the value in each cell.
        values_format : str, default=".2f"
            Format of those values.
        cmap : str or matplotlib Colormap, default="viridis"
            Colour map, spanning 0 to 1.
        colorbar : bool, default=True
            Add a colour bar.

        Returns
        -------
        display : LatentCorrelationDisplay
            With ``ax_``, ``figure_``, ``im_``, ``text_`` and ``colorbar_`` set.
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        values = np.asarray(self.correlation, dtype=float)
        columns = list(self.factor_names)
        if self.code_correlation is not None:
            values = np.hstack([values, np.asarray(self.code_correlation, dtype=float)])
            columns += list(self.code_names)
        self.im_ = ax.imshow(values, vmin=0.0, vmax=1.0, cmap=cmap, aspect="auto")
        self.text_ = None
        if include_values:
            colormap = self.im_.cmap
            self.text_ = np.empty(values.shape, dtype=object)
            for (i, j), value in np.ndenumerate(values):
                # dark text on the bright end of the map, light text on the dark end
                color = colormap(0.0) if value > 0.5 else colormap(1.0)
                self.text_[i, j] = ax.text(
                    j, i, format(value, values_format), ha="center", va="center", color=color
                )
        if self.code_correlation is not None:
            ax.axvline(len(self.factor_names) - 0.5, color="white", linewidth=3)
        ax.set_xticks(np.arange(len(columns)), labels=columns, rotation=45, ha="right")
        ax.set_yticks(np.arange(len(self.code_names)), labels=self.code_names)
        ax.set_xlabel("factor" if self.code_correlation is None else "factor | code")
        ax.set_ylabel("code dimension")
        self.colorbar_ = ax.figure.colorbar(self.im_, ax=ax) if colorbar else None
        if self.colorbar_ is not None:
            self.colorbar_.set_label("|Pearson correlation|")
        self.ax_, self.figure_ = ax, ax.figure
        return self
