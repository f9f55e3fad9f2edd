"""MechanismEncoder: latents identified by a known mechanism that moves them (Ahuja et al. 2022)."""

import copy
from numbers import Real

import numpy as np
import torch

from .._batch import ACTIONS, FEATURES, NEXT_FEATURES
from ..modules import (
    ACTIVATIONS,
    CallableMechanism,
    LearnedOffsets,
    LinearMap,
    MechanismModule,
    Translation,
)
from ..objectives import MechanismObjective
from ..utils._sklearn_compat import (
    Interval,
    StrOptions,
    _fit_context,
    check_is_fitted,
)
from ..utils._validation import row_weights
from ._base import _SHARED_PARAMETER_CONSTRAINTS, LatentTransformer
from ._mechanism_rows import MechanismTransitionRows

# The module of each built-in mechanism, by name (a fitted model's mechanism is read back from
# its module, whatever the parameter says after set_params).
_MECHANISM_NAMES = {
    Translation: "translation",
    LinearMap: "linear",
    LearnedOffsets: "translation_unknown",
}
_MECHANISMS = set(_MECHANISM_NAMES.values())


class MechanismEncoder(MechanismTransitionRows, LatentTransformer):
    r"""Identifiable latents from a known mechanism (our formulation of Ahuja et al., 2022).

    Observations :math:`x = g(z)` come in pairs :math:`(x, x')` whose latents move by a known
    mechanism, :math:`z' = m(z, a)`, with the action :math:`a` observed. The encoder :math:`f`
    minimises

    .. math::

        \mathcal L = \mathbb E\,\big\|f(x') - m(f(x), a)\big\|^2
                     + \lambda\, \sum_j \big(\widehat{\operatorname{Var}}(f_j(x)) - 1\big)^2 .

    At zero loss :math:`h = f \circ g` commutes with every :math:`m(\cdot, a)`, so the latents
    are recovered up to the maps that commute with the mechanism (its equivariances):

    - ``"translation"``, :math:`m(z, a) = z + a` with the offsets given as ``actions``: up to a
      constant offset, when the offsets span an open set (continuous offsets).
    - ``"linear"``, :math:`m(z) = A z` with ``A = transition_matrix``: up to a scaling per
      coordinate of A's eigenbasis *among linear maps* (distinct eigenvalues). A single map is
      also commuted with by non-linear maps (for :math:`z' = a z`, any
      :math:`h(z) = z\, p(\log |z|)` with :math:`p` periodic of period :math:`\log a`), so with a
      non-linear encoder the latents are not pinned down.
    - ``"translation_unknown"``, :math:`m(z, k) = z + \delta_k` with one learned offset per
      discrete action label: up to an affine map, plus any function periodic on the lattice the
      offsets generate unless they generate a dense set.
    - a callable ``m(z, actions)`` in torch: up to the maps that commute with ``m``.

    A linear map or learned offsets are also satisfied by the constant encoder :math:`f \equiv 0`
    and by low-rank codes (ten copies of one affine signal with matching offsets; powers of one
    latent under a diagonal map): the unit-variance term (weight ``collapse_weight``
    :math:`\lambda`) and the collinearity term
    :math:`-\gamma \log\det \widehat{\operatorname{Corr}}(f(x))` (weight
    ``collinearity_weight`` :math:`\gamma`) rule those out. Known translations fix the scale
    and rank themselves, so both terms are off for them.

    Parameters
    ----------
    n_components : int, default=2
        Number of latents; for ``"translation"``, the width of ``actions``.
    mechanism : {"translation", "linear", "translation_unknown"} or callable, default="translation"
        The mechanism, or a function ``m(z, actions)`` of torch tensors returning the next
        latents, shape ``(batch, n_components)``. A :class:`torch.nn.Module`'s parameters
        train with the model, in a copy: the module passed in is left as it is.
    transition_matrix : array-like of shape (n_components, n_components), default=None
        The matrix :math:`A` of ``mechanism="linear"`` (refused with another mechanism, which
        would ignore it).
    collapse_weight : float, default=1.0
        Weight :math:`\lambda \ge 0` of the unit-variance (non-collapse) term; used by every
        mechanism except known translations.
    collinearity_weight : float, default=0.1
        Weight :math:`\gamma \ge 0` of the collinearity term; used by every mechanism except
        known translations. It also pulls against latents that are truly correlated: lower it
        when they are, and use ``reconstruction_weight`` instead.
    reconstruction_weight : float, default=0.0
        Weight :math:`\rho \ge 0` of an optional decoder's reconstruction of ``X`` from the
        code (0: no decoder). An encoder from which ``X`` can be recovered is injective, so it
        cannot collapse or repeat a latent; unlike the collinearity term, it does not push
        correlated latents apart.
    hidden_layer_sizes : tuple of int, default=(100, 100)
        Hidden widths of the encoder.
    activation : str, default="leaky_relu"
        Hidden activation.
    max_epochs, batch_size, lr, device, accelerator, random_state, verbose, callbacks : see BetaVAE
        The shared training parameters, as in :class:`~sklatent.BetaVAE`.
    validation_fraction, early_stopping, n_iter_no_change, tol : see BetaVAE
        Validation split and early stopping, as in :class:`~sklatent.BetaVAE`.

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained net; ``net_.module_.encoder`` is the encoder :math:`f`.
    history_ : skorch.History
        Per-epoch ``train_equivariance`` and ``train_collapse``.
    offsets_ : ndarray of shape (n_actions, n_components)
        The learned offset of each action (``"translation_unknown"`` only).
    action_labels_ : ndarray of shape (n_actions,)
        The action labels, in the order of ``offsets_`` (``"translation_unknown"`` only).
    collapse_term_active_ : bool
        Whether the unit-variance term acted in the fit.
    n_iter_ : int
        Epochs run.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of the features seen during fit, when ``X`` has string column names.

    Notes
    -----
    The paper's code is not public: the objective and the identifiability table above are our
    formulation, consistent with its abstract. ``X_next`` and ``actions`` are per-row metadata:
    ``Pipeline.fit(..., mechanismencoder__X_next=...)`` passes them, and with metadata routing
    (``set_fit_request(X_next=True, actions=True)``) cross-validation splits them with ``X``.
    A pipeline's earlier steps transform ``X`` only, not ``X_next``: preprocess both before.

    References
    ----------
    .. [1] K. Ahuja, J. Hartford and Y. Bengio, "Properties from Mechanisms: An Equivariance
       Perspective on Identifiable Representation Learning", ICLR 2022.

    Examples
    --------
    >>> import numpy as np
    >>> from sklatent import MechanismEncoder
    >>> rng = np.random.RandomState(0)
    >>> Z = rng.normal(size=(500, 2)); shifts = rng.normal(size=(500, 2))
    >>> mix = lambda z: np.tanh(z @ [[1.0, 0.5], [-0.3, 1.0]]) + z
    >>> enc = MechanismEncoder(max_epochs=5, random_state=0)
    >>> enc.fit(mix(Z), X_next=mix(Z + shifts), actions=shifts).transform(mix(Z)).shape
    (500, 2)
    """

    _training_rows = ("transitions (without X_next, consecutive rows of X)", "transition")
    _parameter_constraints = {
        **_SHARED_PARAMETER_CONSTRAINTS,
        "mechanism": [StrOptions(_MECHANISMS), callable],
        "transition_matrix": ["array-like", None],
        "collapse_weight": [Interval(Real, 0, None, closed="left")],
        "collinearity_weight": [Interval(Real, 0, None, closed="left")],
        "reconstruction_weight": [Interval(Real, 0, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
    }

    def __init__(
        self,
        n_components=2,
        *,
        mechanism="translation",
        transition_matrix=None,
        collapse_weight=1.0,
        collinearity_weight=0.1,
        reconstruction_weight=0.0,
        hidden_layer_sizes=(100, 100),
        activation="leaky_relu",
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
        self.n_components = n_components
        self.mechanism = mechanism
        self.transition_matrix = transition_matrix
        self.collapse_weight = collapse_weight
        self.collinearity_weight = collinearity_weight
        self.reconstruction_weight = reconstruction_weight
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

    # ---- model -------------------------------------------------------------------------------
    def _mechanism_in_use(self, fitting):
        """The mechanism a call works with: the parameter while a fit starts, afterwards the
        fitted model's (a later ``set_params`` reaches the model through ``fit`` only, as the
        fitted attributes of any scikit-learn estimator)."""
        if fitting:
            return self.mechanism
        fitted = self.net_.module_.mechanism
        if isinstance(fitted, CallableMechanism):
            return fitted.function
        return _MECHANISM_NAMES[type(fitted)]

    def _make_mechanism(self):
        if isinstance(self.mechanism, torch.nn.Module):
            # A copy: its parameters train with the model, and the user's own module (a
            # parameter of the estimator) must not move, nor tie two fits together.
            return CallableMechanism(copy.deepcopy(self.mechanism))
        if callable(self.mechanism):  # a function: nothing of it trains
            return CallableMechanism(self.mechanism)
        if self.mechanism == "linear":
            return LinearMap(self._check_transition_matrix())
        if self.mechanism == "translation_unknown":
            return LearnedOffsets(len(self.action_labels_), self.n_components)
        if self.mechanism == "translation":
            return Translation()
        raise ValueError(f"Unknown mechanism {self.mechanism!r}.")

    def _make_module(self):
        return MechanismModule(
            self.n_features_in_,
            self.n_components,
            self._hidden_layer_sizes,
            self.activation,
            self._make_mechanism(),
            decoder=self.reconstruction_weight > 0,
        )

    def _make_objective(self):
        active = self.collapse_term_active_
        return MechanismObjective(
            collapse_weight=self.collapse_weight if active else 0.0,
            collinearity_weight=self.collinearity_weight if active else 0.0,
            reconstruction_weight=self.reconstruction_weight,
        )

    def _check_transition_matrix(self):
        if self.transition_matrix is None:
            raise ValueError(
                "mechanism='linear' needs transition_matrix, the matrix A of z' = A z."
            )
        matrix = np.asarray(self.transition_matrix, dtype=np.float64)
        if matrix.shape != (self.n_components, self.n_components):
            raise ValueError(
                f"transition_matrix must be a ({self.n_components}, {self.n_components}) "
                f"matrix (n_components square), got shape {matrix.shape}."
            )
        if not np.isfinite(matrix).all():
            raise ValueError("transition_matrix holds NaN or infinite entries.")
        return matrix

    # ---- public API --------------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, *, X_next=None, actions=None):
        """Fit the encoder on transitions ``X -> X_next`` under ``actions``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Observations before the transition.
        y : None
            Ignored.
        X_next : array-like of shape (n_samples, n_features), default=None
            Row ``i`` is the observation after the latents of row ``i`` of ``X`` moved under
            ``actions[i]``. When None, consecutive rows of ``X`` are read as transitions (with a
            warning).
        actions : array-like, default=None
            ``"translation"``: offsets of shape (n_samples, n_components);
            ``"translation_unknown"``: one label per row; ``"linear"``: None; callable: whatever
            it takes (1-D or 2-D). Without ``X_next``, one row per transition between
            consecutive rows of ``X`` (``n_samples - 1`` rows); ``n_samples`` rows are accepted
            too, the last ignored.

        Returns
        -------
        self : MechanismEncoder
            The fitted estimator.
        """
        with self._fitting_anew():
            self._fit_net(self._transition_tensors(X, X_next, actions, first=True))
            self._read_fitted()
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None, *, X_next=None, actions=None):
        """Train one epoch on a chunk of transitions, continuing earlier calls.

        scikit-learn's incremental convention: call it once per chunk; the optimiser's state is
        kept between calls. The first call fixes the features, the action labels of
        ``"translation_unknown"`` (every label must be in the first chunk) and the automatic
        ``batch_size``; ``max_epochs`` and early stopping do not apply. Without ``X_next``,
        consecutive rows of each chunk are its transitions (none spans two chunks).

        Parameters
        ----------
        X, y, X_next, actions
            A chunk of transitions, as in :meth:`fit`.

        Returns
        -------
        self : MechanismEncoder
            The estimator, trained one more epoch.
        """
        first = not hasattr(self, "net_")
        with self._unfitted_if_failed(starts_anew=first):
            self._partial_fit_net(self._transition_tensors(X, X_next, actions, first=first))
        return self

    def _read_fitted(self):
        if self._mechanism_in_use(fitting=False) == "translation_unknown":
            offsets = self.net_.module_.mechanism.offsets
            self.offsets_ = offsets.detach().cpu().numpy().astype(np.float64)

    def score(self, X, y=None, *, X_next=None, actions=None, sample_weight=None):
        r"""Negative mean equivariance error on transitions: higher is better.

        .. math:: -\frac1n \sum_i \big\|f(x'_i) - m(f(x_i), a_i)\big\|^2

        The unit-variance term is not included, so compare models fitted with the same
        ``collapse_weight`` (a smaller weight lets the code shrink and the error with it). Route
        ``X_next`` and ``actions`` to it with ``set_score_request``.

        Parameters
        ----------
        X, y, X_next, actions
            As in :meth:`fit`.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the transitions' errors in the mean (None: equal weights): a row's
            weight is that of the transition from it (without ``X_next``, the last row starts
            none and its weight is unused).

        Returns
        -------
        score : float
        """
        check_is_fitted(self, "net_")
        X = self._validate_X(X, reset=False)
        weights = row_weights(sample_weight, len(X))
        self._check_actions_kept(actions)
        X, X_next, actions = self._transitions(X, X_next, actions, fitting=False)
        tensors = {FEATURES: self._to_tensor(X), NEXT_FEATURES: self._to_tensor(X_next)}
        actions = self._check_actions(actions, len(X), fitting=False)
        if actions is not None:
            tensors[ACTIONS] = actions.to(self._device)
        errors = self._apply(
            tensors,
            lambda module, b: MechanismObjective.per_sample_equivariance(module(b)),
            np.float64,
        )
        weights = row_weights(weights[: len(errors)], len(errors))  # checked again: sum > 0
        return -float(np.average(errors, weights=weights))

    def predict_next(self, X, actions=None):
        """Predict the next latents ``m(f(x), a)`` of each row under ``actions``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Observations.
        actions : array-like, default=None
            As in :meth:`fit`; needed when the model was fitted with them.

        Returns
        -------
        Z_next : ndarray of shape (n_samples, n_components)
            Predicted latents, in the float dtype of ``X``.
        """
        X, tensors = self._validated_rows(X)
        actions = self._check_actions(actions, len(X), fitting=False)
        if actions is not None:
            tensors[ACTIONS] = actions.to(self._device)
        elif self._mechanism_in_use(fitting=False) == "translation_unknown":
            raise ValueError("mechanism='translation_unknown' needs actions to predict.")
        else:
            self._check_actions_kept(actions)
        return self._apply(tensors, lambda module, b: module.predict_next(b), X.dtype)
