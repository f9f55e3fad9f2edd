"""BetaVAE: the beta-variational autoencoder, the information-bottleneck baseline."""

from numbers import Real

import numpy as np
import torch
from sklearn.utils import check_array, check_random_state

from ..modules import ACTIVATIONS, VAEModule
from ..objectives import BetaVAEObjective
from ..utils._sklearn_compat import Interval, StrOptions, _fit_context, check_is_fitted
from ..utils._torch import as_float_tensor
from ._base import _SHARED_PARAMETER_CONSTRAINTS, LatentTransformer

# Standard-normal draws shared by every row in ``score_samples`` (common random numbers): each
# row's estimate is then deterministic and independent of the other rows in the call.
_N_ELBO_DRAWS = 16


class BetaVAE(LatentTransformer):
    r"""Beta-variational autoencoder (Kingma & Welling, 2014; Higgins et al., 2017).

    Learns an encoder :math:`q(z \mid x) = \mathcal N(\mu(x), \operatorname{diag}\sigma^2(x))`
    and a decoder :math:`p(x \mid z)` by minimising

    .. math::

        \mathcal L = \mathbb E_{q(z\mid x)}\big[-\log p(x \mid z)\big]
                     + \beta\, \mathrm{KL}\big(q(z \mid x) \,\|\, \mathcal N(0, I)\big),

    the information bottleneck with one observed and one latent variable: larger ``beta`` keeps
    less information about ``x`` in ``z``. ``transform`` returns the posterior mean :math:`\mu(x)`.

    Parameters
    ----------
    n_components : int, default=8
        Dimension of the latent code.
    beta : float, default=1.0
        Weight :math:`\beta \ge 0` of the KL (compression) term; 1 is the plain VAE.
    likelihood : {"gaussian", "bernoulli"}, default="gaussian"
        Decoder distribution: Gaussian for standardized continuous data, Bernoulli for data in
        [0, 1] (binary features or grey levels).
    decoder_variance : "learned", "learned_per_sample" or float, default="learned"
        Gaussian decoder only: one learned variance per feature, one output by the decoder for
        each sample and feature, or a fixed value (on standardized data; the VAE's posterior
        collapses once a fixed variance approaches the data's). Learned variances are kept in
        [1e-4, 1e4].
    hidden_layer_sizes : tuple of int, default=(128, 64)
        Hidden widths of the encoder; the decoder mirrors them.
    activation : {"relu", "tanh", "logistic", "elu", "leaky_relu", "identity"}, default="relu"
        Hidden activation.
    max_epochs : int, default=50
        Passes over the training data.
    batch_size : int, default=128
        Rows per optimisation step; larger than the data means full-batch training.
    lr : float, default=1e-3
        Adam learning rate.
    device : str or torch.device, default="auto"
        ``"auto"`` trains on CUDA when a GPU is visible and on the CPU otherwise.
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, sampling and batch order: the same int gives identical results on
        the CPU, in one process or across joblib workers.
    verbose : int, default=0
        0 silent, 1 an epoch table with every loss term, 2 also a progress bar.
    callbacks : list of skorch callbacks, default=None
        Extra callbacks passed to the skorch net (for instance ``skorch.callbacks.LRScheduler``).
    validation_fraction : float in (0, 1), default=None
        Share of rows held out to record validation losses; with ``early_stopping`` and None,
        0.1.
    early_stopping : bool, default=False
        Stop once the validation loss stops improving and restore the best epoch's weights.
    n_iter_no_change : int, default=10
        Epochs without improvement before early stopping.
    tol : float, default=1e-4
        Relative improvement of the validation loss that counts as progress.

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained net; ``net_.module_`` is the torch module.
    history_ : skorch.History
        Per-epoch record of ``train_loss``, ``train_reconstruction`` and ``train_kl`` (and their
        ``valid_`` counterparts with a validation split).
    n_iter_ : int
        Epochs run.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of the features seen during fit, when ``X`` has string column names.

    See Also
    --------
    sklearn.decomposition.PCA : The linear, deterministic counterpart.

    References
    ----------
    .. [1] D. P. Kingma and M. Welling, "Auto-Encoding Variational Bayes", ICLR 2014.
    .. [2] I. Higgins et al., "beta-VAE: Learning Basic Visual Concepts with a Constrained
       Variational Framework", ICLR 2017.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklatent import BetaVAE
    >>> X = StandardScaler().fit_transform(load_digits().data)
    >>> vae = BetaVAE(n_components=2, max_epochs=5, random_state=0).fit(X)
    >>> vae.transform(X).shape
    (1797, 2)
    >>> vae.sample(3, random_state=0).shape
    (3, 64)
    """

    _parameter_constraints = {
        **_SHARED_PARAMETER_CONSTRAINTS,
        "beta": [Interval(Real, 0, None, closed="left")],
        "likelihood": [StrOptions({"gaussian", "bernoulli"})],
        "decoder_variance": [
            StrOptions({"learned", "learned_per_sample"}),
            Interval(Real, 0, None, closed="neither"),
        ],
        "activation": [StrOptions(set(ACTIVATIONS))],
    }

    def __init__(
        self,
        n_components=8,
        *,
        beta=1.0,
        likelihood="gaussian",
        decoder_variance="learned",
        hidden_layer_sizes=(128, 64),
        activation="relu",
        max_epochs=50,
        batch_size=128,
        lr=1e-3,
        device="auto",
        random_state=None,
        verbose=0,
        callbacks=None,
        validation_fraction=None,
        early_stopping=False,
        n_iter_no_change=10,
        tol=1e-4,
    ):
        self.n_components = n_components
        self.beta = beta
        self.likelihood = likelihood
        self.decoder_variance = decoder_variance
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol

    def _make_module(self):
        return VAEModule(
            self.n_features_in_,
            self.n_components,
            self._hidden_layer_sizes,
            self.activation,
            self.likelihood,
            self.decoder_variance,
        )

    def _make_objective(self):
        return BetaVAEObjective(beta=self.beta)

    def _validate_X(self, X, *, reset):
        X = super()._validate_X(X, reset=reset)
        if self.likelihood == "bernoulli" and (X.min() < 0 or X.max() > 1):
            raise ValueError(
                "likelihood='bernoulli' needs X in [0, 1], got values in "
                f"[{X.min():.3g}, {X.max():.3g}]; scale X (MinMaxScaler) or use "
                "likelihood='gaussian' on standardized data."
            )
        return X

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the encoder and decoder to ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data: standardized for the Gaussian likelihood, in [0, 1] for Bernoulli.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : BetaVAE
            The fitted estimator.
        """
        X = self._validate_X(X, reset=True)
        return self._fit_net({"X": as_float_tensor(X, "cpu")})

    def inverse_transform(self, X):
        """Decode latent codes back to the data space (the decoder mean).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Latent codes, for instance the output of :meth:`transform`.

        Returns
        -------
        X_original : ndarray of shape (n_samples, ``n_features_in_``)
            Decoder means, in the float dtype of the codes.
        """
        check_is_fitted(self, "net_")
        Z = check_array(X, dtype=[np.float64, np.float32], input_name="X")
        if Z.shape[1] != self.n_components:
            raise ValueError(
                f"inverse_transform expects codes with {self.n_components} columns "
                f"(n_components), got {Z.shape[1]}."
            )
        return self._apply({"Z": self._to_tensor(Z)}, lambda module, b: module.decode(b), Z.dtype)

    def sample(self, n_samples=1, random_state=None):
        """Draw new rows from the generative model: ``z ~ N(0, I)``, then ``x ~ p(x | z)``.

        Parameters
        ----------
        n_samples : int, default=1
            Number of rows to draw.
        random_state : int, RandomState instance or None, default=None
            Seed of the draws.

        Returns
        -------
        X : ndarray of shape (n_samples, ``n_features_in_``)
            Samples in float64: Gaussian draws around the decoder mean, or 0/1 draws for the
            Bernoulli likelihood.
        """
        check_is_fitted(self, "net_")
        if not isinstance(n_samples, (int, np.integer)) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}.")
        rng = check_random_state(random_state)
        Z = rng.standard_normal((n_samples, self.n_components)).astype(np.float32)
        params = self._apply_decoder(Z)
        if "logits" in params:
            return (rng.uniform(size=params["logits"].shape) < _sigmoid(params["logits"])) * 1.0
        noise = rng.standard_normal(params["mean"].shape)
        return params["mean"] + noise * np.exp(0.5 * params["logvar"])

    def _apply_decoder(self, Z):
        """The decoder's distribution parameters for codes ``Z``, as float64 arrays."""
        module = self.net_.module_
        module.eval()
        with torch.no_grad():
            params = module.decoder(self._to_tensor(Z))
        return {name: value.cpu().numpy().astype(np.float64) for name, value in params.items()}

    def score_samples(self, X):
        """Evidence lower bound (ELBO, with beta = 1) of each row, in nats.

        The expectation over :math:`q(z \\mid x)` is estimated with 16 fixed standard-normal draws
        shared by all rows, so a row's score does not depend on the other rows or on the call.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to score.

        Returns
        -------
        elbo : ndarray of shape (n_samples,)
            A lower bound on :math:`\\log p(x)` per row; higher is better.
        """
        check_is_fitted(self, "net_")
        X = self._validate_X(X, reset=False)
        draws = torch.randn(
            _N_ELBO_DRAWS, self.n_components, generator=torch.Generator().manual_seed(0)
        ).to(self.net_.device)
        objective = self.net_.criterion_

        def elbo(module, batch):
            total = 0.0
            for eps in draws:
                outputs = module(batch, eps=eps.expand(len(batch["X"]), -1))
                terms = objective.per_sample(outputs, batch)
                total = total - terms["reconstruction"] - terms["kl"]
            return total / len(draws)

        return self._apply({"X": self._to_tensor(X)}, elbo, X.dtype)

    def score(self, X, y=None):
        """Mean ELBO of ``X`` (see :meth:`score_samples`); higher is better.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to score.
        y : None
            Ignored.

        Returns
        -------
        score : float
        """
        return float(np.mean(self.score_samples(X)))


def _sigmoid(logits):
    return 1.0 / (1.0 + np.exp(-logits))
