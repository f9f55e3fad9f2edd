"""StructuredVAE: latent blocks and views linked by mask variables (Zhang et al. 2020)."""

from numbers import Integral, Real

import numpy as np
import pandas as pd
import torch

from .._batch import PRESENT
from ..modules import ACTIVATIONS, StructuredModule
from ..objectives import StructuredObjective
from ..utils._sklearn_compat import Interval, StrOptions, _fit_context
from ._base import _SHARED_PARAMETER_CONSTRAINTS, LatentTransformer
from ._renamed import check_former_names
from ._structured_codes import StructuredCodesMixin
from ._structured_layout import StructuredLayoutMixin
from ._structured_restarts import StructuredRestartsMixin
from ._structured_scoring import StructuredScoringMixin
from ._structured_spec import informing_views
from ._structured_tensors import (
    check_conditions_observed,
    condition_tensors,
    condition_widths,
    view_tensors,
)
from ._vae_base import FIXED_DECODER_VARIANCE

_MASK = [dict, pd.DataFrame, StrOptions({"learn"}), None]
_GATE_LR_FACTOR = 30.0


class StructuredVAE(
    StructuredScoringMixin,
    StructuredCodesMixin,
    StructuredLayoutMixin,
    StructuredRestartsMixin,
    LatentTransformer,
):
    r"""Latent blocks linked to views by mask variables (our formulation of Zhang et al. 2020).

    Views :math:`X_1..X_V` (column groups of ``X``, each with its likelihood) and latent blocks
    :math:`Z_1..Z_K` with priors :math:`N(0, I)`. The decoder mask :math:`A` says which blocks
    generate which view, :math:`p(x_v \mid z \odot A_v)`; the encoder mask :math:`B` says which
    views inform which block: the posterior of block :math:`k` is the weighted product of
    Gaussian experts

    .. math:: q(z_k \mid x) \propto p(z_k) \prod_v q_v(z_k \mid x_v)^{B_{kv}},

    in closed form (precisions add), so a view missing in a row (NaN in its columns) simply drops
    out of the product and of the reconstruction term.
    The loss is the multivariate information bottleneck

    .. math::

        \mathcal L = \sum_v \mathbb E_q\big[-\log p(x_v \mid z \odot A_v)\big]
                     + \beta \sum_k \mathrm{KL}\big(q(z_k \mid x) \,\|\, p(z_k)\big)
                     + \lambda \sum \sigma(\text{gate logits}).

    With ``"learn"``, a mask is a set of relaxed Bernoulli gates (temperature ``temperature``)
    pushed towards sparsity by ``sparsity`` :math:`\lambda`; the learned graph is read by
    thresholding the gate probabilities at 0.5. Zhang, Koyama & Ishiguro (2020) published no
    code: the experts, gates and penalties here are our formulation of their abstract.

    A view may also be decoded from its parent blocks *and* the observed values of other views,
    :math:`p(x_v \mid z \odot A_v, x_c)` (its ``conditions``), be generated but never read by
    the posterior (``expert=False``), or be read but never generated (``decoder=False``).

    Special cases: one view and one block is a VAE (``beta`` = 1) or beta-VAE; every view
    informing a shared block is the product-of-experts multimodal VAE; each view decoding from
    [shared, its private block] is :class:`MultiViewEncoder`'s shared/private model; a view
    ``x`` conditioned on a view ``c`` without decoder is the conditional VAE
    :math:`p(x \mid z, c)`. The user guide has the table (:ref:`structured_vae`).

    Parameters
    ----------
    views : dict, default=None
        View name -> its columns of ``X`` (indices, names, a slice), or -> a dict with keys

        - ``"columns"`` (required);
        - ``"likelihood"``: ``"gaussian"`` (default), ``"bernoulli"`` or ``"categorical"``
          (one column of labels);
        - ``"conditions"``: names of other views whose observed values the view's decoder
          reads beside the latents (a categorical one as one-hot labels). In ``fit`` they
          must be observed wherever the view is;
        - ``"expert"`` (default True): False for a view that informs no block, only generated;
        - ``"decoder"`` (default True): False for a view that is read (or only conditions
          others) but never generated; it must have no parent block in ``decoder_mask``.

        None: one Gaussian view ``"X"`` of every column.
    latent_blocks : dict, default=None
        Block name -> size. None: one block ``"z"`` of ``n_components``.
    decoder_mask : dict, DataFrame, "learn" or None, default=None
        Which blocks generate which view: a dict view -> parent blocks, a boolean DataFrame
        (blocks x views), ``"learn"``, or None (every block generates every view).
    encoder_mask : dict, DataFrame, "learn" or None, default=None
        Which views inform which block: a dict block -> views, a boolean DataFrame (blocks x
        views), ``"learn"``, or None (every view informs every block).
    n_components : int, default=8
        Size of the single block when ``latent_blocks`` is None.
    beta : float, default=1.0
        Weight of the KL (compression) terms.
    sparsity : float, default=0.1
        Weight of the expected number of open gates (learned masks only), in nats per row.
    temperature : float, default=2.0
        Temperature of the relaxed Bernoulli gates. Gates settle in the first epochs, before
        the networks have learned much; a high temperature keeps them soft while they do.
    n_init : int or "auto", default="auto"
        Number of fits from different seeds; the one with the lowest held-out loss (on
        ``validation_fraction`` of the rows, 0.2 when None) is kept, like
        :class:`~sklearn.cluster.KMeans`' ``n_init``. ``"auto"``: when a mask is learned (the
        learned graph depends on the start), a race of 10 restarts: each trains a quarter of
        its epochs, the 3 with the lowest held-out loss train the rest (about 4.75 fits' time);
        else 1.
    view_dropout : float in [0, 1), default=0.0
        In training, the probability of hiding each observed view from the posterior (one view
        stays per row) while still reconstructing it: codes degrade less when views are missing
        at transform time.
    decoder_variance : str or float, default="auto"
        As in :class:`~sklatent.BetaVAE` (calibrated: one variance per view). ``"auto"``:
        calibrated for a lone view (a table), learned for several (the user guide says why).
    hidden_layer_sizes, activation : see BetaVAE
        Architecture of every expert and decoder; the hidden layers default to ``(64,)`` here.
    max_epochs, batch_size, lr, device, accelerator, random_state, verbose, callbacks : see BetaVAE
        The shared training parameters, as in :class:`~sklatent.BetaVAE`.
    validation_fraction, early_stopping, n_iter_no_change, tol : see BetaVAE
        Validation split and early stopping, as in :class:`~sklatent.BetaVAE`.

    Attributes
    ----------
    views_ : list of dict
        The parsed views: ``name``, ``columns``, ``likelihood``, ``conditions``, ``expert``,
        ``decoder`` and ``n_features`` (the view's width).
    structure_ : pandas.DataFrame
        Decoder gate probabilities (blocks x views); the fixed mask when not learned.
    decoder_mask_, encoder_mask_ : pandas.DataFrame
        The masks used (blocks x views, boolean): thresholded gates when learned.
    structure_scores_ : pandas.DataFrame
        How sure the learned decoder mask is (blocks x views, in [0, 1]): the share of the
        restarts whose learned mask has each edge (of a race, those that did not finish as
        they were when it was decided), after matching each restart's blocks of equal size to
        the kept restart's (the matching that agrees on most edges). A value below 1 marks an
        edge the restarts disagree on. With one restart, or a fixed mask, it is
        ``decoder_mask_`` as 0 and 1.
    categories_ : dict
        The labels of each categorical view.
    block_names_ : list of str
        The latent blocks, in the order of the codes' columns.
    block_sizes_ : list of int
        The number of code columns of each block.
    restart_losses_ : ndarray of shape (n_restarts,)
        The held-out loss of each restart, when there were several; the lowest was kept (of
        a race, among the restarts that finished; the others' losses are their race's).
    net_ : skorch.NeuralNet
        The trained net.
    history_ : skorch.History
        Per-epoch ``train_reconstruction`` (and per view), ``train_kl`` and ``train_gates``.
    n_features_in_ : int
        Number of features seen during fit.
    n_iter_ : int
        Epochs run (by the kept restart).
    feature_names_in_ : ndarray of str of shape (``n_features_in_``,)
        Names of the features seen during fit, when ``X`` has string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from sklatent import StructuredVAE
    >>> X = np.random.RandomState(0).normal(size=(200, 6))
    >>> model = StructuredVAE(views={"a": [0, 1, 2], "b": [3, 4, 5]},
    ...                       latent_blocks={"shared": 2, "private_a": 1},
    ...                       decoder_mask={"a": ["shared", "private_a"], "b": ["shared"]},
    ...                       max_epochs=3, random_state=0).fit(X)
    >>> list(model.get_feature_names_out())
    ['shared0', 'shared1', 'private_a_0']
    """

    _parameter_constraints = {
        **_SHARED_PARAMETER_CONSTRAINTS,
        "views": [dict, None],
        "latent_blocks": [dict, None],
        "decoder_mask": _MASK,
        "encoder_mask": _MASK,
        "beta": [Interval(Real, 0, None, closed="left")],
        "sparsity": [Interval(Real, 0, None, closed="left")],
        "temperature": [Interval(Real, 0, None, closed="neither")],
        "n_init": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "view_dropout": [Interval(Real, 0, 1, closed="left")],
        "decoder_variance": [
            StrOptions({"auto", "calibrated", "learned", "learned_per_sample"}),
            FIXED_DECODER_VARIANCE,
        ],
        "activation": [StrOptions(set(ACTIVATIONS))],
    }

    _persisted_state = ("_masks_for_module", "_learned")
    # Former parameter names, {old: new} (see _renamed.py).
    _renamed_parameters = {}

    def __init__(
        self,
        views=None,
        latent_blocks=None,
        *,
        decoder_mask=None,
        encoder_mask=None,
        n_components=8,
        beta=1.0,
        sparsity=0.1,
        temperature=2.0,
        n_init="auto",
        view_dropout=0.0,
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
        self.views = views
        self.latent_blocks = latent_blocks
        self.decoder_mask = decoder_mask
        self.encoder_mask = encoder_mask
        self.n_components = n_components
        self.beta = beta
        self.sparsity = sparsity
        self.temperature = temperature
        self.n_init = n_init
        self.view_dropout = view_dropout
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

    def _make_module(self):
        masks = self._masks_for_module
        # A view saved before "decoder_hidden_layer_sizes" existed: None, the model's layers.
        specs = [
            {"decoder_hidden_layer_sizes": None, **view}
            | {"n_categories": len(self.categories_.get(view["name"], ()))}
            for view in self.views_
        ]
        return StructuredModule(
            specs,
            self.block_sizes_,
            torch.tensor(masks["decoder"].to_numpy(dtype=np.float32)),
            torch.tensor(masks["encoder"].to_numpy(dtype=np.float32)),
            learn_decoder=self._learned["decoder"],
            learn_encoder=self._learned["encoder"],
            hidden_layer_sizes=self._hidden_layer_sizes,
            activation=self.activation,
            decoder_variance=self._decoder_variance(),
            sample=self._sample_codes,
            **self._module_kwargs(),
        )

    # Decoders train on posterior draws (presets may train on the mean: StructuredModule).
    _sample_codes = True

    def _module_kwargs(self):
        """Arguments of the module beyond the views and blocks: the gates' temperature, the view
        dropout and the widths of the views that condition decoders."""
        # The temperature shapes the relaxed samples of learned gates only.
        learned = any(self._learned.values())
        return {
            "temperature": self.temperature if learned else 1.0,
            "view_dropout": self.view_dropout,
            "condition_widths": condition_widths(self.views_, self.categories_),
        }

    def _net_kwargs(self):
        # Gates are a handful of logits that must travel several units; the networks' step size
        # would need thousands of steps, so the gates take larger steps (skorch param groups).
        return {"optimizer__param_groups": [("*_gates.logits", {"lr": self.lr * _GATE_LR_FACTOR})]}

    def _penalised_fit(self):
        # The KL term penalises the code (BetaVAE's ``max_epochs``); presets define their own.
        return self.beta > 0

    def _make_objective(self):
        sparsity = self.sparsity if any(self._learned.values()) else 0.0
        return StructuredObjective(**self._decoded_views(), beta=self.beta, sparsity=sparsity)

    # ---- data --------------------------------------------------------------------------------
    _nan_marks_missing_views = True  # NaN marks a missing view (the table presets refuse NaN)

    def _validate_X(self, X, *, reset):
        finite = "allow-nan" if self._nan_marks_missing_views else True
        return super()._validate_X(X, reset=reset, ensure_all_finite=finite)

    def _view_tensors(self, X, *, fitting):
        if fitting:
            self.categories_ = {}
        return view_tensors(self.views_, self.categories_, X, fitting=fitting)

    # ---- public API --------------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit experts, decoders and (when learned) the masks to the views of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data; a view with NaN in a row (all of its columns, typically) is missing in that
            row.
        y : None
            Ignored.

        Returns
        -------
        self : StructuredVAE
            The fitted estimator.
        """
        return self._fit(X, y)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Train one epoch on ``X``, a chunk of the training rows, continuing earlier calls.

        scikit-learn's incremental convention (as :class:`~sklearn.decomposition.IncrementalPCA`):
        call it once per chunk; the optimiser's state is kept between calls. The first call fixes
        the features, the categories of categorical views and the automatic ``batch_size``. It
        trains one model: ``n_init`` restarts, ``max_epochs`` and early stopping do not apply
        (there are no held-out rows), and learned masks are read after every call.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A chunk of data; a view with NaN in a row is missing in that row.
        y : None
            Ignored.

        Returns
        -------
        self : StructuredVAE
            The estimator, trained one more epoch.
        """
        return self._partial_fit(X, y)

    # ---- the one fit path of the family: presets override its hooks -------------------------
    def _fit(self, X, y, **metadata):
        """Fit on ``X``, ``y`` and a preset's ``metadata`` (the keyword arguments its ``fit``
        names for scikit-learn's routing): every estimator of the family fits here, through
        the hooks that the user guide's "Adding a preset" lists."""
        with self._fitting_anew():
            check_former_names(self)
            tensors = self._training_tensors(X, y, first=True, **metadata)
            self._fit_best_of(tensors, self._n_restarts(), self._n_finishers())
            self._read_fitted()
        return self

    def _partial_fit(self, X, y, **metadata):
        """Train one epoch on a chunk of rows: the hooks of :meth:`_fit`, one net."""
        first = not hasattr(self, "net_")
        with self._unfitted_if_failed(starts_anew=first):
            check_former_names(self)
            self._partial_fit_net(self._training_tensors(X, y, first=first, **metadata))
        return self

    def _training_tensors(self, X, y, *, first):
        """Validate a fit's data and return its tensors (the views' and their conditions');
        ``first`` learns the features, the structure and the categories (else the fitted ones
        encode the rows, as in a later ``partial_fit``)."""
        X = self._validate_X(X, reset=first)
        if first:
            self._masks_for_module = self._parse_structure()
        tensors = self._view_tensors(X, fitting=first)
        conditions, missing = condition_tensors(self.views_, self.categories_, X)
        check_conditions_observed(self.views_, tensors[PRESENT].numpy(), missing)
        return tensors | conditions

    def _read_fitted(self):
        self._read_structure()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # NaN marks a missing view beside others informing the code (presets, without views,
        # refuse it; MultiViewEncoder has no encoder_mask).
        several = informing_views(getattr(self, "views", None), getattr(self, "encoder_mask", None))
        tags.input_tags.allow_nan = self._nan_marks_missing_views and several
        return tags
