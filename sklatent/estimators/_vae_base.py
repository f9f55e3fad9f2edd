"""What the variational autoencoders share: decoder likelihoods, sampling and the ELBO."""

from numbers import Real

import numpy as np
import torch
from sklearn.utils import check_random_state

from .._batch import FEATURES
from ..modules import ACTIVATIONS, VAEModule
from ..objectives import BetaVAEObjective
from ..utils._sklearn_compat import Interval, StrOptions, _fit_context, check_is_fitted
from ..utils._torch import as_float_tensor
from ._base import _SHARED_PARAMETER_CONSTRAINTS, LatentTransformer
from ._generative import (
    ELBOScoreMixin,
    check_n_samples,
    draw_observations,
    elbo_of_rows,
    split_posterior,
)

# The ELBO that ``score_samples`` reports is the beta = 1 bound whatever the training objective.
_ELBO = BetaVAEObjective(beta=1.0)

#: A fixed decoder variance: the decoders keep every variance in [1e-4, 1e4]
#: (``DECODER_LOGVAR_BOUNDS``), and a value outside would be clamped silently.
FIXED_DECODER_VARIANCE = Interval(Real, 1e-4, 1e4, closed="both")

_VARIATIONAL_PARAMETER_CONSTRAINTS = {
    **_SHARED_PARAMETER_CONSTRAINTS,
    "likelihood": [StrOptions({"gaussian", "bernoulli"})],
    "decoder_variance": [
        StrOptions({"calibrated", "learned", "learned_per_sample"}),
        FIXED_DECODER_VARIANCE,
    ],
    "activation": [StrOptions(set(ACTIVATIONS))],
}


class VariationalTransformer(ELBOScoreMixin, LatentTransformer):
    """Base of the encoder/decoder models with a Gaussian posterior (BetaVAE, MIM).

    Subclasses define ``_make_objective`` (and may override ``_make_module``); this class fits
    them on ``X`` alone and gives them ``inverse_transform``, ``sample``, ``score_samples`` and
    ``score``.
    """

    def _module_kwargs(self):
        return {}

    def _make_module(self):
        return VAEModule(
            self.n_features_in_,
            self.n_components,
            self._hidden_layer_sizes,
            self.activation,
            self.likelihood,
            self.decoder_variance,
            **self._module_kwargs(),
        )

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
        self : object
            The fitted estimator.
        """
        with self._fitting_anew():
            X = self._validate_X(X, reset=True)
            return self._fit_net({FEATURES: as_float_tensor(X, "cpu")})

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Train one epoch on ``X``, a chunk of the training rows, continuing earlier calls.

        scikit-learn's incremental convention (as :class:`~sklearn.decomposition.IncrementalPCA`):
        call it once per chunk, as many passes over the chunks as wanted; the optimiser's state
        is kept between calls. The first call fixes the number of features and the automatic
        ``batch_size``; ``max_epochs`` and the early stopping do not apply (there are no held-out
        rows). It works with ``dask_ml.wrappers.Incremental`` on a Dask array or DataFrame.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A chunk of training data.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The estimator, trained one more epoch.

        Examples
        --------
        >>> import numpy as np
        >>> from sklatent import BetaVAE
        >>> X = np.random.RandomState(0).normal(size=(400, 5))
        >>> vae = BetaVAE(n_components=2, random_state=0)
        >>> for _ in range(3):  # three passes over four chunks
        ...     for chunk in np.array_split(X, 4):
        ...         _ = vae.partial_fit(chunk)
        >>> vae.n_iter_, vae.transform(X[:2]).shape
        (12, (2, 2))
        """
        first = not hasattr(self, "net_")
        with self._unfitted_if_failed(starts_anew=first):
            X = self._validate_X(X, reset=first)
            return self._partial_fit_net({FEATURES: as_float_tensor(X, "cpu")})

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
        Z = self._validated_codes(X, self._n_features_out)
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
        check_n_samples(n_samples)
        rng = check_random_state(random_state)
        Z = rng.standard_normal((n_samples, self._n_features_out)).astype(np.float32)
        return draw_observations(self._apply_decoder(Z), rng)

    def _apply_decoder(self, Z):
        """The decoder's distribution parameters for codes ``Z``, as float64 arrays."""
        module = self.net_.module_
        module.eval()
        with self._inference_runtime(), torch.no_grad():
            params = module.decoder(self._to_tensor(Z))
        return {name: value.cpu().numpy().astype(np.float64) for name, value in params.items()}

    def posterior(self, X):
        """Mean and variance of the Gaussian posterior :math:`q(z \\mid x)` of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to encode.

        Returns
        -------
        mean : ndarray of shape (n_samples, n_components)
            Posterior means (what :meth:`transform` returns).
        variance : ndarray of shape (n_samples, n_components)
            Posterior variances.
        """
        X, tensors = self._validated_rows(X)
        both = self._apply(
            tensors,
            lambda module, b: torch.cat(module.encoder(b[FEATURES]), dim=1),
            np.float64,
        )
        return split_posterior(both, X.dtype)

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
        X, tensors = self._validated_rows(X)

        def negative_elbo(outputs, batch):
            terms = _ELBO.per_sample(outputs, batch)
            return terms["reconstruction"] + terms["kl"]

        elbo = elbo_of_rows(self._n_features_out, self._device, FEATURES, negative_elbo)
        return self._apply(tensors, elbo, X.dtype)
