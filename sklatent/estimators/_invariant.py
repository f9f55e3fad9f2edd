"""InvariantEncoder: a representation whose predictor of y holds across environments."""

from numbers import Integral, Real

import numpy as np
import torch
from scipy.special import softmax
from sklearn.base import ClassifierMixin

from .._batch import GROUPS
from ..objectives import InvariantObjective
from ..objectives._dependence import CRITIC_ESTIMATORS, ESTIMATORS
from ..objectives._invariant import PENALTIES
from ..training import AdversarialNet, Anneal, LatentNet
from ..utils._sklearn_compat import (
    Interval,
    StrOptions,
    _fit_context,
    check_is_fitted,
)
from ._critics import CRITIC_PARAMETER_CONSTRAINTS, critic_net_kwargs, dependence_critic
from ._invariant_rows import InvariantTrainingRows
from ._renamed import current_value, former_name_constraint
from ._structured import StructuredVAE
from ._table_preset import FIXED_STRUCTURE, TablePreset, inherited_constraints


class InvariantEncoder(ClassifierMixin, InvariantTrainingRows, TablePreset):
    r"""A code of ``X`` and a classifier on it whose risk is the same in every environment.

    The invariant preset of :class:`StructuredVAE`: the label is generated from the code by one
    head shared across environments, :math:`p(y \mid z)`, the features optionally from the code
    (weight ``reconstruction_weight``), and a penalty pushes the head to be optimal in every
    environment at once:

    .. math::

        \mathcal L = \mathbb E\big[-\log p(y \mid z)\big]
                     + \rho\, \mathbb E_q\big[-\log p(x \mid z)\big]
                     + \beta\, \mathrm{KL}\big(q(z \mid x) \,\|\, N(0, I)\big)
                     + \lambda\, \Omega.

    ``penalty="irm"`` is IRMv1 (Arjovsky et al. 2019), the squared gradient of each
    environment's risk with respect to a scale on the logits; ``"rex"`` is the variance of the
    environments' risks (V-REx, Krueger et al. 2021); ``"conditional_independence"`` asks for
    :math:`z \perp e \mid y` (our information-theoretic formulation of the invariant special
    case of Zhang, Koyama & Ishiguro 2020: the label's head then sees the same
    :math:`p(z \mid y)` everywhere), estimated as in :class:`FairEncoder` (``dependence_measure``).
    The penalty has weight 1 for the first ``warmup_epochs`` epochs and ``penalty_weight``
    after (a step), when the loss is divided by ``penalty_weight``, as in the IRM reference
    code (which rescales the loss; DomainBed resets the optimizer instead).

    Like :class:`~sklearn.discriminant_analysis.LinearDiscriminantAnalysis`, it is a classifier
    that transforms: ``transform`` returns the code (posterior mean), ``predict`` and
    ``predict_proba`` the head's prediction from it.

    Invariance is not free, and how it is selected matters: the IRM paper tuned its penalty
    on the test environment; under training-domain validation, DomainBed (Gulrajani &
    Lopez-Paz 2021) found IRM no better than ERM on average.

    Parameters
    ----------
    n_components : int, default=8
        Size of the code.
    penalty : {"irm", "rex", "conditional_independence"}, default="irm"
        The invariance penalty :math:`\Omega`.
    penalty_weight : float, default=10.0
        :math:`\lambda`, its weight after the warm-up epochs. To choose it from the
        training environments alone, search with
        :func:`~sklatent.metrics.environment_accuracy_scoring` and
        :func:`~sklatent.metrics.most_accurate_invariant_refit`. The default is a mild penalty
        chosen for the default IRMv1 (unbiased) on design tables and draws: on three real
        tables with environments that chose nothing it is 0.012 below ERM's accuracy, where
        IRMv1 at 100 (the former default) pinned the head at zero logits; on a toy whose
        spurious feature reverses it scores 0.26 where ERM scores 0.13 and a larger weight
        more (see :ref:`invariant_encoder`). IRMv1's penalty is normalised by the number of
        environments (:func:`~sklatent.information.irm_penalty`): one weight for 2 or 50.
    warmup_epochs : int, default=10
        Epochs with the penalty at weight 1 (DisentangledEncoder's: at 0) before
        ``penalty_weight`` applies: a step, IRM's ``penalty_anneal_iters`` in epochs.
    unbiased : bool, default=True
        For IRMv1: the product of the gradients of two halves of each environment's rows (an
        unbiased estimate of the squared gradient, as in DomainBed) instead of the square (the
        IRM paper's). The square of a batch's gradient is biased upwards by the rows' noise, a
        bias that vanishes only at zero logits: with a few dozen rows per environment in a batch
        it pulls the head there and the predictions collapse.
    dependence_measure : {"mmd", "hsic", "adversarial", "permutation"}, default="mmd"
        For ``"conditional_independence"``: the estimator of :math:`I(z; e \mid y)`, as in
        :class:`FairEncoder`. ``"permutation"`` is :class:`DisentangledEncoder`'s
        conditional-permutation critic (one implementation,
        :func:`~sklatent.information.permutation_pairs`): it tells real :math:`(z, e, y)` rows
        from rows whose environment was permuted among the rows of the same class.
    reconstruction_weight : float, default=0.0
        :math:`\rho`: how much the code must also explain ``X``, per feature column (1: the
        features' mean reconstruction per column counts as much as the label's
        cross-entropy); 0 leaves the features' decoder out.
    beta : float, default=0.0
        :math:`\beta`, the weight of the KL term. At 0 the heads still train on draws from the
        posterior, whose variance nothing penalises and the fit shrinks; the noise helps the
        penalties (on the synthetic problem of the tests, training on the posterior mean
        instead lowered REx from 0.68 to 0.51 and I(z; e | y) from 0.51 to 0.38 on the
        reversed environment).
    critic_hidden_layer_sizes, critic_lr, critic_steps : see FairEncoder
        The adversary or critic, for ``dependence_measure="adversarial"`` or
        ``"permutation"``.
    alpha : float, default=0.0
        L2 penalty (Adam's weight decay) on the encoder's and heads' weights, as
        :class:`~sklearn.neural_network.MLPClassifier` names it; once the loss is divided by
        ``penalty_weight``, so is the decay, as in the IRM reference code. How ERM is
        regularised decides how much it leans on a spurious feature, so compare penalties at
        the same ``alpha``.
    decoder_variance, hidden_layer_sizes, activation : see FairEncoder
        Architecture of the encoder, the label's head and the features' decoder.
    max_epochs, batch_size, lr, device, accelerator, random_state, verbose, callbacks : see BetaVAE
        The shared training parameters. The penalties compare environments within a batch:
        keep each environment present in every batch (large batches, or
        ``batch_size >= n_samples`` for full-batch training as in the IRM paper).
    stratify_batches : bool, default=True
        Draw minibatches that hold each environment's share of the rows (to within a row), so
        that no environment goes missing from a batch by chance; False draws them at random.
    validation_fraction, early_stopping, n_iter_no_change, tol : see BetaVAE
        Validation split and early stopping, as in :class:`~sklatent.BetaVAE`.
    independence : str, default="deprecated"
        The former name of ``dependence_measure``: set, it is used with a ``FutureWarning``.

        .. deprecated:: 0.1
            Use ``dependence_measure``; ``independence`` will be removed in 0.2.
    anneal_epochs : int, default="deprecated"
        The former name of ``warmup_epochs``: set, it is used with a ``FutureWarning``.

        .. deprecated:: 0.1
            Use ``warmup_epochs``; ``anneal_epochs`` will be removed in 0.2.

    Attributes
    ----------
    classes_ : ndarray
        The class labels.
    environments_ : ndarray
        The environment labels seen in fit.
    net_ : skorch.NeuralNet
        The trained net.
    history_ : skorch.History
        Per-epoch ``train_reconstruction_y`` (the risk), ``train_penalty`` and the other terms.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of str of shape (``n_features_in_``,)
        Names of the features seen during fit, when ``X`` has string column names.
    n_iter_, views_, structure_, decoder_mask_, encoder_mask_, structure_scores_, categories_
        Epochs run; the preset's views and structure, as in :class:`~sklatent.StructuredVAE`,
        whose ``block_names_`` and ``block_sizes_`` it also has.

    Examples
    --------
    >>> import numpy as np
    >>> from sklatent import InvariantEncoder
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(400, 4))
    >>> y, environments = (X[:, 0] > 0).astype(int), rng.randint(0, 2, 400)
    >>> clf = InvariantEncoder(n_components=2, max_epochs=3, random_state=0)
    >>> clf.fit(X, y, environments=environments).transform(X).shape
    (400, 2)
    >>> clf.predict(X[:3]).shape
    (3,)
    """

    # Its penalty compares groups within each batch: batches of at least 64 rows.
    _min_auto_batch_size = 64
    _decoder_of_X = "reconstruction_weight > 0"
    _parameter_constraints = {
        **inherited_constraints(FIXED_STRUCTURE),
        "penalty": [StrOptions(set(PENALTIES))],
        "penalty_weight": [Interval(Real, 0, None, closed="left")],
        "warmup_epochs": [Interval(Integral, 0, None, closed="left")],
        "anneal_epochs": former_name_constraint([Interval(Integral, 0, None, closed="left")]),
        "unbiased": ["boolean"],
        "dependence_measure": [StrOptions(set(ESTIMATORS))],
        "independence": former_name_constraint([StrOptions(set(ESTIMATORS))]),
        "reconstruction_weight": [Interval(Real, 0, None, closed="left")],
        **CRITIC_PARAMETER_CONSTRAINTS,
        "stratify_batches": ["boolean"],
        "alpha": [Interval(Real, 0, None, closed="left")],
    }

    _renamed_parameters = {"anneal_epochs": "warmup_epochs", "independence": "dependence_measure"}
    _persisted_state = (
        *StructuredVAE._persisted_state,
        "_n_environments",
        "_environment_log_prior",
    )

    def __init__(
        self,
        n_components=8,
        *,
        penalty="irm",
        penalty_weight=10.0,
        warmup_epochs=10,
        unbiased=True,
        dependence_measure="mmd",
        reconstruction_weight=0.0,
        beta=0.0,
        critic_hidden_layer_sizes=(64,),
        critic_lr=None,
        critic_steps=1,
        alpha=0.0,
        decoder_variance=1.0,
        hidden_layer_sizes=(64,),
        activation="relu",
        max_epochs="auto",
        batch_size="auto",
        stratify_batches=True,
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
        anneal_epochs="deprecated",
        independence="deprecated",
    ):
        self.n_components = n_components
        self.penalty = penalty
        self.penalty_weight = penalty_weight
        self.warmup_epochs = warmup_epochs
        self.unbiased = unbiased
        self.dependence_measure = dependence_measure
        self.reconstruction_weight = reconstruction_weight
        self.beta = beta
        self.critic_hidden_layer_sizes = critic_hidden_layer_sizes
        self.critic_lr = critic_lr
        self.critic_steps = critic_steps
        self.alpha = alpha
        self.decoder_variance = decoder_variance
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.stratify_batches = stratify_batches
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
        self.anneal_epochs = anneal_epochs
        self.independence = independence

    # ---- module, objective, net --------------------------------------------------------------
    def _make_objective(self):
        return InvariantObjective(
            n_environments=self._n_environments,
            **self._decoded_views(),
            penalty=self.penalty,
            penalty_weight=self.penalty_weight,
            beta=self.beta,
            reconstruction_weight=self.reconstruction_weight,
            unbiased=self.unbiased,
            dependence_measure=self._dependence_measure,
            n_classes=len(self.classes_),
            environment_log_prior=torch.as_tensor(self._environment_log_prior),
        )

    def _objective_callbacks(self, budget):
        return [Anneal(current_value(self, "warmup_epochs"))]

    def _penalised_fit(self):
        return self.penalty_weight > 0 and self._n_environments > 1

    @property
    def _uses_critic(self):
        return (
            self.penalty == "conditional_independence"
            and self._dependence_measure in CRITIC_ESTIMATORS
        )

    @property
    def _net_class(self):
        return AdversarialNet if self._uses_critic else LatentNet

    def _net_kwargs(self):
        kwargs = {
            "optimizer__weight_decay": self.alpha,
            "stratify_by": GROUPS if self.stratify_batches else None,
        }
        if not self._uses_critic:
            return kwargs
        critic = dependence_critic(
            self._dependence_measure,
            n_components=self.n_components,
            n_groups=self._n_environments,
            n_strata=len(self.classes_),
            hidden_layer_sizes=self.critic_hidden_layer_sizes,
            activation=self.activation,
        )
        return kwargs | critic_net_kwargs(self, critic)

    # ---- fitting -----------------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, *, environments=None):
        """Fit the code and the label's head with the invariance penalty across environments.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels.
        environments : array-like of shape (n_samples,), default=None
            The environment of each row (any labels). Without it, a warning is raised and the
            whole data set is one environment: the penalty vanishes and the fit is ERM. To use
            scikit-learn's ``groups`` (e.g. with ``GroupKFold``), route them as
            ``set_fit_request(environments="groups")``.

        Returns
        -------
        self : InvariantEncoder
            The fitted estimator.
        """
        return self._fit(X, y, environments=environments)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, *, environments=None, classes=None):
        """Train one epoch on a chunk of the training rows, continuing earlier calls.

        scikit-learn's incremental convention (as :class:`~sklearn.linear_model.SGDClassifier`):
        call it once per chunk; the optimiser's state is kept between calls. The first call
        fixes the features, the classes (pass ``classes`` when the first chunk may lack one),
        the environments and the automatic ``batch_size``; each chunk should hold rows of every
        environment, and the first chunk two classes in each (the penalties compare them
        within a batch: shuffle the table's rows before chunking it). Each call is one epoch:
        the penalty's full weight starts after ``warmup_epochs`` calls. ``max_epochs`` and
        early stopping do not apply.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A chunk of training data.
        y : array-like of shape (n_samples,)
            Class labels of the chunk.
        environments : array-like of shape (n_samples,), default=None
            The environment of each row of the chunk (as in :meth:`fit`).
        classes : array-like of shape (n_classes,), default=None
            Every class of ``y``, fixed by the first call (None: the first chunk's); a later
            call may repeat them, and one that declares others raises.

        Returns
        -------
        self : InvariantEncoder
            The estimator, trained one more epoch.
        """
        return self._partial_fit(X, y, environments=environments, classes=classes)

    # ---- prediction --------------------------------------------------------------------------
    def predict_proba(self, X):
        """Class probabilities from the label's head on the code of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities, columns ordered as ``classes_``.
        """
        check_is_fitted(self, "net_")
        X = self._validate_X(X, reset=False)
        tensors = self._view_tensors(X, fitting=False)
        tensors = {name: value.to(self._device) for name, value in tensors.items()}

        def logits(module, batch):
            return module.decoders["y"](module.encode(batch))["class_logits"]

        # The softmax in float64: float32's rows summed to 1 within 1e-7 only, and
        # scikit-learn's log_loss warned on every call.
        return softmax(self._apply(tensors, logits, np.float64), axis=1)

    def predict(self, X):
        """The most probable class of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)  # checks fitted before classes_ is read
        return self.classes_[proba.argmax(axis=1)]
