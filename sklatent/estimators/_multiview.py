"""MultiViewEncoder: shared and private latents over views, a StructuredVAE preset."""

from numbers import Integral

import numpy as np

from ..utils._labels import one_or_many
from ..utils._sklearn_compat import Interval, StrOptions, check_is_fitted
from ._structured import StructuredVAE
from ._table_preset import FIXED_STRUCTURE, inherited_constraints


class MultiViewEncoder(StructuredVAE):
    r"""Shared and private latents over views: the shared/private preset of :class:`StructuredVAE`.

    Every view :math:`v` is generated from ``[shared, private_<v>]``; the shared block is
    informed by every view (a product of experts, so any subset of views infers it) and each
    private block by its own view only. ``transform`` returns the shared block, the part of the
    views that they have in common; ``predict_view`` predicts one view from others through it.
    The structure is our formulation of the shared/private special case of Zhang, Koyama &
    Ishiguro (2020).

    Parameters
    ----------
    n_shared : int, default=2
        Size of the shared block.
    n_private : int, default=1
        Size of each view's private block. A lone view (``views=None``) gets none: it shares
        nothing with another view, so its private block would only take information from the
        shared block that :meth:`transform` returns (on seven real tables of one view, the
        shared code fed to a logistic regression gained up to 6 accuracy points without it).
    views : dict, default=None
        View name -> columns of ``X`` (or a dict with ``columns`` and ``likelihood``), as in
        :class:`StructuredVAE`. None: one view ``"X"``.
    output : {"shared", "all"}, default="shared"
        What :meth:`transform` returns: the shared block, or every block.
    view_dropout : float in [0, 1), default=0.5
        In training, the probability of hiding each observed view from the posterior, as in
        :class:`StructuredVAE`: codes inferred from a few views stay close to codes from all
        of them, and less of each view's private factors leaks into the shared block (on the
        two-view problem of the tests: gap between one-view and two-view codes 0.23 -> 0.03,
        R² of the common factors 0.81 -> 0.95, with 0 -> 0.5).
    beta, decoder_variance, hidden_layer_sizes, activation : see StructuredVAE
        As in :class:`StructuredVAE`.
    max_epochs, batch_size, lr, device, accelerator, random_state, verbose, callbacks : see BetaVAE
        The shared training parameters, as in :class:`~sklatent.BetaVAE`.
    validation_fraction, early_stopping, n_iter_no_change, tol : see BetaVAE
        Validation split and early stopping, as in :class:`~sklatent.BetaVAE`.

    Attributes
    ----------
    views_, structure_, decoder_mask_, encoder_mask_, structure_scores_, categories_
        As in :class:`StructuredVAE`.
    block_names_, block_sizes_, net_, history_, n_iter_
        As in :class:`StructuredVAE`.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of str of shape (``n_features_in_``,)
        Names of the features seen during fit, when ``X`` has string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from sklatent import MultiViewEncoder
    >>> rng = np.random.RandomState(0)
    >>> common = rng.normal(size=(300, 1))
    >>> a, b = common + 0.1 * rng.normal(size=(300, 3)), -common + rng.normal(size=(300, 2))
    >>> X = np.hstack([a, b])
    >>> enc = MultiViewEncoder(1, 1, views={"a": [0, 1, 2], "b": [3, 4]}, max_epochs=3,
    ...                        random_state=0).fit(X)
    >>> list(enc.get_feature_names_out())
    ['shared0']
    >>> enc.predict_view(X, source="a", target="b").shape
    (300, 2)
    """

    _parameter_constraints = {
        # Its views and view dropout are its own; its blocks come from n_shared and n_private.
        **inherited_constraints((FIXED_STRUCTURE - {"views", "view_dropout"}) | {"n_components"}),
        "n_shared": [Interval(Integral, 1, None, closed="left")],
        "n_private": [Interval(Integral, 0, None, closed="left")],
        "output": [StrOptions({"shared", "all"})],
    }

    def __init__(
        self,
        n_shared=2,
        n_private=1,
        *,
        views=None,
        output="shared",
        view_dropout=0.5,
        beta=1.0,
        decoder_variance="auto",
        hidden_layer_sizes=(64,),
        activation="relu",
        max_epochs="auto",
        batch_size="auto",
        lr=1e-3,
        device="auto",
        accelerator=None,
        random_state=None,
        verbose=0,
        callbacks=None,
        validation_fraction=None,
        early_stopping="auto",
        n_iter_no_change="auto",
        tol=1e-4,
    ):
        self.n_shared = n_shared
        self.n_private = n_private
        self.views = views
        self.output = output
        self.view_dropout = view_dropout
        self.beta = beta
        self.decoder_variance = decoder_variance
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.device = device
        self.accelerator = accelerator
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol

    # Its structure is its own (shared and private blocks): a view has no roles or conditions.
    _view_keys = ("columns", "likelihood")

    # The preset fixes the structure (FIXED_STRUCTURE less views and view_dropout): no learned
    # gates, so no sparsity, temperature or restarts.
    def _n_restarts(self):
        return 1

    def _structure_spec(self, view_names):
        has_private = self.n_private > 0 and len(view_names) > 1
        private = {f"private_{v}": v for v in view_names} if has_private else {}
        blocks = {"shared": self.n_shared, **{name: self.n_private for name in private}}
        decoder = {v: ["shared", *([f"private_{v}"] if has_private else [])] for v in view_names}
        encoder = {"shared": list(view_names), **{name: [v] for name, v in private.items()}}
        return blocks, decoder, encoder

    @property
    def _n_shared_fitted(self):
        # The shared block's size as fitted: set_params(n_shared=...) changes the next fit only.
        check_is_fitted(self, "net_")
        return self.block_sizes_[0]

    @property
    def _n_features_out(self):
        return self._n_shared_fitted if self.output == "shared" else sum(self.block_sizes_)

    def get_feature_names_out(self, input_features=None):
        """Names of the code's columns: ``shared0...`` (and ``private_<view>_0...`` with "all").

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Checked against the features seen in fit, as scikit-learn's transformers do; the
            names of the code do not depend on them.

        Returns
        -------
        feature_names_out : ndarray of str
        """
        names = super().get_feature_names_out(input_features)
        return names[: self._n_shared_fitted] if self.output == "shared" else names

    def transform(self, X):
        """Codes of the shared block (``output="shared"``) or of every block (``"all"``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data; a view with NaN in a row is left out of that row's posterior.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_shared) or (n_samples, total block size)
        """
        # Not super().transform: under set_output(transform="pandas") scikit-learn wraps it too,
        # and it would name all the blocks' columns with this class's (shared-only) names.
        check_is_fitted(self, "net_")
        Z = self._encode_views(self._validate_X(X, reset=False))
        return Z[:, : self._n_shared_fitted] if self.output == "shared" else Z

    def _full_codes(self, Z):
        """Codes of every block; private blocks at their prior mean (0) when only shared given."""
        if self.output == "shared":
            private = np.zeros((len(Z), sum(self.block_sizes_[1:])), dtype=Z.dtype)
            return np.hstack([Z, private])
        return Z

    def inverse_transform(self, X, *, view=None):
        """Generate views from codes (private blocks at 0 when ``output="shared"``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_out)
            Codes, as :meth:`transform` returns.
        view : str, default=None
            The view to generate; None generates every view into the columns of ``X``.

        Returns
        -------
        X_original : ndarray
            Shape (n_samples, ``n_features_in_``) with NaN outside the views, or
            (n_samples, n_columns of ``view``).
        """
        Z = self._validated_codes(X, self._n_features_out)
        decoded = self._decode_views(self._full_codes(Z))
        if view is None:
            return self._laid_out(decoded, len(Z), Z.dtype)
        return decoded[self._check_view(view)]

    def predict_view(self, X, *, source, target):
        """Predict view ``target`` from views ``source`` through the shared block.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data; only the columns of the ``source`` views are read.
        source : str or list of str
            The views to infer the shared block from.
        target : str
            The view to predict (its private block at the prior mean).

        Returns
        -------
        X_target : ndarray of shape (n_samples, n_columns of ``target``)
        """
        check_is_fitted(self, "net_")
        sources = [self._check_view(name) for name in one_or_many(source)]
        target = self._check_view(target)
        X = self._validate_X(X, reset=False)
        codes = self._encode_views(X, sources=sources)
        codes[:, self._n_shared_fitted :] = 0.0
        return self._decode_views(codes)[target]

    def _check_view(self, name):
        """The fitted view ``name`` names (as text: a view keyed 0 is ``"0"``)."""
        names = [view["name"] for view in self.views_]
        if str(name) not in names:
            raise ValueError(f"Unknown view {name!r}; the views are {names}.")
        return str(name)
