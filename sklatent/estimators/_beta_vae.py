"""BetaVAE: the beta-variational autoencoder, the information-bottleneck baseline."""

from numbers import Real

from ..objectives import BetaVAEObjective
from ..utils._sklearn_compat import Interval
from ._vae_base import _VARIATIONAL_PARAMETER_CONSTRAINTS, VariationalTransformer


class BetaVAE(VariationalTransformer):
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
    decoder_variance : str or float, default="calibrated"
        Gaussian decoder only. ``"calibrated"``: one variance shared by every feature, set at
        each step to the mean squared reconstruction error of the batch, its maximum-likelihood
        value (the "optimal sigma" VAE of Rybkin et al. 2021), and in evaluation
        (``score_samples``, ``score``, ``sample``) to a running mean of those values. The
        reconstruction term then weighs the errors by how well the decoder already does, from
        the first step on any table, so ``beta`` keeps its meaning whatever the scale of the
        data. ``"learned"``: one learned variance per feature (Adam moves it slowly, so small
        tables stop before it converges, and on tables of one-hot columns it lets those
        columns dominate). ``"learned_per_sample"``: one output by the decoder for each sample and
        feature. A float: a fixed value (on standardized data; the posterior collapses once a
        fixed variance approaches the data's). Variances are kept in [1e-4, 1e4].
    hidden_layer_sizes : tuple of int, default=(128, 64)
        Hidden widths of the encoder; the decoder mirrors them.
    activation : {"relu", "tanh", "logistic", "elu", "leaky_relu", "identity"}, default="relu"
        Hidden activation.
    max_epochs : int or "auto", default="auto"
        Most passes over the training data. ``"auto"`` sizes the budget to the data: enough
        epochs for about 2,000 gradient steps (at least 10, at most 200 as
        ``MLPClassifier``'s ``max_iter``), ended earlier by ``early_stopping``, or, on a table
        too small to hold rows out, once the training loss has not improved by ``tol`` for
        ``n_iter_no_change`` epochs, as scikit-learn's ``MLPClassifier`` does. A fit whose
        objective penalises the code (a KL term with ``beta > 0``; the dependence penalties of
        :class:`FairEncoder`, :class:`InvariantEncoder`, :class:`DisentangledEncoder`) lets
        those rules watch only after 500 steps, at most half the epochs: such a penalty is
        lowest at an uninformative code, so the first epochs' held-out loss can be the best
        before the code has learned anything. An int trains exactly that many epochs (fewer with
        ``early_stopping=True``).
    batch_size : int or "auto", default="auto"
        Rows per optimisation step; larger than the data means full-batch training. ``"auto"``:
        a sixteenth of the training rows, at least 16 (64 for the estimators whose penalties
        compare groups within a batch) and at most 256.
    lr : float, default=1e-3
        Adam learning rate.
    device : str or torch.device, default="auto"
        ``"auto"`` trains on CUDA when a GPU is visible and on the CPU otherwise.
    accelerator : accelerate.Accelerator, default=None
        Train through a Hugging Face ``Accelerator`` (skorch's ``AccelerateMixin``): mixed
        precision, and one large fit on several GPUs when the script runs under
        ``accelerate launch`` (each process trains on its share of every batch). The accelerator
        places the model, so leave ``device="auto"``. See :ref:`accelerate`.
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
    early_stopping : bool or "auto", default="auto"
        Stop once the validation loss stops improving and restore the best epoch's weights.
        ``"auto"``: on when ``max_epochs="auto"`` and the data have at least 200 rows (a
        tenth held out; the loss of fewer held-out rows is too noisy to pick an epoch by); a
        smaller table then stops on its training loss.
    n_iter_no_change : int or "auto", default="auto"
        Epochs without improvement before early stopping, or before an automatic budget
        (``max_epochs="auto"``) ends the fit. ``"auto"``: the epochs of 160 gradient steps, at
        least 2 (at BetaVAE's automatic batch size, 10 epochs on tables of about 270 to 4,800
        rows, more on smaller ones, 2 from about 22,500 rows).
    tol : float, default=1e-4
        Improvement of the loss that counts as progress: absolute, in the objective's units
        (nats per data column, so the same on a table of any width).

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
        **_VARIATIONAL_PARAMETER_CONSTRAINTS,
        "beta": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        n_components=8,
        *,
        beta=1.0,
        likelihood="gaussian",
        decoder_variance="calibrated",
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
        self.beta = beta
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

    def _make_objective(self):
        return BetaVAEObjective(beta=self.beta)

    def _penalised_fit(self):
        # The KL term is a penalty on the code (see ``max_epochs``).
        return self.beta > 0
