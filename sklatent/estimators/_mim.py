"""MutualInformationMachine: high mutual information codes without posterior collapse."""

import math
from numbers import Integral, Real

from ..objectives import MIMObjective
from ..training import WarmUp
from ..utils._sklearn_compat import Interval, StrOptions
from ._vae_base import _VARIATIONAL_PARAMETER_CONSTRAINTS, VariationalTransformer


class MutualInformationMachine(VariationalTransformer):
    r"""Mutual Information Machine (Livne, Swersky & Fleet, 2019).

    An encoder :math:`q(z \mid x)` and a decoder :math:`p(x \mid z)` like a VAE's, trained to make
    the encoding and decoding joints agree while keeping the mutual information between ``x`` and
    ``z`` high. The default asymmetric loss (A-MIM) is

    .. math::

        \mathcal L = -\mathbb E_{x,\, z \sim q(z \mid x)}\big[\log p(x \mid z)
            + \tfrac12 \log P(z) + \tfrac12 \log q(z \mid x)\big],

    the VAE's loss with the sign of the posterior entropy flipped: confident posteriors are
    rewarded, so the code does not collapse to the prior. ``mode="symmetric"`` (S-MIM) also
    trains on pairs drawn from the decoder, :math:`z \sim N(0, I)`, :math:`x \sim p(x \mid z)`,
    once the warm-up is over (our formulation leaves out the data-density term of the paper's
    symmetric loss, see :class:`~sklatent.objectives.MIMObjective`).

    Prefer it to :class:`~sklatent.BetaVAE` when the code must keep the information in ``x``
    (clustering, nearest neighbours, retrieval); do not select it by likelihood: on small models
    its negative log-likelihood is worse than a VAE's by construction.

    Parameters
    ----------
    n_components : int, default=8
        Dimension of the latent code.
    mode : {"asymmetric", "symmetric"}, default="asymmetric"
        A-MIM (one encoder pass per row) or S-MIM (also a decoder-joint sample per row, about
        twice the cost of a step; Gaussian likelihood only).
    prior : {"standard", "learned"}, default="standard"
        :math:`P(z)` in the loss: the standard normal, or a learnable diagonal Gaussian (the
        standard normal stays the anchor that ``sample`` and S-MIM draw from).
    min_posterior_variance : float, default=1e-4
        Floor of the posterior variance :math:`\sigma^2`. The loss rewards :math:`\sigma \to 0`
        without bound, so some floor is mandatory; 0 removes it (the fit then typically diverges,
        with :class:`~sklatent.TrainingDivergedError`).
    warmup_epochs : int, default=3
        Epochs over which the weight of the two q-terms ramps linearly up to 1.
    decoder_variance : "learned", "calibrated", "learned_per_sample" or float, default="learned"
        As in :class:`~sklatent.BetaVAE`, whose default is ``"calibrated"``. The MIM keeps
        learned variances: its objective already holds the code against collapse, and on the
        real tables of ``benchmarks/suite.py`` a calibrated variance did not bring it closer to
        PCA.
    likelihood, hidden_layer_sizes, activation : see BetaVAE
        Decoder distribution and architecture, as in :class:`~sklatent.BetaVAE`.
    max_epochs, batch_size, lr, device, accelerator, random_state, verbose, callbacks : see BetaVAE
        The shared training parameters, as in :class:`~sklatent.BetaVAE`.
    validation_fraction, early_stopping, n_iter_no_change, tol : see BetaVAE
        Validation split and early stopping, as in :class:`~sklatent.BetaVAE`.

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained net.
    history_ : skorch.History
        Per-epoch ``train_reconstruction``, ``train_prior_nll``, ``train_posterior_nll`` and
        ``train_decoder_joint`` (0 in asymmetric mode).
    n_iter_ : int
        Epochs run.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of the features seen during fit, when ``X`` has string column names.

    See Also
    --------
    BetaVAE : The variational autoencoder; its ``score_samples`` is the same ELBO.

    References
    ----------
    .. [1] M. Livne, K. Swersky and D. J. Fleet, "MIM: Mutual Information Machine",
       arXiv:1910.03175, 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from sklatent import MutualInformationMachine
    >>> X = np.random.RandomState(0).normal(size=(200, 4))
    >>> mim = MutualInformationMachine(n_components=2, max_epochs=5, random_state=0).fit(X)
    >>> mim.transform(X).shape
    (200, 2)
    """

    _parameter_constraints = {
        **_VARIATIONAL_PARAMETER_CONSTRAINTS,
        "mode": [StrOptions({"asymmetric", "symmetric"})],
        "prior": [StrOptions({"standard", "learned"})],
        "min_posterior_variance": [Interval(Real, 0, None, closed="left")],
        "warmup_epochs": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(
        self,
        n_components=8,
        *,
        mode="asymmetric",
        prior="standard",
        min_posterior_variance=1e-4,
        warmup_epochs=3,
        likelihood="gaussian",
        decoder_variance="learned",
        hidden_layer_sizes=(128, 64),
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
        self.n_components = n_components
        self.mode = mode
        self.prior = prior
        self.min_posterior_variance = min_posterior_variance
        self.warmup_epochs = warmup_epochs
        self.likelihood = likelihood
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

    def _module_kwargs(self):
        if self.mode == "symmetric" and self.likelihood != "gaussian":
            raise ValueError(
                "mode='symmetric' samples x from the decoder by reparameterisation, which needs "
                "likelihood='gaussian'."
            )
        floor = self.min_posterior_variance
        return {
            "min_posterior_logvar": math.log(floor) if floor > 0 else -math.inf,
            "learned_prior": self.prior == "learned",
            "sample_decoder_joint": self.mode == "symmetric",
        }

    def _make_objective(self):
        return MIMObjective(symmetric=self.mode == "symmetric")

    def _objective_callbacks(self, budget):
        return [("warmup", WarmUp(self.warmup_epochs))]
