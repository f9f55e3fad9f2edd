"""The posterior, the evidence bound and samples of a fitted structured bottleneck."""

import numpy as np
import torch
from scipy.special import softmax
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, check_random_state

from .._batch import PRESENT
from ._generative import (
    ELBOScoreMixin,
    check_n_samples,
    draw_observations,
    elbo_of_rows,
    split_posterior,
)
from ._structured_tensors import check_conditions_observed, condition_tensors


def _scores_X(estimator):
    """Whether the estimator's views are all columns of ``X`` (a StructuredVAE or a
    MultiViewEncoder): then its bound and its samples are those of ``X``. The presets decode a
    label, or condition on a sensitive attribute, given beside ``X``."""
    return estimator._models_X_alone


class StructuredScoringMixin:
    """``posterior``, ``score_samples``, ``score`` and ``sample`` of the structured bottleneck."""

    # Presets set False: some of their views (a label, an attribute) are not in X.
    _models_X_alone = True

    def _row_tensors(self, X):
        """Validated ``X`` and the tensors of its views and conditions, on the model's device."""
        check_is_fitted(self, "net_")
        X = self._validate_X(X, reset=False)
        tensors = self._view_tensors(X, fitting=False)
        if self._models_X_alone:
            conditions, missing = condition_tensors(self.views_, self.categories_, X)
            check_conditions_observed(self.views_, tensors[PRESENT].numpy(), missing)
            tensors = tensors | conditions
        return X, {name: value.to(self._device) for name, value in tensors.items()}

    def posterior(self, X):
        """Mean and variance of the Gaussian posterior :math:`q(z \\mid x)` of each row.

        The product of the prior and the experts of the views observed in the row, over every
        latent block (a MultiViewEncoder's ``transform`` keeps the shared block only, unless
        ``output="all"``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to encode.

        Returns
        -------
        mean : ndarray of shape (n_samples, n_latent)
            Posterior means (the codes).
        variance : ndarray of shape (n_samples, n_latent)
            Posterior variances.

        Examples
        --------
        The means are the codes; a row with a view missing (NaN) is encoded from the others:

        >>> import numpy as np
        >>> from sklatent import StructuredVAE
        >>> X = np.random.RandomState(0).normal(size=(200, 4))
        >>> model = StructuredVAE({"a": [0, 1], "b": [2, 3]}, max_epochs=5, random_state=0)
        >>> model = model.fit(X)
        >>> rows = X[:2].copy()
        >>> rows[1, :2] = np.nan
        >>> mean, variance = model.posterior(rows)
        >>> bool(np.array_equal(mean, model.transform(rows))), bool(np.all(variance > 0))
        (True, True)
        """
        X, tensors = self._row_tensors(X)
        both = self._apply(
            tensors, lambda module, b: torch.cat(module.posterior(b), dim=1), np.float64
        )
        return split_posterior(both, X.dtype)

    @available_if(_scores_X)
    def score_samples(self, X):
        """Evidence lower bound (ELBO, with beta = 1) of each row's observed views, in nats.

        The sum of each observed view's expected log-likelihood minus the KL divergence of the
        posterior from the prior; the expectation is estimated with 16 fixed standard-normal
        draws shared by all rows, so a row's score does not depend on the other rows or on the
        call. Rows with different views missing score different amounts of data.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to score.

        Returns
        -------
        elbo : ndarray of shape (n_samples,)
            A lower bound on :math:`\\log p(x)` per row; higher is better.
        """
        X, tensors = self._row_tensors(X)
        objective = self.net_.criterion_

        def negative_elbo(outputs, batch):
            terms = objective.per_sample(outputs, batch)
            return terms["kl"] + sum(terms[f"reconstruction_{v}"] for v in objective.view_names)

        n_latent = sum(self.block_sizes_)
        elbo = elbo_of_rows(n_latent, self._device, PRESENT, negative_elbo)
        return self._apply(tensors, elbo, X.dtype)

    score = available_if(_scores_X)(ELBOScoreMixin.score)

    @available_if(_scores_X)
    def sample(self, n_samples=1, random_state=None):
        """Draw rows from the model: :math:`z \\sim N(0, I)`, then each view from its decoder.

        Parameters
        ----------
        n_samples : int, default=1
            Number of rows to draw.
        random_state : int, RandomState instance or None, default=None
            Seed of the draws.

        Returns
        -------
        X : ndarray of shape (n_samples, ``n_features_in_``)
            Gaussian draws around the decoder means, 0/1 draws for Bernoulli views, labels for
            categorical views; columns of views without a decoder, or in no view, are NaN.

        Examples
        --------
        >>> import numpy as np
        >>> from sklatent import StructuredVAE
        >>> X = np.random.RandomState(0).normal(size=(200, 3))
        >>> X[:, 2] = X[:, 0] > 0  # a categorical view of two labels
        >>> views = {"x": [0, 1], "c": {"columns": [2], "likelihood": "categorical"}}
        >>> model = StructuredVAE(views, max_epochs=20, random_state=0).fit(X)
        >>> drawn = model.sample(4, random_state=0)
        >>> drawn.shape, set(drawn[:, 2]) <= {0.0, 1.0}
        ((4, 3), True)
        """
        check_is_fitted(self, "net_")
        check_n_samples(n_samples)
        conditioned = [view["name"] for view in self.views_ if view["conditions"]]
        if conditioned:
            raise ValueError(
                f"The views {conditioned} are decoded given other views: sample cannot draw "
                "them without those. Use inverse_transform with conditions instead."
            )
        rng = check_random_state(random_state)
        Z = rng.standard_normal((n_samples, sum(self.block_sizes_))).astype(np.float32)
        module = self.net_.module_
        module.eval()
        with self._inference_runtime(), torch.no_grad():
            params = module.decode(self._to_tensor(Z), {})
        out = np.full((n_samples, self.n_features_in_), np.nan)
        for view in self.views_:
            if view["name"] in params and view["columns"] is not None:
                categories = self.categories_.get(view["name"])
                out[:, view["columns"]] = _draw(params[view["name"]], categories, rng)
        return out


def _draw(params, categories, rng):
    """Draws of one view's columns from its decoder's parameters (labels from ``categories``
    for a categorical view), as a float64 array."""
    params = {name: value.cpu().double().numpy() for name, value in params.items()}
    if "class_logits" in params:
        cumulative = softmax(params["class_logits"], axis=1).cumsum(axis=1)
        labels = (rng.uniform(size=(len(cumulative), 1)) > cumulative).sum(axis=1)
        labels = np.minimum(labels, cumulative.shape[1] - 1)  # rounding of the last sum
        return categories[labels][:, None].astype(np.float64)
    return draw_observations(params, rng)
