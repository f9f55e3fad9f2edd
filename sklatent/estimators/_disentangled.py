"""DisentangledEncoder: one latent subspace per attribute, robust to correlation shift."""

import itertools
from numbers import Integral, Real

import numpy as np

from ..modules import PermutationCritics
from ..objectives import DisentangledObjective
from ..training import AdversarialNet, Anneal, LatentNet
from ..utils._sklearn_compat import Interval, StrOptions, _fit_context
from ..utils._validation import check_hidden_layer_sizes
from ._critics import CRITIC_PARAMETER_CONSTRAINTS, critic_net_kwargs
from ._disentangled_readouts import DisentangledReadoutsMixin
from ._disentangled_rows import DisentangledTrainingRows
from ._renamed import current_value, former_name_constraint
from ._structured import StructuredVAE
from ._table_preset import FIXED_STRUCTURE, TablePreset, inherited_constraints


class DisentangledEncoder(DisentangledReadoutsMixin, DisentangledTrainingRows, TablePreset):
    r"""One latent subspace per attribute, kept apart given the attributes (Funke et al. 2022).

    Each attribute :math:`s_k` (a column of ``y``) gets its own subspace :math:`z_k` of the code
    and a readout that predicts it from :math:`z_k` alone. With correlated attributes, a readout
    can cheat by reading :math:`s_k` off another attribute's subspace, and that breaks when the
    correlation changes. Funke et al. (2022) penalise the conditional mutual information
    :math:`I(z_k; z_{-k} \mid s_k)`: given the attribute's value, its subspace must tell nothing
    about the rest, which still allows the subspaces to be correlated exactly as much as the
    attributes are. (Penalising :math:`I(z_k; z_{-k})` instead, ``"unconditional"``, fights
    the attributes' own correlation and costs accuracy even in distribution.)

    .. math::

        \mathcal L = \sum_k \mathbb E\big[-\log p(s_k \mid z_k)\big]
                     + \lambda \sum_k \widehat I\big(z_k; z_{-k} \mid s_k\big)
                     + \big[\mathbb E_q(-\log p(x \mid z)) + \beta\, \mathrm{KL}\big]_{\beta > 0}

    The dependence is estimated from fake rows where :math:`z_{-k}` is permuted among the rows
    with the same value of :math:`s_k`, by a discriminator per attribute (the paper's adversary,
    trained on detached codes through :class:`~sklatent.training.AdversarialNet`) or by the
    MMD between real and permuted rows (no adversary). A preset of :class:`StructuredVAE`: the
    attributes are views generated from their blocks only.

    Parameters
    ----------
    subspace_sizes : int or list of int, default=2
        Size of each attribute's subspace (one size for all, or one per attribute).
    n_free : int, default=0
        Size of a free subspace for unlabelled variation (only the features' decoder reads it;
        used when ``beta > 0``).
    attribute_types : str, list or dict, default=None
        ``"categorical"`` or ``"continuous"`` per attribute (dict by name, list by position, or
        one string for all); None infers: floats that are not whole numbers are continuous
        (whole numbers of more than 20 values, read as classes, warn). A continuous attribute
        is standardised for its readout; ``predict`` returns it in the unit of ``y``.
    independence : {"conditional", "unconditional", "none"}, default="conditional"
        The penalty: :math:`I(z_k; z_{-k} \mid s_k)`, :math:`I(z_k; z_{-k})` (the MI baseline),
        or none (readouts only). A code of one subspace (one attribute, ``n_free=0``) has no
        :math:`z_{-k}`: it is fitted without a penalty.
    dependence_measure : {"permutation", "mmd"}, default="permutation"
        The estimator of the dependence: a discriminator per attribute that tells real rows
        from permuted ones (the paper's adversary; ``"permutation"`` in :class:`FairEncoder`
        too), or the MMD between real and permuted rows.
    independence_weight : float, default=1.0
        :math:`\lambda`, the weight of the independence penalty (the name it has in
        :class:`FairEncoder`, whose penalty is estimated by the same ``dependence_measure``).
    warmup_epochs : int, default=None
        Epochs of readouts alone before the penalty applies (discriminators train from the
        start). None: 10 for ``dependence_measure="mmd"``, which is exact from the first step
        and can otherwise hold a subspace near a constant before its readout has learned; 0 for
        the adversary, whose penalty grows as its discriminators learn (a long warm-up lets
        readouts with few labels settle on the shortcut). See :ref:`disentangled_encoder`.
    n_bins : int, default=10
        Quantile bins of a continuous attribute, to condition on.
    beta : float, default=0.0
        Weight of the KL term of the optional reconstruction of ``X`` (both per feature column,
        next to the readouts' cross-entropies per row); 0 leaves the features' decoder out and
        makes the code deterministic: the readouts train on the posterior mean
        (on draws from an unpenalised posterior they learn attenuated maps).
    critic_hidden_layer_sizes : tuple of int, default=(50, 50)
        Hidden layers of each discriminator (the paper's).
    critic_lr : float, default=None
        The discriminators' learning rate (``lr`` when None).
    critic_steps : int, default=1
        Discriminator updates per encoder update.
    decoder_variance : str or float, default=1.0
        Variance of the Gaussian decoders; the options of :class:`~sklatent.StructuredVAE`
        (whose default is ``"auto"``).
    hidden_layer_sizes, activation : see StructuredVAE
        Architecture of the encoder and decoders.
    max_epochs, batch_size, lr, device, accelerator, random_state, verbose, callbacks : see BetaVAE
        The shared training parameters. Conditional permutations need at least two rows per
        attribute value in a batch (groups of one are skipped): keep batches in the hundreds.
    validation_fraction, early_stopping, n_iter_no_change, tol : see BetaVAE
        Validation split and early stopping.
    critic : {"adversarial", "mmd"}, default="deprecated"
        The former name of ``dependence_measure`` (``"adversarial"`` is now
        ``"permutation"``): set, it is used with a ``FutureWarning``.

        .. deprecated:: 0.1
            Use ``dependence_measure``; ``critic`` will be removed in 0.2.

    cmi_weight : float, default="deprecated"
        The former name of ``independence_weight``: set, it is used with a ``FutureWarning``.

        .. deprecated:: 0.1
            Use ``independence_weight``; ``cmi_weight`` will be removed in 0.2.

    Attributes
    ----------
    attributes_ : list of str
        The attributes' names (a DataFrame's columns, else ``attr0``, ``attr1``...).
    attribute_types_ : dict
        ``"categorical"`` or ``"continuous"`` per attribute.
    categories_ : dict
        The values of each categorical attribute.
    classes_ : ndarray or list of ndarray
        The classes of the categorical attributes, in the order of ``attributes_`` (as
        :meth:`predict_proba` returns their probabilities); with a 1-D ``y`` of one categorical
        attribute, its classes alone.
    net_ : skorch.NeuralNet
        The trained net.
    history_ : skorch.History
        Per-epoch readout terms (``train_reconstruction_<attribute>``), the penalty
        (``train_independence``) and, for the adversary, ``train_critic_cross_entropy``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of str of shape (``n_features_in_``,)
        Names of the features seen during fit, when ``X`` has string column names.
    n_iter_, views_, structure_, decoder_mask_, encoder_mask_, structure_scores_
        Epochs run; the preset's views and structure, as in :class:`~sklatent.StructuredVAE`.
    block_names_, block_sizes_
        The latent blocks, as in :class:`~sklatent.StructuredVAE`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklatent import DisentangledEncoder
    >>> rng = np.random.RandomState(0)
    >>> y = rng.randint(0, 2, size=(400, 2))
    >>> X = np.hstack([y, rng.normal(size=(400, 3))]) + 0.1 * rng.normal(size=(400, 5))
    >>> enc = DisentangledEncoder(subspace_sizes=2, max_epochs=10, random_state=0).fit(X, y)
    >>> list(enc.get_feature_names_out())
    ['attr0_0', 'attr0_1', 'attr1_0', 'attr1_1']
    >>> enc.predict(X[:2]).shape
    (2, 2)
    """

    # Its penalty compares groups within each batch: batches of at least 64 rows.
    _min_auto_batch_size = 64
    _decoder_of_X = "beta > 0"
    _parameter_constraints = {
        **inherited_constraints(FIXED_STRUCTURE | {"n_components"}),
        "subspace_sizes": [Interval(Integral, 1, None, closed="left"), list, tuple],
        "n_free": [Interval(Integral, 0, None, closed="left")],
        "attribute_types": [str, list, tuple, dict, None],
        "independence": [StrOptions({"conditional", "unconditional", "none"})],
        "dependence_measure": [StrOptions({"permutation", "mmd"})],
        "critic": former_name_constraint([StrOptions({"adversarial", "mmd"})]),
        "cmi_weight": former_name_constraint([Interval(Real, 0, None, closed="left")]),
        "independence_weight": [Interval(Real, 0, None, closed="left")],
        "warmup_epochs": [Interval(Integral, 0, None, closed="left"), None],
        "n_bins": [Interval(Integral, 2, None, closed="left")],
        **CRITIC_PARAMETER_CONSTRAINTS,
    }

    _renamed_parameters = {"critic": "dependence_measure", "cmi_weight": "independence_weight"}
    # The former critic="adversarial" named the permutation discriminators.
    _renamed_values = {"critic": {"adversarial": "permutation"}}
    _persisted_state = (
        *StructuredVAE._persisted_state,
        "_edges",
        "_attribute_scales",
        "_n_strata",
        "_single_output",
    )

    def __init__(
        self,
        subspace_sizes=2,
        *,
        n_free=0,
        attribute_types=None,
        independence="conditional",
        dependence_measure="permutation",
        independence_weight=1.0,
        warmup_epochs=None,
        n_bins=10,
        beta=0.0,
        critic_hidden_layer_sizes=(50, 50),
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
        critic="deprecated",
        cmi_weight="deprecated",
    ):
        self.subspace_sizes = subspace_sizes
        self.n_free = n_free
        self.attribute_types = attribute_types
        self.independence = independence
        self.dependence_measure = dependence_measure
        self.independence_weight = independence_weight
        self.warmup_epochs = warmup_epochs
        self.n_bins = n_bins
        self.beta = beta
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
        self.critic = critic
        self.cmi_weight = cmi_weight

    # ---- structure ---------------------------------------------------------------------------
    @property
    def _subspaces(self):
        bounds = np.cumsum([0, *self.block_sizes_])
        return [slice(int(a), int(b)) for a, b in itertools.pairwise(bounds)]

    # ---- module, objective, net --------------------------------------------------------------
    def _make_objective(self):
        n_attributes = len(self.attributes_)
        return DisentangledObjective(
            subspaces=self._subspaces[:n_attributes],
            n_strata=self._n_strata,
            **self._decoded_views(),
            independence=self.independence if self._measures_dependence else "none",
            dependence_measure=self._dependence_measure,
            beta=self.beta,
            independence_weight=current_value(self, "independence_weight"),
        )

    def _penalised_fit(self):
        return current_value(self, "independence_weight") > 0 and self._measures_dependence

    @property
    def _measures_dependence(self):
        # One subspace and nothing else: z_-k is empty, and a discriminator shown the same rows
        # as real and as permuted would still push the codes about (its logits are not 0.5).
        return self.independence != "none" and len(self.block_sizes_) > 1

    def _objective_callbacks(self, budget):
        epochs = self.warmup_epochs
        if epochs is None:
            epochs = 10 if self._dependence_measure == "mmd" else 0
        return [Anneal(epochs)]

    @property
    def _sample_codes(self):
        # Without the features' decoder the readouts train on the posterior mean: nothing
        # penalises the posterior's variance, and readouts trained on its draws learn
        # attenuated maps (see beta).
        return self.beta > 0

    @property
    def _uses_critic(self):
        return self._measures_dependence and self._dependence_measure == "permutation"

    @property
    def _net_class(self):
        return AdversarialNet if self._uses_critic else LatentNet

    def _net_kwargs(self):
        if not self._uses_critic:
            return {}
        width = sum(self.block_sizes_)
        conditional = self.independence == "conditional"
        widths = [width + (n if conditional else 0) for n in self._n_strata]
        sizes = self.critic_hidden_layer_sizes
        hidden = check_hidden_layer_sizes(sizes, "critic_hidden_layer_sizes")
        return critic_net_kwargs(self, PermutationCritics(widths, hidden, self.activation))

    # ---- fitting -----------------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit the subspaces, their readouts and (with a penalty) the discriminators.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like or DataFrame of shape (n_samples, n_attributes)
            One column per attribute, named by a DataFrame's columns or a Series' name (not
            ``"x"``, or ``"free"`` with ``n_free``). Missing labels: ``-1`` (which warns) or
            NaN for a categorical attribute, NaN for a continuous one; such rows drop out of
            that attribute's readout and penalty.

        Returns
        -------
        self : DisentangledEncoder
            The fitted estimator.
        """
        return self._fit(X, y)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, *, classes=None):
        """Train one epoch on a chunk of the training rows, continuing earlier calls.

        scikit-learn's incremental convention: call it once per chunk; the optimiser's state is
        kept between calls. The first call fixes the features, the attributes (names, kinds,
        classes: pass ``classes`` when the first chunk may lack one; a continuous one's bins,
        mean and standard deviation from the first chunk: let it hold a fair sample) and the
        automatic ``batch_size``; ``max_epochs`` and early stopping do not apply. Each call is
        one epoch of the penalty's warm-up.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A chunk of training data.
        y : array-like or DataFrame of shape (n_samples, n_attributes)
            The chunk's attributes, as in :meth:`fit`.
        classes : dict of {str: array-like}, default=None
            Every class of some categorical attributes, by attribute name, when the first
            chunk may lack one; the other attributes' classes are those of the first chunk.
            Fixed by the first call: a later call may repeat them, and one that declares
            others raises.

        Returns
        -------
        self : DisentangledEncoder
            The estimator, trained one more epoch.
        """
        return self._partial_fit(X, y, classes=classes)

    def get_feature_names_out(self, input_features=None):
        """Names of the code's columns: ``<attribute>_0``... (``free_0``... last).

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Checked against the features seen in fit, as scikit-learn's transformers do; the
            names of the code do not depend on them.

        Returns
        -------
        feature_names_out : ndarray of str
        """
        return super().get_feature_names_out(input_features)

    @staticmethod
    def _dimension_names(block, size):
        # An attribute's name may end in a digit: always a separator.
        return [f"{block}_{i}" for i in range(size)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.target_tags.multi_output = True  # one attribute per column of y
        return tags
