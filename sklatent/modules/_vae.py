"""Encoder and decoder networks of the variational autoencoders.

Modules map a batch dict to an outputs dict of distribution parameters and codes; they compute no
loss (that is :mod:`sklatent.objectives`' job).
"""

import math

import torch
from torch import nn

from .._batch import FEATURES
from ..utils._torch import normal_like
from ._mlp import make_mlp

# Bounds on a learned or calibrated decoder log-variance: a decoder free to shrink its variance to
# zero can make the likelihood of duplicated rows unbounded, so variances stay in [1e-4, 1e4].
DECODER_LOGVAR_BOUNDS = (math.log(1e-4), math.log(1e4))
# Weight of each training batch in the running estimate of a calibrated decoder variance (the
# momentum of BatchNorm's running statistics, which play the same role at evaluation).
CALIBRATION_MOMENTUM = 0.1
# Bounds on the posterior log-variance that keep exp() finite in float32.
POSTERIOR_LOGVAR_BOUNDS = (-30.0, 20.0)


class GaussianEncoder(nn.Module):
    """Amortised diagonal-Gaussian posterior :math:`q(z \\mid x) = N(\\mu(x), \\sigma^2(x))`.

    Parameters
    ----------
    n_features, n_components : int
        Input and latent widths.
    hidden_layer_sizes : sequence of int
        Hidden widths of the MLP.
    activation : str
        Hidden activation, see :func:`~sklatent.modules.make_mlp`.
    min_logvar : float, default=-30
        Floor of the posterior log-variance (``-inf`` for none).

    Examples
    --------
    >>> import torch
    >>> from sklatent.modules import GaussianEncoder
    >>> encoder = GaussianEncoder(n_features=4, n_components=2, hidden_layer_sizes=(8,))
    >>> mean, logvar = encoder(torch.randn(5, 4))
    >>> tuple(mean.shape), tuple(logvar.shape)
    ((5, 2), (5, 2))
    """

    def __init__(
        self,
        n_features,
        n_components,
        hidden_layer_sizes,
        activation="relu",
        min_logvar=POSTERIOR_LOGVAR_BOUNDS[0],
    ):
        super().__init__()
        self.net = make_mlp(n_features, hidden_layer_sizes, 2 * n_components, activation)
        self.min_logvar = min_logvar

    def forward(self, x):
        mean, logvar = self.net(x).chunk(2, dim=-1)
        return mean, logvar.clamp(self.min_logvar, POSTERIOR_LOGVAR_BOUNDS[1])


class Decoder(nn.Module):
    """Likelihood :math:`p(x \\mid z)`: Gaussian (learned or fixed variance) or Bernoulli.

    Parameters
    ----------
    n_components, n_features : int
        Latent and output widths.
    hidden_layer_sizes : sequence of int
        Hidden widths of the MLP.
    activation : str
        Hidden activation.
    likelihood : {"gaussian", "bernoulli"}
        The decoder distribution.
    decoder_variance : "calibrated", "learned", "learned_per_sample" or float
        Gaussian only. ``"calibrated"``: one variance shared by all features, in training the
        mean squared error of the batch's reconstruction (its maximum-likelihood value, the
        "optimal sigma" of Rybkin et al. 2021; set by :meth:`calibrate`) and in evaluation a
        running average of those values. Else one learned variance per feature, one per sample
        and feature (the network outputs it), or a fixed value. The returned ``"logvar"`` has
        shape ``(n_features,)`` unless it is per sample.

    Examples
    --------
    >>> import torch
    >>> from sklatent.modules import Decoder
    >>> z = torch.randn(5, 2)
    >>> params = Decoder(n_components=2, n_features=4, hidden_layer_sizes=(8,))(z)
    >>> {name: tuple(value.shape) for name, value in params.items()}
    {'mean': (5, 4), 'logvar': (4,)}
    >>> sorted(Decoder(2, 4, (8,), likelihood="bernoulli")(z))
    ['logits']
    """

    def __init__(
        self,
        n_components,
        n_features,
        hidden_layer_sizes,
        activation="relu",
        likelihood="gaussian",
        decoder_variance="learned",
    ):
        super().__init__()
        self.likelihood = likelihood
        self.per_sample_variance = (
            likelihood == "gaussian" and decoder_variance == "learned_per_sample"
        )
        self.calibrated = likelihood == "gaussian" and decoder_variance == "calibrated"
        n_outputs = 2 * n_features if self.per_sample_variance else n_features
        self.net = make_mlp(n_components, hidden_layer_sizes, n_outputs, activation)
        if likelihood == "gaussian" and decoder_variance == "learned":
            self.logvar = nn.Parameter(torch.zeros(n_features))
        elif self.calibrated:
            # The running estimate used in evaluation; it starts at the variance of
            # standardized data.
            self.register_buffer("logvar", torch.zeros(n_features))
        elif likelihood == "gaussian" and not self.per_sample_variance:
            self.register_buffer("logvar", torch.full((n_features,), math.log(decoder_variance)))

    def forward(self, z):
        """Return the decoder's distribution parameters as a dict (see ``reconstruction_nll``)."""
        out = self.net(z)
        if self.likelihood == "bernoulli":
            return {"logits": out}
        if self.per_sample_variance:
            mean, logvar = out.chunk(2, dim=-1)
        else:
            # One log-variance per feature, shape (n_features,), broadcast by its users: expanded
            # to the batch, its clamp, exp and their gradients would run on every row.
            mean, logvar = out, self.logvar
        return {"mean": mean, "logvar": logvar.clamp(*DECODER_LOGVAR_BOUNDS)}

    def calibrate(self, x, params, observed=None):
        r"""In training, set a calibrated variance to the batch's maximum-likelihood value.

        With one variance :math:`\sigma^2` shared by the :math:`d` features of :math:`n` rows,
        the Gaussian likelihood is largest at the mean squared error,
        :math:`\hat\sigma^2 = \frac{1}{nd}\sum_{i,j}(x_{ij}-\mu_{ij})^2` (Rybkin et al.
        2021), so the reconstruction term weighs the errors by how well the decoder already
        does, as a learned variance does once it has converged, but from the first step. The
        value is a constant for the gradient: at the optimum the derivative through it vanishes.
        A running mean of these variances (not of their logs, whose mean is biased low) serves in
        evaluation; a batch in which no row is observed uses it and leaves it as it is. Under
        data-parallel training each process calibrates on its own shard. Other decoders, and
        every decoder in evaluation, return ``params`` unchanged.

        Parameters
        ----------
        x : torch.Tensor of shape (n_samples, n_features)
            The observed values the decoder reconstructs.
        params : dict of torch.Tensor
            The decoder's output for the batch.
        observed : torch.Tensor of shape (n_samples,), optional
            1 for the rows where ``x`` is observed, 0 where it is missing (not counted).

        Returns
        -------
        dict of torch.Tensor
            ``params``, with a calibrated decoder's ``"logvar"`` replaced.
        """
        if not (self.calibrated and self.training):
            return params
        # In float32 even under bf16 autocast: the log of a rounded MSE would bias the loss.
        squared_error = (x.float() - params["mean"].detach().float()).pow(2).mean(dim=1)
        weights = torch.ones_like(squared_error) if observed is None else observed.float()
        seen = weights.sum() > 0  # a tensor, not a bool: no host-device sync per step
        mse = (squared_error * weights).sum() / weights.sum().clamp_min(1.0)
        logvar = torch.log(mse).clamp(*DECODER_LOGVAR_BOUNDS).expand_as(self.logvar)
        logvar = torch.where(seen, logvar, self.logvar)
        with torch.no_grad():
            running = self.logvar.exp().lerp(logvar.exp(), CALIBRATION_MOMENTUM * seen.float())
            self.logvar.copy_(running.log())
        return {**params, "logvar": logvar}

    @staticmethod
    def mean(params):
        """Expected value of x under the decoder distribution."""
        if "logits" in params:
            return torch.sigmoid(params["logits"])
        return params["mean"]


class LearnedGaussianPrior(nn.Module):
    r"""A learnable diagonal Gaussian prior :math:`p_\theta(z)`, starting at N(0, I).

    Examples
    --------
    >>> import torch
    >>> from sklatent.modules import LearnedGaussianPrior
    >>> mean, logvar = LearnedGaussianPrior(n_components=2)(torch.randn(3, 2))
    >>> mean.tolist(), logvar.tolist()
    ([[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]])
    """

    def __init__(self, n_components):
        super().__init__()
        self.mean = nn.Parameter(torch.zeros(n_components))
        self.logvar = nn.Parameter(torch.zeros(n_components))

    def forward(self, z):
        """The prior's mean and log-variance, broadcast to the shape of ``z``."""
        return self.mean.expand_as(z), self.logvar.clamp(*POSTERIOR_LOGVAR_BOUNDS).expand_as(z)


class VAEModule(nn.Module):
    r"""Encoder + reparameterised sample + decoder: the network of ``BetaVAE`` and MIM.

    ``forward(batch)`` reads ``batch["X"]`` and returns ``{"mean", "logvar", "z", "x_params"}``
    (plus ``"prior_mean"``, ``"prior_logvar"`` with a learned prior). During training ``z`` is a
    reparameterised sample; in evaluation mode it is the posterior mean unless explicit
    standard-normal draws ``eps`` are passed.

    Parameters
    ----------
    n_features, n_components, hidden_layer_sizes, activation, likelihood, decoder_variance
        As for :class:`GaussianEncoder` and :class:`Decoder`.
    min_posterior_logvar : float, default=-30
        Floor of the posterior log-variance (``-inf`` for none).
    learned_prior : bool, default=False
        Add a :class:`LearnedGaussianPrior` whose parameters the objective may use.
    sample_decoder_joint : bool, default=False
        In training, also draw one pair from the decoding joint per row: :math:`z \sim N(0, I)`,
        :math:`x \sim p(x \mid z)` (reparameterised; Gaussian likelihood only), and encode it,
        under ``outputs["sampled"]`` (symmetric MIM).

    Attributes
    ----------
    n_components : int
        The code's width.

    Examples
    --------
    >>> import torch
    >>> from sklatent.modules import VAEModule
    >>> module = VAEModule(n_features=4, n_components=2, hidden_layer_sizes=(8,))
    >>> batch = {"X": torch.randn(5, 4)}
    >>> outputs = module(batch)
    >>> sorted(outputs), tuple(outputs["z"].shape), sorted(outputs["x_params"])
    (['logvar', 'mean', 'x_params', 'z'], (5, 2), ['logvar', 'mean'])
    >>> outputs = module.eval()(batch)  # in evaluation, the code is the posterior mean
    >>> bool(torch.equal(outputs["z"], outputs["mean"]))
    True
    """

    def __init__(
        self,
        n_features,
        n_components,
        hidden_layer_sizes,
        activation="relu",
        likelihood="gaussian",
        decoder_variance="learned",
        min_posterior_logvar=POSTERIOR_LOGVAR_BOUNDS[0],
        learned_prior=False,
        sample_decoder_joint=False,
    ):
        super().__init__()
        self.n_components = n_components
        self.sample_decoder_joint = sample_decoder_joint
        self.encoder = GaussianEncoder(
            n_features, n_components, hidden_layer_sizes, activation, min_posterior_logvar
        )
        self.prior = LearnedGaussianPrior(n_components) if learned_prior else None
        self.decoder = Decoder(
            n_components,
            n_features,
            tuple(reversed(hidden_layer_sizes)),
            activation,
            likelihood,
            decoder_variance,
        )

    def forward(self, batch, eps=None):
        mean, logvar = self.encoder(batch[FEATURES])
        if eps is None and self.training:
            eps = normal_like(mean)
        z = mean if eps is None else mean + eps * torch.exp(0.5 * logvar)
        x_params = self.decoder.calibrate(batch[FEATURES], self.decoder(z))
        outputs = self._with_prior({"mean": mean, "logvar": logvar, "z": z, "x_params": x_params})
        if self.sample_decoder_joint and self.training:
            outputs["sampled"] = self._decoder_joint_sample(mean, x_params["logvar"])
        return outputs

    def _with_prior(self, outputs):
        if self.prior is not None:
            outputs["prior_mean"], outputs["prior_logvar"] = self.prior(outputs["z"])
        return outputs

    def _decoder_joint_sample(self, like, calibrated_logvar):
        """One reparameterised draw of (x, z) from the decoding joint per row, encoded again; a
        calibrated decoder draws with the variance calibrated on the batch's encoder branch."""
        z = normal_like(like)
        params = self.decoder(z)
        if self.decoder.calibrated:
            params = {**params, "logvar": calibrated_logvar}
        x = params["mean"] + normal_like(params["mean"]) * torch.exp(0.5 * params["logvar"])
        mean, logvar = self.encoder(x)
        return self._with_prior(
            {FEATURES: x, "z": z, "x_params": params, "mean": mean, "logvar": logvar}
        )

    def encode(self, batch):
        """Posterior mean of each row: the code ``transform`` returns."""
        return self.encoder(batch[FEATURES])[0]

    def decode(self, batch):
        """Decoder mean for the codes in ``batch["Z"]``."""
        return Decoder.mean(self.decoder(batch["Z"]))
