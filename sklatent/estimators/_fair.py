"""FairEncoder: codes that keep the features' information but not the sensitive attribute."""

from numbers import Integral, Real

import torch

from ..objectives import FairObjective
from ..objectives._dependence import CRITIC_ESTIMATORS, ESTIMATORS
from ..training import AdversarialNet, LatentNet
from ..utils._sklearn_compat import Interval, StrOptions, _fit_context
from ._critics import CRITIC_PARAMETER_CONSTRAINTS, critic_net_kwargs, dependence_critic
from ._fair_budget import DifferenceBoundMixin
from ._fair_codes import FairCodesMixin
from ._fair_rows import FairTrainingRows
from ._renamed import former_name_constraint
from ._structured import StructuredVAE
from ._structured_spec import one_block_masks, view_spec
from ._table_preset import FIXED_STRUCTURE, TablePreset, inherited_constraints

_BLOCK = "fairencoder"


class FairEncoder(DifferenceBoundMixin, FairCodesMixin, FairTrainingRows, TablePreset):
    r"""Codes that keep what the features say about the task but not the sensitive attribute.

    The fair preset of :class:`StructuredVAE` (our formulation of the fair special case of Zhang,
    Koyama & Ishiguro 2020, in the spirit of the Variational Fair Autoencoder of Louizos et al.
    2016): the features :math:`x` are generated from the code and the sensitive attribute,
    :math:`p(x \mid z, s)`, so the code need not carry :math:`s`; the code's encoder reads the
    features only (never :math:`s`, so :meth:`transform` needs ``X`` alone); the label, when
    given, is generated from the code by a linear head, :math:`p(y \mid z)` a multinomial
    logistic regression on :math:`z` (a linear regression for numeric ``y``), so the code
    carries the label in the form a linear classifier on the codes reads; and a penalty
    :math:`D` on the dependence between the code and :math:`s` removes what proxies of
    :math:`s` in the features would otherwise leave in it:

    .. math::

        \mathcal L = \frac{1}{d}\Big(\mathbb E_q\big[-\log p(x \mid z, s)\big]
                     + \beta\, \mathrm{KL}\big(q(z \mid x) \,\|\, N(0, I)\big)\Big)
                     + \gamma\, \mathbb E_q\big[-\log p(y \mid z)\big]
                     + \lambda\, D\big(\mu(x), s\big),

    with :math:`d` the number of feature columns (one-hot columns counted one by one). The
    features' terms are per column so that a weight means the same trade-off on a table of 5
    or 500 columns, and the same on that table with every column duplicated: ``target_weight``
    :math:`\gamma = 1` makes the label count as much as all the features together, and
    ``independence_weight`` :math:`\lambda` is in the same unit. (Weights chosen for the
    per-row loss of earlier versions, every term in nats per row, are these divided by
    :math:`d`.)

    :math:`D` acts on the posterior mean :math:`\mu(x)`, the code :meth:`transform` returns.
    With ``criterion="demographic_parity"`` it measures :math:`z \perp s`; with
    ``"equalized_odds"``, :math:`z \perp s \mid y`, the frequency-weighted dependence within
    each class of ``y``. Dropping the sensitive column is not enough: on Adult, a
    gradient-boosting probe reads sex back from the other features with ROC AUC 0.94.

    Parameters
    ----------
    n_components : int, default=8
        Size of the code.
    sensitive_feature_ids : str, int or list, default=None
        Columns of ``X`` (names of a DataFrame's columns, or indices) holding the sensitive
        features, as fairlearn's ``CorrelationRemover`` takes them: they are read in ``fit``,
        never by the encoder. Or names of levels of a DataFrame's index, where AIF360 keeps
        protected attributes (its ``prot_attr``): they travel with the rows through a
        ``Pipeline`` (with pandas output) and cross-validation splits, and ``transform``
        ignores the index. Alternatively, pass ``sensitive_features`` to :meth:`fit`.
        Several columns, or a column with several values, make one group per combination; a
        numeric column with more than 10 distinct values is cut into ``n_bins`` quantile bins.
    criterion : {"demographic_parity", "equalized_odds"}, default="demographic_parity"
        Independence of the code from :math:`s`, or conditional independence given the label
        (needs ``y`` with class labels).
    dependence_measure : {"mmd", "hsic", "adversarial", "permutation"}, default="mmd"
        The estimator :math:`D` of the dependence: the maximum mean discrepancy between each group's
        codes and all codes (:func:`~sklatent.information.group_mmd`), the normalised HSIC
        (:func:`~sklatent.information.normalized_hsic`), both with a multi-scale Gaussian
        kernel, or an adversary, an MLP trained to predict :math:`s` from the code, whose
        bound on :math:`I(z; s)` the encoder minimises
        (:func:`~sklatent.information.adversary_information`), or ``"permutation"``: the
        conditional-permutation critic that :class:`DisentangledEncoder` uses, which tells real
        :math:`(z, s)` pairs from pairs with :math:`s` permuted (within each label for
        equalized odds) and whose labels the encoder is trained with swapped.
    independence_weight : float, default=3.0
        :math:`\lambda`, the weight of :math:`D`. The trade-off knob: tune it with a grid
        search and :class:`~sklatent.plotting.TradeoffDisplay` (the grid 0, 0.3, 1, 3, 10, 30
        traces the trade-off on the tables we measured, see "Pipelines and tuning"), or set
        ``difference_bound`` instead, where it is the multiplier's starting value. On Adult
        (4,000 training rows, 3 seeds), 3 lowers the parity gap of a logistic regression on
        the codes from 0.16 to 0.08 and the ROC AUC of a probe reading sex from 0.79 to 0.64,
        at 0.7 points of accuracy; 10 reaches 0.036 and 0.59 at 1.7 points. The same weight
        does less on more rows: on Adult's 30,162 training rows, 3 leaves a gap of 0.12 (probe
        0.72) at the raw features' accuracy, where ``difference_bound=0.05`` reaches 0.047
        (probe 0.66, 5 seeds). On small tables whose label depends on the sensitive attribute,
        3 can already leave the majority class.
    difference_bound : float, default=None
        A fairness budget instead of a weight: the largest demographic parity difference
        (``criterion="demographic_parity"``) or equalized odds difference
        (``"equalized_odds"``), as fairlearn measures them, that the code's label head and a
        logistic regression refitted on the codes each epoch may have on held-out rows (a
        fifth unless ``validation_fraction`` says otherwise). :math:`\lambda` then becomes a
        Lagrange multiplier, raised while the larger held-out difference exceeds the bound by a
        noise scale :math:`\sigma` or more, lowered while it is under it by as much; of the epochs
        whose difference plus a margin for noise (:math:`\sigma`, at most half the bound) is
        within the bound, the one whose label head has the best held-out log-likelihood is
        kept; :math:`\sigma = \sqrt{p(1 - p)/n}` at the majority rate :math:`p` of the
        :math:`n` held-out rows (our formulation, after Agarwal et al. 2018; see
        :class:`~sklatent.training.HeldOutBound`). Needs class labels ``y`` and
        ``target_weight > 0``. The difference reached and the weight it took are
        ``difference_`` and ``independence_weight_``; a bound not met warns, as does one that
        the held-out groups are too small to check (a difference's standard error there above
        half the bound: about 0.07 for 200 rows). Other classifiers' differences are close.
    beta : float, default=0.1
        :math:`\beta`, the weight of the KL (compression) term.
    target_weight : float, default=1.0
        :math:`\gamma`, how much the code must predict ``y`` when ``y`` is given, relative to
        the features' reconstruction (1: as much as all the features together); 0 ignores
        ``y`` (an unsupervised code).
    n_bins : int, default=4
        Quantile bins of a continuous sensitive feature.
    critic_hidden_layer_sizes : tuple of int, default=(64,)
        Hidden layers of the adversary or critic (``dependence_measure="adversarial"``
        or ``"permutation"``).
    critic_lr : float, default=None
        The adversary's or critic's learning rate (``lr`` when None).
    critic_steps : int, default=1
        Adversary updates per encoder update.
    decoder_variance : "learned", "calibrated", "learned_per_sample" or float, default=1.0
        Variance of the features' Gaussian decoder, as in :class:`~sklatent.BetaVAE`. Fixed at
        1 by default, the scale of standardised and one-hot columns: a learned variance shrinks
        on columns the code predicts exactly, rewarding a code that keeps every detail of the
        one-hot columns, from which a probe reads the sensitive attribute back (Adult, ``beta=1,
        target_weight=0.05, independence_weight=0.1``, a 64-unit label head: probe AUC 0.81,
        parity gap 0.077, accuracy 0.84 learned; 0.60, 0.008, 0.80 with 1).
    hidden_layer_sizes, activation : see BetaVAE
        Of the encoder and the features' decoder (the label head is linear); ``(64,)`` here.
    max_epochs, batch_size, lr, device, accelerator, random_state, verbose, callbacks : see BetaVAE
        The shared training parameters, as in :class:`~sklatent.BetaVAE`. The kernel
        estimators compare groups within a batch: keep ``batch_size`` in the hundreds.
    validation_fraction, early_stopping, n_iter_no_change, tol : see BetaVAE
        As in :class:`~sklatent.BetaVAE`, but the epoch kept is the best by the held-out loss
        without the penalty (``valid_unpenalised_loss``), blind to the parity it reached.
    independence : str, default="deprecated"
        The former name of ``dependence_measure``: set, it is used with a ``FutureWarning``.

        .. deprecated:: 0.1
            Use ``dependence_measure``; ``independence`` will be removed in 0.2.

    Attributes
    ----------
    sensitive_groups_ : ndarray of str
        The groups seen in fit (several columns joined by ``"|"``).
    difference_ : float
        With ``difference_bound``: the larger held-out fairness difference of the label head
        and the refitted logistic regression at the kept epoch (bounded with a noise margin).
    independence_weight_ : float
        With ``difference_bound``: the independence weight the kept epoch was trained with.
    categories_ : dict
        ``{"y": classes}`` when ``y`` held class labels.
    net_ : skorch.NeuralNet
        The trained net.
    history_ : skorch.History
        Per-epoch terms, ``train_`` and ``valid_``: ``reconstruction_x``, ``reconstruction_y``,
        ``kl``, ``independence``, ``unpenalised_loss`` (adversary: ``train_critic_cross_entropy``).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of str of shape (``n_features_in_``,)
        Names of the features seen during fit, when ``X`` has column names.
    n_iter_, views_, structure_, decoder_mask_, encoder_mask_, structure_scores_
        Epochs run; the preset's views and structure, as in :class:`~sklatent.StructuredVAE`.
    block_names_, block_sizes_
        The latent blocks, as in :class:`~sklatent.StructuredVAE`.

    See Also
    --------
    sklatent.metrics.sensitive_leakage : How well a non-linear probe reads :math:`s` from codes.
    sklatent.plotting.TradeoffDisplay : Utility against leakage or parity over a grid search.

    Examples
    --------
    >>> import numpy as np
    >>> from sklatent import FairEncoder
    >>> rng = np.random.RandomState(0)
    >>> s = rng.randint(0, 2, 500)
    >>> X = np.c_[rng.normal(size=(500, 3)), s + 0.1 * rng.normal(size=500)]  # a proxy of s
    >>> y = (X[:, 0] > 0).astype(int)
    >>> enc = FairEncoder(n_components=2, max_epochs=20, random_state=0)
    >>> enc.fit(X, y, sensitive_features=s).transform(X).shape
    (500, 2)
    >>> list(enc.get_feature_names_out())
    ['fairencoder0', 'fairencoder1']
    """

    # Its penalty compares groups within each batch: batches of at least 64 rows.
    _min_auto_batch_size = 64
    _parameter_constraints = {
        **inherited_constraints(FIXED_STRUCTURE),
        "sensitive_feature_ids": ["array-like", str, Integral, None],
        "criterion": [StrOptions({"demographic_parity", "equalized_odds"})],
        "dependence_measure": [StrOptions(set(ESTIMATORS))],
        "independence": former_name_constraint([StrOptions(set(ESTIMATORS))]),
        "independence_weight": [Interval(Real, 0, None, closed="left")],
        "difference_bound": [Interval(Real, 0, 1, closed="neither"), None],
        "target_weight": [Interval(Real, 0, None, closed="left")],
        "n_bins": [Interval(Integral, 2, None, closed="left")],
        **CRITIC_PARAMETER_CONSTRAINTS,
    }

    _renamed_parameters = {"independence": "dependence_measure"}

    _persisted_state = (*StructuredVAE._persisted_state, "_n_groups", "_n_strata")
    _persisted_state += ("_group_log_prior", "_sensitive_edges")

    def __init__(
        self,
        n_components=8,
        *,
        sensitive_feature_ids=None,
        criterion="demographic_parity",
        dependence_measure="mmd",
        independence_weight=3.0,
        difference_bound=None,
        beta=0.1,
        target_weight=1.0,
        n_bins=4,
        critic_hidden_layer_sizes=(64,),
        critic_lr=None,
        critic_steps=1,
        decoder_variance=1.0,
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
        independence="deprecated",
    ):
        self.n_components = n_components
        self.sensitive_feature_ids = sensitive_feature_ids
        self.criterion = criterion
        self.dependence_measure = dependence_measure
        self.independence_weight = independence_weight
        self.difference_bound = difference_bound
        self.beta = beta
        self.target_weight = target_weight
        self.n_bins = n_bins
        self.critic_hidden_layer_sizes = critic_hidden_layer_sizes
        self.critic_lr = critic_lr
        self.critic_steps = critic_steps
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
        self.independence = independence

    # ---- structure ---------------------------------------------------------------------------
    def _build_views(self, sensitive_columns, y_view):
        """The features' view (decoded from the code and the groups) and the label's view."""
        features = [c for c in range(self.n_features_in_) if c not in set(sensitive_columns)]
        # x is generated from (z, s): the code need not carry s to explain the features.
        views = [view_spec("x", features, conditions=["s"])]
        if y_view is not None:
            views.append(y_view)
        self.views_ = views
        self.block_names_, self.block_sizes_ = [_BLOCK], [self.n_components]
        self._learned = {"decoder": False, "encoder": False}
        self._masks_for_module = one_block_masks(views, _BLOCK)

    # ---- module, objective, net --------------------------------------------------------------
    def _module_kwargs(self):
        return super()._module_kwargs() | {"condition_widths": {"s": self._n_groups}}

    def _penalised_fit(self):
        return self.independence_weight > 0 and self._n_groups > 1

    def _make_objective(self):
        return FairObjective(
            n_groups=self._n_groups,
            **self._decoded_views(),
            beta=self.beta,
            target_weight=self.target_weight,
            independence_weight=self.independence_weight,
            dependence_measure=self._dependence_measure,
            n_strata=self._n_strata,
            group_log_prior=torch.as_tensor(self._group_log_prior),
        )

    @property
    def _net_class(self):
        return AdversarialNet if self._dependence_measure in CRITIC_ESTIMATORS else LatentNet

    def _net_kwargs(self):
        if self._dependence_measure not in CRITIC_ESTIMATORS:
            return {}
        critic = dependence_critic(
            self._dependence_measure,
            n_components=self.n_components,
            n_groups=self._n_groups,
            n_strata=self._n_strata,
            hidden_layer_sizes=self.critic_hidden_layer_sizes,
            activation=self.activation,
        )
        return critic_net_kwargs(self, critic)

    # ---- public API --------------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, *, sensitive_features=None):
        """Fit the encoder so that its codes explain ``X`` (and ``y``) but not the groups.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data (one-hot encode and scale it first, e.g. with a
            :class:`~sklearn.compose.ColumnTransformer`).
        y : array-like of shape (n_samples,), default=None
            The label the code should predict (weight ``target_weight``); required with
            ``criterion="equalized_odds"``.
        sensitive_features : array-like of shape (n_samples,) or (n_samples, n_sensitive)
            The sensitive attribute(s) of each row, when not columns of ``X`` (see
            ``sensitive_feature_ids``). Without either, a warning is raised and the encoder is
            unconstrained.

        Returns
        -------
        self : FairEncoder
            The fitted estimator.
        """
        return self._fit(X, y, sensitive_features=sensitive_features)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None, *, sensitive_features=None, classes=None):
        """Train one epoch on a chunk of the training rows, continuing earlier calls.

        scikit-learn's incremental convention (as :class:`~sklearn.linear_model.SGDClassifier`):
        call it once per chunk, as many passes over the chunks as wanted; the optimiser's state
        is kept between calls. What needs the whole table is fixed by the first call: the
        features, the sensitive groups (every group must appear in the first chunk, and later
        chunks may hold no other; a continuous attribute's bins are cut at the first chunk's
        quantiles), the classes of ``y`` (pass ``classes`` when the first chunk may lack one)
        and the automatic ``batch_size``. ``max_epochs``, early stopping and
        ``difference_bound`` do not apply: there are no held-out rows. It works with
        ``dask_ml.wrappers.Incremental`` on a Dask array or DataFrame.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A chunk of training data.
        y : array-like of shape (n_samples,), default=None
            The label of each row of the chunk (as in :meth:`fit`).
        sensitive_features : array-like of shape (n_samples,) or (n_samples, n_sensitive)
            The sensitive attribute(s) of each row of the chunk (as in :meth:`fit`).
        classes : array-like of shape (n_classes,), default=None
            Every class of ``y``, fixed by the first call (None: the first chunk's; a later
            call that declares others raises).

        Returns
        -------
        self : FairEncoder
            The estimator, trained one more epoch.

        Examples
        --------
        >>> import numpy as np
        >>> from sklatent import FairEncoder
        >>> rng = np.random.RandomState(0)
        >>> X, s = rng.normal(size=(400, 5)), rng.randint(0, 2, 400)
        >>> y = (X[:, 0] > 0).astype(int)
        >>> encoder = FairEncoder(n_components=2, random_state=0)
        >>> for rows in np.array_split(np.arange(400), 4):
        ...     _ = encoder.partial_fit(X[rows], y[rows], sensitive_features=s[rows])
        >>> encoder.n_iter_, encoder.sensitive_groups_.tolist()
        (4, ['0', '1'])
        """
        if self.difference_bound is not None:
            raise ValueError(
                "difference_bound is met on rows held out of fit; partial_fit trains on every "
                "row it gets. Use fit, or set independence_weight instead."
            )
        return self._partial_fit(X, y, sensitive_features=sensitive_features, classes=classes)
